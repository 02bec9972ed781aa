// Command yaml reads a JSON array of JSON values on standard input and answers, for each, what
// sigs.k8s.io/yaml's Marshal prints for it (json.Marshal, then JSONToYAML through yaml.v2): the
// reference the TypeScript port shared/domain/go-yaml.ts is compared with. It also answers how
// this Go's unicode tables class the given runes (yaml.v2 orders map keys by unicode.IsLetter and
// unicode.IsDigit, whose tables follow the Unicode version of the Go release).
package main

import (
	"encoding/json"
	"os"
	"unicode"

	"sigs.k8s.io/yaml"
)

type input struct {
	Values []json.RawMessage `json:"values"`
	Runes  []rune            `json:"runes"`
}

type answer struct {
	Results []output `json:"results"`
	Unicode string   `json:"unicode"`
	Letters []bool   `json:"letters"`
	Digits  []bool   `json:"digits"`
}

type output struct {
	YAML  *string `json:"yaml,omitempty"`
	Error string  `json:"error,omitempty"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	results := make([]output, len(in.Values))
	for i, raw := range in.Values {
		// Numbers decode as float64, as the port's JavaScript numbers are.
		var value interface{}
		if err := json.Unmarshal(raw, &value); err != nil {
			panic(err)
		}
		out, err := yaml.Marshal(value)
		if err != nil {
			results[i] = output{Error: err.Error()}
			continue
		}
		text := string(out)
		results[i] = output{YAML: &text}
	}
	out := answer{Results: results, Unicode: unicode.Version}
	for _, r := range in.Runes {
		out.Letters = append(out.Letters, unicode.IsLetter(r))
		out.Digits = append(out.Digits, unicode.IsDigit(r))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
