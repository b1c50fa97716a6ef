package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gocloud.dev/blob"
)

// Workspaces returns the names of the workspaces that have state, and
// "default", sorted.
func (s *Store) Workspaces(ctx context.Context) ([]string, error) {
	names := []string{DefaultWorkspace}
	it := s.bucket.List(&blob.ListOptions{Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot list the workspaces in %s: %w", s.url, err)
		}
		name := strings.TrimSuffix(obj.Key, "/")
		if obj.IsDir && CheckWorkspace(name) == nil && name != DefaultWorkspace {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// CreateWorkspace writes the first, empty state of ws. It fails when ws
// already exists.
func (s *Store) CreateWorkspace(ctx context.Context, ws string) error {
	if err := CheckWorkspace(ws); err != nil {
		return err
	}
	exists, err := s.workspaceExists(ctx, ws)
	if err != nil {
		return err
	}
	if exists {
		return fmt.Errorf("workspace %q already exists", ws)
	}
	return s.Write(ctx, ws, s.newState())
}

// DeleteOption changes what DeleteWorkspace accepts.
type DeleteOption func(*deleteConfig)

type deleteConfig struct{ force bool }

// Force deletes a workspace whose state still has resources, or that is
// locked.
func Force() DeleteOption { return func(c *deleteConfig) { c.force = true } }

// DeleteWorkspace deletes ws with its history and journal. It refuses the
// default workspace, and, unless Force is given, a workspace whose state
// still has resources (they would be forgotten, not destroyed) or that is
// locked.
func (s *Store) DeleteWorkspace(ctx context.Context, ws string, opts ...DeleteOption) error {
	var cfg deleteConfig
	for _, o := range opts {
		o(&cfg)
	}
	if err := CheckWorkspace(ws); err != nil {
		return err
	}
	if ws == DefaultWorkspace {
		return errors.New(`the workspace "default" cannot be deleted`)
	}
	exists, err := s.workspaceExists(ctx, ws)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("workspace %q does not exist: %w", ws, ErrNotFound)
	}
	if !cfg.force {
		if info, err := s.readLock(ctx, ws); err == nil {
			return fmt.Errorf("workspace %q is locked by %s (%s); wait for that run to finish, or delete with force", ws, info.Who, info.Operation)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		st, err := s.Read(ctx, ws)
		if err != nil {
			return fmt.Errorf("cannot check what workspace %q holds: %w; delete with force to remove it anyway", ws, err)
		}
		if n := len(st.Resources); n > 0 {
			return fmt.Errorf("workspace %q still has %d resources in its state (%s): destroy them first, or delete with force to forget them",
				ws, n, strings.Join(firstN(st.Addresses(), 3), ", "))
		}
	}
	objs, err := s.keys(ctx, ws+"/")
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if err := s.bucket.Delete(ctx, obj.Key); err != nil {
			return fmt.Errorf("cannot delete %s: %w", s.where(obj.Key), err)
		}
	}
	return nil
}

func (s *Store) workspaceExists(ctx context.Context, ws string) (bool, error) {
	objs, _, err := s.bucket.ListPage(ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: ws + "/"})
	if err != nil {
		return false, fmt.Errorf("cannot list %s: %w", s.where(ws+"/"), err)
	}
	return len(objs) > 0, nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}
