package server

import (
	"errors"
	"net/http"

	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/tracking"
)

func writeJSON(w http.ResponseWriter, status int, v any) { api.WriteJSON(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	api.WriteError(w, status, code, msg)
}

// writeStoreError answers with what a store error means: 404 for what is
// not there, 409 for a conflict, 500 otherwise.
func writeStoreError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, tracking.ErrNotFound):
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", err.Error())
	case errors.Is(err, tracking.ErrExists), errors.Is(err, tracking.ErrAliasMoved), errors.Is(err, tracking.ErrParamChanged):
		writeError(w, http.StatusConflict, "RESOURCE_ALREADY_EXISTS", err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", err.Error())
	}
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	return api.DecodeBody(w, r, v, false)
}
