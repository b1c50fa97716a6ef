package main_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mltf/mltf/internal/e2e"
)

// jsonLines parses mltf's machine-readable UI: one JSON object per line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var msgs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON object: %q (%v)\nwhole output:\n%s", line, err, out)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func types(msgs []map[string]any) []string {
	var ret []string
	for _, m := range msgs {
		ret = append(ret, m["type"].(string))
	}
	return ret
}

func TestApplyJSON(t *testing.T) {
	dir := workdir(t, map[string]string{"main.mltf.hcl": experiments})
	if r := e2e.Must(t, dir, 1, "apply", "-json"); !strings.Contains(r.Stderr, "-json needs -auto-approve") {
		t.Errorf("apply -json without approval:\n%s", r.Stderr)
	}
	msgs := jsonLines(t, e2e.Must(t, dir, 0, "apply", "-json", "-auto-approve").Stdout)
	got := strings.Join(types(msgs), " ")
	for _, want := range []string{"version planned_change", "apply_start", "apply_complete", "change_summary outputs"} {
		if !strings.Contains(got, want) {
			t.Errorf("message types %q lack %q", got, want)
		}
	}
	if msgs[0]["ui"] != "1.0" {
		t.Errorf("version message: %v", msgs[0])
	}
	last := msgs[len(msgs)-1]["outputs"].(map[string]any)
	if tok := last["token"].(map[string]any); tok["value"] != nil || tok["sensitive"] != true {
		t.Errorf("sensitive output shown: %v", tok)
	}
	if base := last["base_id"].(map[string]any); base["value"] == nil {
		t.Errorf("output base_id has no value: %v", base)
	}
	sum := msgs[len(msgs)-2]["changes"].(map[string]any)
	if sum["add"] != float64(3) || sum["operation"] != "apply" {
		t.Errorf("change_summary: %v", sum)
	}

	msgs = jsonLines(t, e2e.Must(t, dir, 0, "destroy", "-json", "-auto-approve").Stdout)
	sum = msgs[len(msgs)-2]["changes"].(map[string]any)
	if sum["remove"] != float64(3) || sum["operation"] != "destroy" {
		t.Errorf("destroy change_summary: %v\n%v", sum, types(msgs))
	}
}
