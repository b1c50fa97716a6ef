package views

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mltf/mltf/serving"
	"github.com/mltf/mltf/state/tracking"
)

// Deployment is one deployment of the state.
type Deployment struct {
	Addr, Model, Alias, URL string
	// ServingVersion is the model version that serves; nil before the
	// first rollout.
	ServingVersion *int64
	Rollout        *DeploymentRollout
}

// DeploymentRollout is the state of a deployment's last rollout.
type DeploymentRollout struct {
	State, Step, Detail string
	// Traffic is the share of requests by version, in percent.
	Traffic map[string]int64
}

// DeploymentDetail is what mltf deployments show reads of one deployment
// besides the state: the moves of its alias and its front end's figures.
type DeploymentDetail struct {
	Deployment
	// Moves are the last moves of the alias the deployment serves, newest
	// last, of MovesTotal; NoHistory says why there are none to read.
	Moves      []tracking.AliasMove
	MovesTotal int
	NoHistory  string
	// NoLive says why there are no live figures; else Stats are the front
	// end's, and Drift the input drift by column over DriftRows rows.
	NoLive    string
	Stats     serving.Stats
	Drift     []serving.ColumnDrift
	DriftRows int64
}

// DeploymentsList renders mltf deployments list.
func DeploymentsList(w io.Writer, all []Deployment) {
	listTable(w, all, "No deployments in the state.", "DEPLOYMENT\tMODEL\tSERVING\tURL\tTRAFFIC\tLAST ROLLOUT", func(d Deployment) string {
		serving, traffic, last := "-", "-", "-"
		if d.ServingVersion != nil {
			serving = fmt.Sprintf("v%d", *d.ServingVersion)
		}
		if r := d.Rollout; r != nil {
			traffic, last = trafficText(r.Traffic), r.State
			if r.State == "rolled_back" {
				last += ": " + r.Detail
			}
		}
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", d.Addr, d.Model, serving, d.URL, traffic, last)
	})
}

func trafficText(t map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t)) {
		parts = append(parts, fmt.Sprintf("v%s %d%%", k, t[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// DeploymentShow renders mltf deployments show: the deployment, its
// rollouts, then per version its traffic, workers, requests, errors and
// latency since the front end started, its workers, and the input drift.
func DeploymentShow(w io.Writer, d DeploymentDetail) {
	fmt.Fprintf(w, "%s: model %s", d.Addr, d.Model)
	if d.Alias != "" {
		fmt.Fprintf(w, " (alias %s)", d.Alias)
	}
	fmt.Fprintf(w, " at %s\n", d.URL)
	if r := d.Rollout; r != nil {
		fmt.Fprintf(w, "last rollout: %s", r.State)
		if r.Detail != "" {
			fmt.Fprintf(w, " (%s)", r.Detail)
		}
		fmt.Fprintln(w)
	}
	switch {
	case d.NoHistory != "":
		fmt.Fprintf(w, "\nNo rollout history: %s.\n", d.NoHistory)
	case len(d.Moves) > 0:
		fmt.Fprintf(w, "\nrollouts (%d; mltf models history %s -alias %s has them all):\n", d.MovesTotal, d.Model, d.Addr)
		tw := table(w)
		fmt.Fprintln(tw, "WHEN\tWHO\tSERVING\tOUTCOME")
		for _, m := range d.Moves {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.When.Local().Format("2006-01-02 15:04:05"), m.Who, MoveText(m), strings.Join(GateLines(m.Gates), "; "))
		}
		tw.Flush()
	}
	if d.NoLive != "" {
		fmt.Fprintf(w, "\nNo live figures: %s.\n", d.NoLive)
		return
	}
	fmt.Fprintln(w, "\nsince the front end started:")
	tw := table(w)
	fmt.Fprintln(tw, "VERSION\tTRAFFIC\tWORKERS\tREQUESTS\tERRORS\tP50\tP95\tP99\tROWS/BATCH")
	total := 0
	for _, v := range d.Stats.Versions {
		total += v.Weight
	}
	for _, v := range d.Stats.Versions {
		share := "0%"
		if total > 0 {
			share = fmt.Sprintf("%d%%", 100*v.Weight/total)
		}
		if v.Shadow > 0 {
			share += fmt.Sprintf(" (+%d%% shadow)", v.Shadow)
		}
		rate := "-"
		if v.Live.Requests > 0 {
			rate = fmt.Sprintf("%d (%.2f%%)", v.Live.Errors, 100*float64(v.Live.Errors)/float64(v.Live.Requests))
		}
		perBatch := "-"
		if v.Batches > 0 {
			perBatch = fmt.Sprintf("%.1f", float64(v.BatchRows)/float64(v.Batches))
		}
		fmt.Fprintf(tw, "v%d\t%s\t%d/%d ready\t%d\t%s\t%s\t%s\t%s\t%s\n", v.Version, share, v.ReadyWorkers, max(v.Workers, v.Replicas), v.Live.Requests, rate,
			ms(serving.Quantile(v.Live.Latency, .5)), ms(serving.Quantile(v.Live.Latency, .95)), ms(serving.Quantile(v.Live.Latency, .99)), perBatch)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nworkers (batches sent to each):")
	tw = table(w)
	fmt.Fprintln(tw, "VERSION\tWORKER\tREADY\tBATCHES\tROWS")
	for _, v := range d.Stats.Versions {
		for _, e := range v.Endpoints {
			fmt.Fprintf(tw, "v%d\t%s\t%t\t%d\t%d\n", v.Version, e.Addr, e.Ready, e.Batches, e.Rows)
		}
	}
	tw.Flush()
	if len(d.Drift) == 0 {
		return
	}
	fmt.Fprintf(w, "\ninput drift (PSI against the training data, %d rows; > 0.2 is drift):\n", d.DriftRows)
	tw = table(w)
	fmt.Fprintln(tw, "COLUMN\tPSI")
	for i, col := range d.Drift {
		if i == 10 {
			fmt.Fprintf(tw, "(%d more)\t\n", len(d.Drift)-10)
			break
		}
		fmt.Fprintf(tw, "%s\t%.3f\n", col.Column, col.PSI)
	}
	tw.Flush()
}

// ms is a latency for people: milliseconds with one decimal, "-" for none.
func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
