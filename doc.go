// Package mltf is Terraform for the machine-learning lifecycle. The
// command is cmd/mltf; docs/architecture.md describes the packages.
package mltf
