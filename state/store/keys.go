package store

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// DefaultWorkspace always exists.
const DefaultWorkspace = "default"

// The key layout, one prefix per workspace (docs/state-format.md):
//
//	<ws>/state.json                       the current version
//	<ws>/history/<serial>.json            every version written, never changed
//	<ws>/lock.json                        the lock, while held
//	<ws>/journal/<base serial>/<seq>.json what an apply recorded since <base serial>
//
// Serials and sequence numbers are written in decimal with at least 10
// digits, so that a listing sorts them.

// StateKey is the key of the current state of ws.
func StateKey(ws string) string { return ws + "/state.json" }

// HistoryKey is the key of version serial of ws.
func HistoryKey(ws string, serial uint64) string {
	return fmt.Sprintf("%s/history/%010d.json", ws, serial)
}

// LockKey is the key of the lock of ws.
func LockKey(ws string) string { return ws + "/lock.json" }

// JournalKey is the key of journal object seq recorded on serial base.
func JournalKey(ws string, base, seq uint64) string {
	return fmt.Sprintf("%s/journal/%010d/%010d.json", ws, base, seq)
}

func historyPrefix(ws string) string { return ws + "/history/" }
func journalPrefix(ws string) string { return ws + "/journal/" }
func journalBasePrefix(ws string, base uint64) string {
	return fmt.Sprintf("%s/journal/%010d/", ws, base)
}

// numberedKey parses "<prefix><digits>.json"; temporary files a killed
// writer left behind (".json.1a2b.tmp") do not parse.
func numberedKey(key, prefix string) (uint64, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, ".json")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

var workspaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,89}$`)

// CheckWorkspace says what is wrong with a workspace name.
func CheckWorkspace(ws string) error {
	if !workspaceName.MatchString(ws) {
		return fmt.Errorf("invalid workspace name %q: a workspace name is 1 to 90 letters, digits, '.', '_' and '-', starting with a letter or a digit", ws)
	}
	return nil
}
