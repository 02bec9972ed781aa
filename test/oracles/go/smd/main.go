// Command smd reads a JSON array of apply sequences on standard input and answers, for each step,
// what sigs.k8s.io/structured-merge-diff's merge.Updater makes of it: the object, each manager's
// field set (FieldsV1 JSON) and whether the apply conflicted. It is the reference the embedded
// API server's server-side apply (infra/local/kube-api/src/server-side-apply.ts) is compared with.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/structured-merge-diff/fieldpath"
	"sigs.k8s.io/structured-merge-diff/merge"
	"sigs.k8s.io/structured-merge-diff/typed"
	"sigs.k8s.io/structured-merge-diff/value"
)

// The schema, as the port sees objects: every object a struct (granular, no member entry of its
// own unless empty) whose fields are all the names the test's objects use, every list atomic
// except spec.listeners, a list-map keyed by name, and spec.hostnames, a set of strings.
var fieldNames = []string{
	"spec", "data", "addresses", "infrastructure", "gatewayClassName", "extra",
	"name", "port", "protocol", "tls", "mode", "options", "allowed", "kind", "value",
	"labels", "annotations", "a", "b", "c",
}

func schema() string {
	var b strings.Builder
	b.WriteString(`types:
- name: object
  scalar: untyped
  list:
    elementType:
      namedType: __untyped_atomic_
    elementRelationship: atomic
  map:
    fields:
    - name: listeners
      type:
        list:
          elementType:
            namedType: object
          elementRelationship: associative
          keys:
          - name
    - name: hostnames
      type:
        list:
          elementType:
            scalar: string
          elementRelationship: associative
`)
	for _, name := range fieldNames {
		fmt.Fprintf(&b, "    - name: %s\n      type:\n        namedType: object\n", name)
	}
	b.WriteString(`- name: __untyped_atomic_
  scalar: untyped
  list:
    elementType:
      namedType: __untyped_atomic_
    elementRelationship: atomic
  map:
    elementType:
      namedType: __untyped_atomic_
    elementRelationship: atomic
`)
	return b.String()
}

const version = fieldpath.APIVersion("example.com/v1")

// identity converts nothing: every manager writes the one version.
type identity struct{}

func (identity) Convert(v *typed.TypedValue, _ fieldpath.APIVersion) (*typed.TypedValue, error) {
	return v, nil
}

func (identity) IsMissingVersionError(error) bool { return false }

type step struct {
	Manager string          `json:"manager"`
	Force   bool            `json:"force"`
	Config  json.RawMessage `json:"config"`
}

type stepResult struct {
	Object   json.RawMessage            `json:"object"`
	Managers map[string]json.RawMessage `json:"managers"`
	Conflict bool                       `json:"conflict,omitempty"`
	Error    string                     `json:"error,omitempty"`
}

func main() {
	parser, err := typed.NewParser(typed.YAMLObject(schema()))
	if err != nil {
		panic(err)
	}
	root := parser.Type("object")
	var cases [][]step
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	results := make([][]stepResult, len(cases))
	for i, steps := range cases {
		results[i] = run(root, steps)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		panic(err)
	}
}

func run(root typed.ParseableType, steps []step) []stepResult {
	updater := &merge.Updater{Converter: identity{}}
	empty, err := root.FromYAML(typed.YAMLObject("{}"))
	if err != nil {
		panic(err)
	}
	var live *typed.TypedValue
	managers := fieldpath.ManagedFields{}
	out := make([]stepResult, 0, len(steps))
	for _, s := range steps {
		config, err := root.FromYAML(typed.YAMLObject(s.Config))
		if err != nil {
			out = append(out, stepResult{Error: err.Error()})
			continue
		}
		current := live
		if current == nil {
			current = empty
		} else if len(managers) == 0 {
			// k8s.io/apimachinery's skipNonApplied: an object nobody manages yet is first
			// recorded as an update by "before-first-apply".
			_, managers, err = updater.Update(empty, current, version, managers, "before-first-apply")
			if err != nil {
				panic(err)
			}
		}
		next, nextManagers, err := updater.Apply(current, config, version, copyManagers(managers), s.Manager, s.Force)
		if err != nil {
			if _, ok := err.(merge.Conflicts); !ok {
				out = append(out, stepResult{Error: err.Error()})
				continue
			}
			out = append(out, stepResult{Conflict: true, Object: objectOf(current), Managers: setsOf(managers)})
			continue
		}
		if next != nil {
			current = next
		}
		live = current
		managers = nextManagers
		out = append(out, stepResult{Object: objectOf(live), Managers: setsOf(managers)})
	}
	return out
}

func copyManagers(m fieldpath.ManagedFields) fieldpath.ManagedFields {
	c := fieldpath.ManagedFields{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

func objectOf(v *typed.TypedValue) json.RawMessage {
	raw, err := value.ToJSON(v.AsValue())
	if err != nil {
		panic(err)
	}
	return raw
}

func setsOf(m fieldpath.ManagedFields) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for name, versioned := range m {
		raw, err := versioned.Set().ToJSON()
		if err != nil {
			panic(err)
		}
		out[name] = json.RawMessage(bytes.TrimSpace(raw))
	}
	return out
}
