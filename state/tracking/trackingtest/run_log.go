package trackingtest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state/tracking"
)

// testLogBatch logs metrics, params and tags as an MLflow client does and
// checks the final values, the params' immutability and the tags.
func testLogBatch(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	r := NewRun(t, s)
	t0 := time.UnixMilli(1_700_000_000_000)
	err := s.LogBatch(ctx, r.ID, tracking.Batch{
		Metrics: []tracking.MetricPoint{
			{Name: "loss", Step: 2, Value: 0.2, Time: t0},
			{Name: "loss", Step: 1, Value: 0.5, Time: t0},
			{Name: "acc", Step: 0, Value: 0.7, Time: t0},
		},
		Params: map[string]string{"lr": "0.05", "opt": "sgd"},
		Tags:   map[string]string{"mlflow.user": "ana", "team": "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A later batch with a lower step does not move the final value; a
	// param logged again with its value is accepted.
	if err := s.LogBatch(ctx, r.ID, tracking.Batch{
		Metrics: []tracking.MetricPoint{{Name: "loss", Step: 0, Value: 0.9, Time: t0}, {Name: "acc", Step: 3, Value: 0.8, Time: t0}},
		Params:  map[string]string{"lr": "0.05"},
		Tags:    map[string]string{"team": "b"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]float64{"loss": 0.2, "acc": 0.8}, got.Metrics); d != "" {
		t.Errorf("final metrics (-want +got):\n%s", d)
	}
	var params map[string]string
	if err := json.Unmarshal(got.Params, &params); err != nil {
		t.Fatalf("params %s: %v", got.Params, err)
	}
	if d := cmp.Diff(map[string]string{"lr": "0.05", "opt": "sgd"}, params); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
	tags, err := s.RunTags(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"mlflow.user": "ana", "team": "b"}, tags); d != "" {
		t.Errorf("tags (-want +got):\n%s", d)
	}
	found, err := s.ListRuns(ctx, tracking.RunFilter{ExperimentID: r.ExperimentID, Metrics: []tracking.MetricCondition{{Name: "acc", Op: ">", Value: 0.75}}})
	if err != nil || len(found) != 1 {
		t.Errorf("search on acc > 0.75 found %d runs (%v), want the run", len(found), err)
	}
	hist, err := s.MetricHistory(ctx, r.ID, "loss")
	if err != nil || len(hist) != 3 {
		t.Errorf("loss history has %d points (%v), want 3", len(hist), err)
	}

	latest, err := s.LatestMetrics(ctx, []string{r.ID, "no-such-run"})
	if err != nil {
		t.Fatal(err)
	}
	want := []tracking.MetricPoint{
		{RunID: r.ID, Name: "acc", Step: 3, Value: 0.8, Time: t0.UTC()},
		{RunID: r.ID, Name: "loss", Step: 2, Value: 0.2, Time: t0.UTC()},
	}
	if d := cmp.Diff(map[string][]tracking.MetricPoint{r.ID: want}, latest); d != "" {
		t.Errorf("latest metrics (-want +got):\n%s", d)
	}

	err = s.LogBatch(ctx, r.ID, tracking.Batch{Params: map[string]string{"lr": "0.1"}})
	if !errors.Is(err, tracking.ErrParamChanged) {
		t.Errorf("changing param lr: error = %v, want ErrParamChanged", err)
	}
	if err := s.LogBatch(ctx, "no-such-run", tracking.Batch{Tags: map[string]string{"a": "b"}}); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("batch for a missing run: error = %v, want ErrNotFound", err)
	}
	if err := s.DeleteRunTag(ctx, r.ID, "team"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRunTag(ctx, r.ID, "team"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("deleting a deleted tag: error = %v, want ErrNotFound", err)
	}
	if tags, _ := s.RunTags(ctx, r.ID); len(tags) != 1 {
		t.Errorf("tags after delete = %v, want mlflow.user only", tags)
	}
}

// testRegisteredModels creates a model before its versions and reads
// models known only from their versions.
func testRegisteredModels(t *testing.T, newURL NewURL) {
	s, r := withRun(t, newURL)
	m, err := s.CreateRegisteredModel(ctx, tracking.RegisteredModel{Name: "digits", Description: "d", Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRegisteredModel(ctx, tracking.RegisteredModel{Name: "digits"}); !errors.Is(err, tracking.ErrExists) {
		t.Errorf("second create: error = %v, want ErrExists", err)
	}
	if _, err := s.CreateRegisteredModel(ctx, tracking.RegisteredModel{Name: "bad name"}); err == nil {
		t.Error("a name with a space was accepted")
	}
	got, err := s.GetRegisteredModel(ctx, "digits")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Errorf("get (-want +got):\n%s", d)
	}
	if _, err := s.CreateModelVersion(ctx, tracking.ModelVersion{Model: "other", Version: 1, RunID: r.ID, ArtifactURI: "mem://x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRegisteredModel(ctx, tracking.RegisteredModel{Name: "other"}); !errors.Is(err, tracking.ErrExists) {
		t.Errorf("create of a model with versions: error = %v, want ErrExists", err)
	}
	o, err := s.GetRegisteredModel(ctx, "other")
	if err != nil || o.Created.IsZero() {
		t.Errorf("model with versions only: %+v, %v", o, err)
	}
	if err := s.UpdateRegisteredModel(ctx, tracking.RegisteredModel{Name: "other", Description: "now described"}); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.GetRegisteredModel(ctx, "other"); o.Description != "now described" {
		t.Errorf("description after update = %q", o.Description)
	}
	names, err := s.RegisteredModelNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"digits", "other"}, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if _, err := s.GetRegisteredModel(ctx, "missing"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("missing model: error = %v, want ErrNotFound", err)
	}
}

// testTokens records, finds and revokes tokens.
func testTokens(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	tok, err := s.CreateToken(ctx, tracking.Token{ID: "t1", Name: "ci", Role: "writer", Hash: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(ctx, tracking.Token{ID: "t2", Role: "reader", Hash: "abc"}); err == nil {
		t.Error("a second token with the same hash was accepted")
	}
	got, err := s.TokenByHash(ctx, "abc")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(tok, got); d != "" {
		t.Errorf("by hash (-want +got):\n%s", d)
	}
	if _, err := s.TokenByHash(ctx, "nope"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("unknown hash: error = %v, want ErrNotFound", err)
	}
	if err := s.RevokeToken(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TokenByHash(ctx, "abc"); got.Revoked.IsZero() {
		t.Error("revoked token has no revocation time")
	}
	if err := s.RevokeToken(ctx, "t9"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("revoking a missing token: error = %v, want ErrNotFound", err)
	}
	if all, err := s.ListTokens(ctx); err != nil || len(all) != 1 {
		t.Errorf("list = %v, %v; want one token", all, err)
	}
}
