// Command pflag reads cases as JSON on standard input and answers, for each, what spf13/pflag
// (and Go's time package) make of it: the reference the TypeScript port is compared with.
package main

import (
	"encoding/json"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

type spec struct {
	Name      string `json:"name"`
	Shorthand string `json:"shorthand"`
	Type      string `json:"type"`
}

type input struct {
	Kind  string   `json:"kind"`
	Specs []spec   `json:"specs"`
	Args  []string `json:"args"`
	Text  string   `json:"text"`
	Nanos string   `json:"nanos"`
}

type output struct {
	Values map[string]interface{} `json:"values,omitempty"`
	Args   []string               `json:"args,omitempty"`
	Dash   int                    `json:"dash"`
	Help   bool                   `json:"help"`
	Error  string                 `json:"error,omitempty"`
	Nanos  string                 `json:"nanos,omitempty"`
	Text   string                 `json:"text,omitempty"`
}

func flags(in input) output {
	set := pflag.NewFlagSet("oracle", pflag.ContinueOnError)
	set.SetOutput(io.Discard)
	// GetStringArray reads the value back through its CSV String form, which drops an empty
	// element; the slice itself is what the command sees.
	arrays := map[string]*[]string{}
	for _, s := range in.Specs {
		switch s.Type {
		case "bool":
			set.BoolP(s.Name, s.Shorthand, false, "")
		case "string":
			set.StringP(s.Name, s.Shorthand, "", "")
		case "stringArray":
			arrays[s.Name] = set.StringArrayP(s.Name, s.Shorthand, nil, "")
		case "int":
			set.IntP(s.Name, s.Shorthand, 0, "")
		case "duration":
			set.DurationP(s.Name, s.Shorthand, 0, "")
		}
	}
	err := set.Parse(in.Args)
	out := output{Dash: set.ArgsLenAtDash(), Args: set.Args()}
	if err == pflag.ErrHelp {
		out.Help = true
	} else if err != nil {
		return output{Error: err.Error()}
	}
	out.Values = map[string]interface{}{}
	set.Visit(func(f *pflag.Flag) {
		switch f.Value.Type() {
		case "bool":
			v, _ := set.GetBool(f.Name)
			out.Values[f.Name] = v
		case "stringArray":
			out.Values[f.Name] = *arrays[f.Name]
		case "int":
			v, _ := set.GetInt(f.Name)
			out.Values[f.Name] = v
		case "duration":
			v, _ := set.GetDuration(f.Name)
			out.Values[f.Name] = strconv.FormatInt(int64(v), 10)
		default:
			out.Values[f.Name] = f.Value.String()
		}
	})
	return out
}

func main() {
	var cases []input
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	results := make([]output, len(cases))
	for i, in := range cases {
		switch in.Kind {
		case "duration":
			d, err := time.ParseDuration(in.Text)
			if err != nil {
				results[i] = output{Error: err.Error()}
			} else {
				results[i] = output{Nanos: strconv.FormatInt(int64(d), 10)}
			}
		case "format":
			n, _ := strconv.ParseInt(in.Nanos, 10, 64)
			results[i] = output{Text: time.Duration(n).String()}
		default:
			results[i] = flags(in)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		panic(err)
	}
}
