package trackingtest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mltf/mltf/state/tracking"
)

func testDeleteRestoreRun(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	e, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "e"})
	for i, id := range []string{"a", "b", "c"} {
		r := tracking.Run{ID: id, ExperimentID: e.ID, Status: tracking.StatusRunning, Started: ms(int64(i) * 1000),
			Metrics: map[string]float64{"acc": float64(i)}}
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteRun(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRun(ctx, "b"); err != nil {
		t.Errorf("deleting a deleted run: %v", err)
	}
	if err := s.DeleteRun(ctx, "nope"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("DeleteRun of a missing run = %v, want ErrNotFound", err)
	}
	b, err := s.GetRun(ctx, "b")
	if err != nil || b.Deleted.IsZero() {
		t.Errorf("GetRun of a deleted run = %+v, %v; want it, with its deletion time", b, err)
	}
	acc := []tracking.MetricCondition{{Name: "acc", Op: ">=", Value: 0}}
	tests := []struct {
		name   string
		filter tracking.RunFilter
		want   []string
	}{
		{"live", tracking.RunFilter{}, []string{"c", "a"}},
		{"deleted", tracking.RunFilter{View: tracking.DeletedRuns}, []string{"b"}},
		{"all", tracking.RunFilter{View: tracking.AllRuns}, []string{"c", "b", "a"}},
		{"live with a metric condition", tracking.RunFilter{Metrics: acc, OrderBy: &tracking.RunOrder{Metric: "acc"}}, []string{"a", "c"}},
		{"deleted with a metric condition", tracking.RunFilter{Metrics: acc, View: tracking.DeletedRuns}, []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.ListRuns(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			diffRunIDs(t, tt.want, runs)
		})
	}
	if err := s.LogBatch(ctx, "b", tracking.Batch{Tags: map[string]string{"k": "v"}}); !errors.Is(err, tracking.ErrRunDeleted) {
		t.Errorf("LogBatch to a deleted run = %v, want ErrRunDeleted", err)
	}
	// UpdateRun of a run read before the deletion does not bring it back.
	b.Deleted = ms(0)
	b.Status = tracking.StatusFinished
	if err := s.UpdateRun(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetRun(ctx, "b"); got.Deleted.IsZero() {
		t.Error("UpdateRun restored a deleted run")
	}
	if err := s.RestoreRun(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreRun(ctx, "b"); err != nil {
		t.Errorf("restoring a live run: %v", err)
	}
	if err := s.RestoreRun(ctx, "nope"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("RestoreRun of a missing run = %v, want ErrNotFound", err)
	}
	runs, _ := s.ListRuns(ctx, tracking.RunFilter{})
	diffRunIDs(t, []string{"c", "b", "a"}, runs)
	if err := s.LogBatch(ctx, "b", tracking.Batch{Tags: map[string]string{"k": "v"}}); err != nil {
		t.Errorf("LogBatch to a restored run: %v", err)
	}
}

func testRestoreExperiment(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	e, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "churn"})
	other, _ := s.CreateExperiment(ctx, tracking.Experiment{Name: "other"})
	for i, r := range []struct{ id, exp string }{{"live", e.ID}, {"gone", e.ID}, {"elsewhere", other.ID}} {
		if err := s.CreateRun(ctx, tracking.Run{ID: r.id, ExperimentID: r.exp, Status: tracking.StatusRunning, Started: ms(int64(i) * 1000)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteRun(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	// deletedRuns says which of the runs are deleted.
	deletedRuns := func() map[string]bool {
		out := map[string]bool{}
		for _, id := range []string{"live", "gone", "elsewhere"} {
			r, err := s.GetRun(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			out[id] = !r.Deleted.IsZero()
		}
		return out
	}
	if err := s.DeleteExperiment(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"live": true, "gone": true, "elsewhere": false}, deletedRuns()); diff != "" {
		t.Errorf("runs deleted with their experiment (-want +got):\n%s", diff)
	}
	if err := s.LogBatch(ctx, "live", tracking.Batch{Tags: map[string]string{"k": "v"}}); !errors.Is(err, tracking.ErrRunDeleted) {
		t.Errorf("LogBatch to a run of a deleted experiment = %v, want ErrRunDeleted", err)
	}
	deleted, err := s.ListDeletedExperiments(ctx)
	if err != nil || len(deleted) != 1 || deleted[0].ID != e.ID {
		t.Errorf("ListDeletedExperiments = %+v, %v; want %s", deleted, err, e.ID)
	}
	if err := s.RestoreExperiment(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreExperiment(ctx, e.ID); err != nil {
		t.Errorf("restoring a live experiment: %v", err)
	}
	if got, _ := s.GetExperiment(ctx, e.ID); !got.Deleted.IsZero() {
		t.Errorf("restored experiment still deleted: %+v", got)
	}
	// The run deleted with it comes back; the one deleted before does not.
	if diff := cmp.Diff(map[string]bool{"live": false, "gone": true, "elsewhere": false}, deletedRuns()); diff != "" {
		t.Errorf("runs after the experiment's restore (-want +got):\n%s", diff)
	}
	if err := s.RestoreExperiment(ctx, "nope"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("RestoreExperiment of a missing experiment = %v, want ErrNotFound", err)
	}
	// A new experiment took the name while it was deleted.
	s.DeleteExperiment(ctx, e.ID)
	if _, err := s.CreateExperiment(ctx, tracking.Experiment{Name: "churn"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreExperiment(ctx, e.ID); !errors.Is(err, tracking.ErrExists) {
		t.Errorf("RestoreExperiment whose name is taken = %v, want ErrExists", err)
	}
	live, _ := s.ListExperiments(ctx)
	if len(live) != 2 || live[0].ID == e.ID || live[1].ID == e.ID {
		t.Errorf("live experiments after a refused restore: %+v", live)
	}
}

func testPipelineRuns(t *testing.T, newURL NewURL) {
	s := open(t, newURL)
	first := tracking.PipelineRun{ID: "p1", PipelineID: "features", Workspace: "default", Config: map[string]any{"window": 14.0},
		Status: tracking.PipelineRunning, Who: "ci via mltf server", Started: ms(1000), Updated: ms(1000)}
	if err := s.CreatePipelineRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePipelineRun(ctx, first); !errors.Is(err, tracking.ErrExists) {
		t.Errorf("CreatePipelineRun of an existing ID = %v, want ErrExists", err)
	}
	second := tracking.PipelineRun{ID: "p2", PipelineID: "report", Status: tracking.PipelineRunning, Started: ms(2000), Updated: ms(2000)}
	if err := s.CreatePipelineRun(ctx, second); err != nil {
		t.Fatal(err)
	}
	first.Status, first.Error, first.Output, first.Finished, first.Updated = tracking.PipelineFailed, "step build failed", []string{"a", "b"}, ms(3000), ms(3000)
	if err := s.UpdatePipelineRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetPipelineRun(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("GetPipelineRun (-want +got):\n%s", diff)
	}
	list, err := s.ListPipelineRuns(ctx, tracking.PipelineRunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	first.Output = nil
	if diff := cmp.Diff([]tracking.PipelineRun{second, first}, list); diff != "" {
		t.Errorf("ListPipelineRuns: newest first, without output (-want +got):\n%s", diff)
	}
	if list, _ := s.ListPipelineRuns(ctx, tracking.PipelineRunFilter{PipelineID: "features", Limit: 5, Output: true}); len(list) != 1 || list[0].ID != "p1" || len(list[0].Output) != 2 {
		t.Errorf("ListPipelineRuns of one pipeline = %+v", list)
	}
	if _, err := s.GetPipelineRun(ctx, "nope"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("GetPipelineRun of a missing run = %v, want ErrNotFound", err)
	}
	if err := s.UpdatePipelineRun(ctx, tracking.PipelineRun{ID: "nope", PipelineID: "x", Status: tracking.PipelineSucceeded}); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("UpdatePipelineRun of a missing run = %v, want ErrNotFound", err)
	}
	if err := s.CreatePipelineRun(ctx, tracking.PipelineRun{ID: "p3", PipelineID: "x", Status: "done"}); err == nil {
		t.Error("CreatePipelineRun with an unknown status succeeded")
	}
}
