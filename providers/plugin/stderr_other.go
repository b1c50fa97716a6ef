//go:build !unix

package plugin

func directStderr() func() { return func() {} }
