// Package ui is mltf server's web UI: plain HTML, CSS and JavaScript
// embedded in the binary with go:embed, talking to /api/v1 with the
// token the user gives it.
package ui
