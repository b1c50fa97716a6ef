// Package views renders what commands produce, for people (text, with
// source snippets and live progress) and for machines (the versioned JSON
// documents of docs/json-format.md). Views print; they decide nothing.
// Commands do not print: they build what a view takes and call it.
//
// What users see is pinned by golden files in testdata/ (human/ for the
// text of apply, show, runs, models and datasets; plan/ and json/); a
// change to it is a reviewed diff of those files, regenerated with
//
//	go test ./cmd/internal/views -update
package views
