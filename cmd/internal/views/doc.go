// Package views renders what commands produce, for people (text, with
// source snippets and live progress) and for machines (the versioned JSON
// documents of docs/json-format.md). Views print; they decide nothing.
package views
