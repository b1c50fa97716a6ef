package local

import (
	"encoding/json"

	"github.com/mltf/mltf/providers/local/launcher"
	"github.com/mltf/mltf/providers/trainingkind"
)

func statusOf(s launcher.State) string {
	switch s {
	case launcher.Succeeded:
		return trainingkind.StatusFinished
	case launcher.Failed:
		return trainingkind.StatusFailed
	case launcher.Cancelled:
		return trainingkind.StatusCancelled
	}
	return trainingkind.StatusRunning
}

// privateData is what the provider keeps beside a training's value.
type privateData struct {
	Inputs *trainingkind.Inputs  `json:"inputs,omitempty"`
	Code   trainingkind.Manifest `json:"code,omitempty"`
	// Reuse names a finished run with the same fingerprint that apply
	// adopts instead of training.
	Reuse string `json:"reuse,omitempty"`
	// Adopted says the run was reused: destroying the training must not
	// touch that run's files.
	Adopted bool `json:"adopted,omitempty"`
}

func decodePrivate(b []byte) privateData {
	var p privateData
	if len(b) > 0 {
		json.Unmarshal(b, &p)
	}
	return p
}

func (p privateData) encode() []byte {
	b, _ := json.Marshal(p)
	return b
}
