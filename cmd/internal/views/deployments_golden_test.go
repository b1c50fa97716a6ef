package views

import (
	"strings"
	"testing"

	"github.com/mltf/mltf/serving"
	"github.com/mltf/mltf/state/tracking"
)

func goldenDeployment() Deployment {
	v := int64(2)
	return Deployment{Addr: "deployment.digits", Model: "digits", Alias: "production", URL: "http://127.0.0.1:8501", ServingVersion: &v,
		Rollout: &DeploymentRollout{State: "in_progress", Step: "2/3", Detail: "canary at 25%", Traffic: map[string]int64{"1": 75, "2": 25}}}
}

// TestGoldenDeployments pins mltf deployments list and show.
func TestGoldenDeployments(t *testing.T) {
	latency := make([]int64, 40)
	latency[10], latency[20], latency[30] = 90, 9, 1
	stats := serving.Stats{Versions: []serving.VersionStats{
		{Version: 1, Weight: 75, ReadyWorkers: 2, Workers: 2, Live: serving.RoleStats{Requests: 1200, Errors: 3, Latency: latency}, Batches: 300, BatchRows: 1200,
			Endpoints: []serving.WorkerStats{{Addr: "127.0.0.1:9001", Ready: true, Batches: 150, Rows: 600}, {Addr: "127.0.0.1:9002", Ready: true, Batches: 150, Rows: 600}}},
		{Version: 2, Weight: 25, Shadow: 10, ReadyWorkers: 0, Replicas: 1, Endpoints: []serving.WorkerStats{{Addr: "127.0.0.1:9003"}}},
	}}
	drift := []serving.ColumnDrift{{Column: "p12", PSI: 0.31}, {Column: "p3", PSI: 0.04}}
	for i := range 10 {
		drift = append(drift, serving.ColumnDrift{Column: "q" + string(rune('a'+i)), PSI: 0.01})
	}
	rolledBack := goldenDeployment()
	rolledBack.Addr, rolledBack.Rollout = "deployment.other", &DeploymentRollout{State: "rolled_back", Detail: "error rate 4% > 1%"}
	cases := map[string]func(*strings.Builder){
		"deployments_list": func(b *strings.Builder) {
			DeploymentsList(b, []Deployment{goldenDeployment(), rolledBack, {Addr: "deployment.new", Model: "-"}})
		},
		"deployments_list_empty": func(b *strings.Builder) { DeploymentsList(b, nil) },
		"deployments_show": func(b *strings.Builder) {
			DeploymentShow(b, DeploymentDetail{Deployment: goldenDeployment(), MovesTotal: 12,
				Moves: []tracking.AliasMove{{Model: "digits", Alias: "deployment.digits", From: 1, To: 2, When: started, Who: "ci@runner"}},
				Stats: stats, Drift: drift, DriftRows: 1200})
		},
		"deployments_show_offline": func(b *strings.Builder) {
			DeploymentShow(b, DeploymentDetail{Deployment: goldenDeployment(), NoHistory: "cannot open the tracking store sqlite://x (no such file)",
				NoLive: "its front end is not running (mltf apply starts it again)"})
		},
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			render(&b)
			golden(t, "human/"+name+".txt", b.String())
		})
	}
}
