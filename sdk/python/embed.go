// Package python holds the one-file Python helper of the training
// contract (mltf.py), embedded so that the launcher can put it on every
// rank's PYTHONPATH. It has no Go logic.
package python

import _ "embed"

// Module is the content of mltf.py.
//
//go:embed mltf.py
var Module []byte
