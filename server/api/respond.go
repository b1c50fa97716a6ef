package api

import (
	"encoding/json"
	"net/http"
)

// Error is the body of every error answer: the shape of MLflow's REST
// API, which mltf's own API shares.
type Error struct {
	Code    string `json:"error_code"`
	Message string `json:"message"`
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// WriteError answers with an Error.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	WriteJSON(w, status, Error{Code: code, Message: msg})
}

// DecodeBody reads a JSON request body into v, answering 400 when it
// cannot. Unless lenient, unknown fields are errors, so that a misspelled
// field is not silently dropped.
func DecodeBody(w http.ResponseWriter, r *http.Request, v any, lenient bool) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20))
	if !lenient {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		WriteError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "the request body is not the JSON this endpoint takes: "+err.Error())
		return false
	}
	return true
}
