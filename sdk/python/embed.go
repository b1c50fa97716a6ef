// Package python holds the one-file Python helper of the training
// contract (mltf.py), embedded so that the launcher can put it on every
// rank's PYTHONPATH, and the serving worker (mltf_worker.py), which the
// deployment backends start for every served model version. It has no Go
// logic.
package python

import _ "embed"

// Module is the content of mltf.py.
//
//go:embed mltf.py
var Module []byte

// Worker is the content of mltf_worker.py.
//
//go:embed mltf_worker.py
var Worker []byte
