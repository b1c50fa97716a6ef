package kubernetes

import (
	"encoding/json"

	"github.com/mltf/mltf/providers/trainingkind"
)

// Statuses of a training value, the kind's.
const (
	statusRunning   = trainingkind.StatusRunning
	statusFinished  = trainingkind.StatusFinished
	statusFailed    = trainingkind.StatusFailed
	statusCancelled = trainingkind.StatusCancelled
)

// privateData is what the provider keeps beside a training's value.
type privateData struct {
	Inputs *trainingkind.Inputs  `json:"inputs,omitempty"`
	Code   trainingkind.Manifest `json:"code,omitempty"`
	// Namespace and Job locate the run's objects.
	Namespace string `json:"namespace,omitempty"`
	Job       string `json:"job,omitempty"`
	Attempt   int    `json:"attempt,omitempty"`
	// Reuse names a finished run with the same fingerprint that apply
	// adopts instead of training; Adopted says it was.
	Reuse   string `json:"reuse,omitempty"`
	Adopted bool   `json:"adopted,omitempty"`
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
