package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// store keeps each cluster as dir/ID.json.
type store struct {
	dir string
}

var validID = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func (s *store) path(id string) (string, error) {
	if !validID.MatchString(id) {
		return "", fmt.Errorf("%q is not a cluster id (letters, digits, '-', '_' and '.')", id)
	}
	return filepath.Join(s.dir, id+".json"), nil
}

func (s *store) save(id string, v cty.Value) error {
	p, err := s.path(id)
	if err != nil {
		return err
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// load returns the cluster, or a null value when there is none.
func (s *store) load(id string, ty cty.Type) (cty.Value, error) {
	p, err := s.path(id)
	if err != nil {
		return cty.NilVal, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return cty.NullVal(ty), nil
	}
	if err != nil {
		return cty.NilVal, err
	}
	v, err := ctyjson.Unmarshal(b, ty)
	if err != nil {
		return cty.NilVal, fmt.Errorf("%s is damaged: %w", p, err)
	}
	return v, nil
}

func (s *store) remove(id string) error {
	p, err := s.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
