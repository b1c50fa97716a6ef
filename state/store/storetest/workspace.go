package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

var workspaceTests = []test{
	{"default always exists", func(t *testing.T, s *store.Store) {
		got, err := s.Workspaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"default"}, got); diff != "" {
			t.Errorf("Workspaces (-want +got):\n%s", diff)
		}
	}},
	{"workspaces are listed and separate", func(t *testing.T, s *store.Store) {
		mustWrite(t, s, "dev", withResources(state.New(), "training.dev"))
		mustWrite(t, s, "staging", withResources(state.New(), "training.staging"))
		if err := s.CreateWorkspace(ctx, "empty"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Workspaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"default", "dev", "empty", "staging"}, got); diff != "" {
			t.Errorf("Workspaces (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"training.dev"}, addresses(mustRead(t, s, "dev"))); diff != "" {
			t.Errorf("dev resources (-want +got):\n%s", diff)
		}
		if st := mustRead(t, s, "default"); !st.Empty() {
			t.Errorf("default has %v, want nothing", addresses(st))
		}
		wantErr(t, s.CreateWorkspace(ctx, "dev"), `workspace "dev" already exists`)
	}},
	{"invalid names are refused", func(t *testing.T, s *store.Store) {
		for _, ws := range []string{"", "a/b", "../x", ".hidden", "with space"} {
			_, err := s.Read(ctx, ws)
			wantErr(t, err, "invalid workspace name")
			wantErr(t, s.Write(ctx, ws, state.New()), "invalid workspace name")
		}
	}},
	{"delete", func(t *testing.T, s *store.Store) {
		mustWrite(t, s, "full", withResources(state.New(), "training.a", "training.b"))
		mustWrite(t, s, "empty", state.New())
		tests := []struct {
			name, ws string
			opts     []store.DeleteOption
			wantErr  string
		}{
			{"default is refused", "default", nil, `"default" cannot be deleted`},
			{"missing", "nope", nil, `workspace "nope" does not exist`},
			{"with resources is refused", "full", nil, `still has 2 resources in its state (training.a, training.b): destroy them first`},
			{"empty", "empty", nil, ""},
			{"with resources and force", "full", []store.DeleteOption{store.Force()}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.DeleteWorkspace(ctx, tt.ws, tt.opts...)
				if tt.wantErr != "" {
					wantErr(t, err, tt.wantErr)
				} else if err != nil {
					t.Fatal(err)
				}
			})
		}
		got, err := s.Workspaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"default"}, got); diff != "" {
			t.Errorf("Workspaces after deleting (-want +got):\n%s", diff)
		}
		if h, _ := s.History(ctx, "full"); len(h) != 0 {
			t.Errorf("a deleted workspace kept %d history versions", len(h))
		}
	}},
	{"a locked workspace is not deleted", func(t *testing.T, s *store.Store) {
		mustWrite(t, s, "dev", state.New())
		l, err := s.With(store.WithWho("ci@runner-7")).Lock(ctx, "dev", "apply", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unlock(ctx)
		wantErr(t, s.DeleteWorkspace(ctx, "dev"), `workspace "dev" is locked by ci@runner-7 (apply)`)
	}},
}
