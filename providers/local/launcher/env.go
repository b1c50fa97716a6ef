package launcher

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// RankInfo places one rank in the world.
type RankInfo struct {
	Rank       int
	Attempt    int // 1 for the first start
	MasterPort int
	ResumeFrom string // newest committed checkpoint, or ""
}

// RankEnv is the complete environment of one rank: base (usually the
// supervisor's own environment), then the spec's Env, then the torchrun
// and MLTF_* variables, which win. It is exported so that a benchmark can
// start the same ranks by hand with exactly the same environment.
func RankEnv(base []string, dir string, spec *Spec, r RankInfo) []string {
	env := map[string]string{}
	for _, kv := range base {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range spec.Env {
		env[k] = v
	}
	for k, v := range spec.NCCL {
		env[k] = v
	}

	world := spec.WorldSize()
	local := r.Rank % spec.ProcsPerNode
	node := r.Rank / spec.ProcsPerNode
	addr := spec.MasterAddr
	if addr == "" {
		addr = "127.0.0.1"
	}
	itoa := strconv.Itoa
	// What torchrun (torch.distributed.run) sets for a worker.
	set := map[string]string{
		"RANK":                            itoa(r.Rank),
		"LOCAL_RANK":                      itoa(local),
		"WORLD_SIZE":                      itoa(world),
		"LOCAL_WORLD_SIZE":                itoa(spec.ProcsPerNode),
		"NODE_RANK":                       itoa(node),
		"GROUP_RANK":                      itoa(node),
		"GROUP_WORLD_SIZE":                itoa(spec.Nodes),
		"ROLE_RANK":                       itoa(r.Rank),
		"ROLE_WORLD_SIZE":                 itoa(world),
		"ROLE_NAME":                       "default",
		"MASTER_ADDR":                     addr,
		"MASTER_PORT":                     itoa(r.MasterPort),
		"TORCHELASTIC_RESTART_COUNT":      itoa(r.Attempt - 1),
		"TORCHELASTIC_MAX_RESTARTS":       itoa(spec.RetryInfrastructure + spec.RetryUserError),
		"TORCHELASTIC_RUN_ID":             spec.RunID,
		"TORCHELASTIC_USE_AGENT_STORE":    "False",
		"TORCH_NCCL_ASYNC_ERROR_HANDLING": "1",
		"NCCL_ASYNC_ERROR_HANDLING":       "1", // the name before torch 2.2
		"PYTHONUNBUFFERED":                "1",

		"MLTF_RUN_ID":          spec.RunID,
		"MLTF_BACKEND":         spec.Backend,
		"MLTF_CHECKPOINT_DIR":  filepath.Join(dir, checkpointDir),
		"MLTF_CHECKPOINT_KEEP": itoa(spec.CheckpointKeep),
		"MLTF_ARTIFACT_DIR":    filepath.Join(dir, artifactDir),
		"MLTF_OUTPUT_DIR":      filepath.Join(dir, artifactDir), // a pipeline step's outputs are its artifacts
		"MLTF_RUN_DIR":         dir,
		"MLTF_ATTEMPT":         itoa(r.Attempt),
	}
	if spec.CheckpointEvery > 0 {
		set["MLTF_CHECKPOINT_EVERY"] = formatSeconds(spec.CheckpointEvery)
	}
	if spec.DistTimeout > 0 {
		set["MLTF_DIST_TIMEOUT"] = formatSeconds(spec.DistTimeout)
	}
	if r.ResumeFrom != "" {
		set["MLTF_RESUME_FROM"] = r.ResumeFrom
	} else {
		delete(env, "MLTF_RESUME_FROM")
	}
	if _, ok := env["OMP_NUM_THREADS"]; !ok {
		switch {
		case spec.OMPThreads > 0:
			set["OMP_NUM_THREADS"] = itoa(spec.OMPThreads)
		case spec.ProcsPerNode > 1:
			set["OMP_NUM_THREADS"] = "1" // as torchrun does
		}
	}
	if spec.Backend == "nccl" && len(spec.GPUs) > 0 {
		set["CUDA_VISIBLE_DEVICES"] = spec.GPUs[local%len(spec.GPUs)]
	}
	sdk := filepath.Join(dir, sdkDir)
	if p := env["PYTHONPATH"]; p != "" {
		set["PYTHONPATH"] = sdk + string(os.PathListSeparator) + p
	} else {
		set["PYTHONPATH"] = sdk
	}
	for k, v := range set {
		env[k] = v
	}

	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func formatSeconds(d Duration) string {
	return strconv.FormatFloat(float64(d)/1e9, 'f', -1, 64)
}
