// Package examples holds runnable configurations; each is a test.
package examples
