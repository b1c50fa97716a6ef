// Package e2e runs the mltf binary the way users do, against real
// providers, real plugin processes and real PyTorch. It has no code of
// its own besides test helpers.
package e2e
