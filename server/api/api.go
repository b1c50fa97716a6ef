// Package api holds what the packages of mltf server share: the roles and
// the caller a request carries once its token is checked (checking tokens
// is package server's), and the JSON of answers and errors.
package api

import (
	"context"
	"fmt"

	"github.com/mltf/mltf/state/tracking"
)

// Role is what a token may do; each role may do what the roles before it
// may.
type Role int

const (
	// Public needs no token (/healthz, the UI's files).
	Public Role = iota
	// Reader reads experiments, runs, models and datasets.
	Reader
	// Writer also logs runs and registers model versions.
	Writer
	// Admin also moves aliases (stages).
	Admin
)

var roleNames = []string{"public", "reader", "writer", "admin"}

func (r Role) String() string { return roleNames[r] }

// ParseRole reads reader, writer or admin.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames[1:] {
		if s == n {
			return Role(i + 1), nil
		}
	}
	return Public, fmt.Errorf("unknown role %q: use reader, writer or admin", s)
}

// Caller is who sent a request, from its token.
type Caller struct {
	Token tracking.Token
	Role  Role
}

// Who is how the alias history names the caller.
func (c Caller) Who() string {
	name := c.Token.Name
	if name == "" {
		name = "token " + c.Token.ID
	}
	return name + " via mltf server"
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf returns the caller ctx carries; the zero Caller (Public) when
// none.
func CallerOf(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}
