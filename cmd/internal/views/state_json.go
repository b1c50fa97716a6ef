package views

import (
	"encoding/json"
	"io"
)

// DatasetJSON is the document of mltf datasets show -json: the dataset's
// attributes as last applied (their names are the kind's schema's, in
// snake_case) with its address.
func DatasetJSON(w io.Writer, addr string, attrs map[string]any) {
	out := make(map[string]any, len(attrs)+2)
	for k, v := range attrs {
		out[k] = v
	}
	out["format_version"] = JSONFormatVersion
	out["address"] = addr
	writeJSON(w, out)
}

// Output is one output value in the state, as JSON.
type Output struct {
	Sensitive bool            `json:"sensitive"`
	Type      json.RawMessage `json:"type"`
	Value     json.RawMessage `json:"value"`
}

// OutputsJSON is the document of mltf output -json: every output by name.
// Sensitive values are included, as in Terraform: the document is for
// programs.
func OutputsJSON(w io.Writer, outputs map[string]Output) {
	if outputs == nil {
		outputs = map[string]Output{}
	}
	writeJSON(w, struct {
		FormatVersion string            `json:"format_version"`
		Outputs       map[string]Output `json:"outputs"`
	}{JSONFormatVersion, outputs})
}
