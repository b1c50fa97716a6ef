package command

import (
	"context"

	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/state"
	"github.com/mltf/mltf/state/store"
)

// settingsConfig loads the configuration only for its mltf {} settings;
// commands that read state still work when the rest has errors. It starts
// no provider to learn their kinds.
func (m *Meta) settingsConfig() *lang.Config {
	cfg, _ := lang.LoadDir(m.WorkDir, lang.BuiltinKinds)
	return cfg
}

// withStore opens the store of the working directory.
func (m *Meta) withStore(fn func(ctx context.Context, st *store.Store, ws string) int) int {
	ctx := context.Background()
	st, err := m.openStore(ctx, m.settingsConfig())
	if err != nil {
		m.errorf("%s", err)
		return 1
	}
	defer st.Close()
	return fn(ctx, st, m.workspace())
}

// currentState reads the selected workspace's state.
func (m *Meta) currentState() (*state.State, bool) {
	var ret *state.State
	code := m.withStore(func(ctx context.Context, st *store.Store, ws string) int {
		s, ok := m.readState(ctx, st, ws)
		if !ok {
			return 1
		}
		ret = s
		return 0
	})
	return ret, code == 0
}
