package plugin

import (
	"bytes"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// lastReads remembers, by address, a value that Read left unchanged and
// its encoding. A plan refreshes an instance and then plans it with the
// refreshed value as its prior: the client need not encode that value
// again, nor the plugin decode it again. The zero value is ready to use.
type lastReads struct {
	mu sync.Mutex
	m  map[string]encoded
}

// encoded is a value with its msgpack encoding.
type encoded struct {
	v  cty.Value
	dv *pluginpb.DynamicValue
}

// maxLastReads bounds what a refresh without plans (or a plan whose
// instances fail before PlanChange) leaves behind.
const maxLastReads = 4096

func (l *lastReads) put(address string, e encoded) {
	if e.dv == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxLastReads {
		l.m = map[string]encoded{}
	}
	l.m[address] = e
}

// take returns and forgets what Read left for address.
func (l *lastReads) take(address string) (encoded, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[address]
	delete(l.m, address)
	return e, ok
}

// sameBytes reports whether two encoded values are the same bytes, and so
// decode to the same value against the same type.
func sameBytes(a, b *pluginpb.DynamicValue) bool {
	return a != nil && b != nil && len(a.GetMsgpack()) > 0 && bytes.Equal(a.GetMsgpack(), b.GetMsgpack())
}

// same reports whether two values are the same, marks included, and so
// have the same encoding.
func same(a, b cty.Value) bool {
	return a.Type() != cty.NilType && b.Type() != cty.NilType && a.RawEquals(b)
}
