package launcher

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRankEnv(t *testing.T) {
	spec := &Spec{
		RunID: "abc", Command: []string{"python3"}, Nodes: 2, ProcsPerNode: 2, Backend: "nccl",
		GPUs: []string{"0", "1"}, CheckpointKeep: 3, RetryInfrastructure: 3, RetryUserError: 1,
		CheckpointEvery: Duration(30 * time.Second), DistTimeout: Duration(90 * time.Second),
		NCCL: map[string]string{"NCCL_DEBUG": "WARN"}, Env: map[string]string{"FOO": "bar", "RANK": "99"},
	}
	pick := []string{"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "NODE_RANK", "GROUP_RANK",
		"GROUP_WORLD_SIZE", "ROLE_RANK", "ROLE_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
		"TORCHELASTIC_RESTART_COUNT", "TORCHELASTIC_MAX_RESTARTS", "TORCHELASTIC_RUN_ID",
		"CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MLTF_RESUME_FROM", "MLTF_CHECKPOINT_DIR",
		"MLTF_CHECKPOINT_EVERY", "MLTF_DIST_TIMEOUT", "NCCL_DEBUG", "FOO", "PYTHONPATH", "PATH"}
	cases := []struct {
		name string
		info RankInfo
		base []string
		want map[string]string
	}{
		{
			name: "first rank of the second node",
			info: RankInfo{Rank: 2, Attempt: 1, MasterPort: 29500},
			base: []string{"PATH=/bin", "PYTHONPATH=/lib/py", "MLTF_RESUME_FROM=/stale"},
			want: map[string]string{
				"RANK": "2", "LOCAL_RANK": "0", "WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "2", "NODE_RANK": "1",
				"GROUP_RANK": "1", "GROUP_WORLD_SIZE": "2", "ROLE_RANK": "2", "ROLE_WORLD_SIZE": "4",
				"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500", "TORCHELASTIC_RESTART_COUNT": "0",
				"TORCHELASTIC_MAX_RESTARTS": "4", "TORCHELASTIC_RUN_ID": "abc", "CUDA_VISIBLE_DEVICES": "0",
				"OMP_NUM_THREADS": "1", "MLTF_CHECKPOINT_DIR": "/runs/abc/checkpoints",
				"MLTF_CHECKPOINT_EVERY": "30", "MLTF_DIST_TIMEOUT": "90", "NCCL_DEBUG": "WARN", "FOO": "bar",
				"PYTHONPATH": "/runs/abc/sdk:/lib/py", "PATH": "/bin",
			},
		},
		{
			name: "restarted last rank keeps the user's OMP_NUM_THREADS",
			info: RankInfo{Rank: 3, Attempt: 3, MasterPort: 1234, ResumeFrom: "/runs/abc/checkpoints/step-9"},
			base: []string{"OMP_NUM_THREADS=4"},
			want: map[string]string{
				"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "2", "NODE_RANK": "1",
				"GROUP_RANK": "1", "GROUP_WORLD_SIZE": "2", "ROLE_RANK": "3", "ROLE_WORLD_SIZE": "4",
				"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1234", "TORCHELASTIC_RESTART_COUNT": "2",
				"TORCHELASTIC_MAX_RESTARTS": "4", "TORCHELASTIC_RUN_ID": "abc", "CUDA_VISIBLE_DEVICES": "1",
				"OMP_NUM_THREADS": "4", "MLTF_RESUME_FROM": "/runs/abc/checkpoints/step-9",
				"MLTF_CHECKPOINT_DIR": "/runs/abc/checkpoints", "MLTF_CHECKPOINT_EVERY": "30",
				"MLTF_DIST_TIMEOUT": "90", "NCCL_DEBUG": "WARN", "FOO": "bar", "PYTHONPATH": "/runs/abc/sdk",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			for _, kv := range RankEnv(tc.base, "/runs/abc", spec, tc.info) {
				k, v, _ := strings.Cut(kv, "=")
				for _, p := range pick {
					if p == k {
						got[k] = v
					}
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("environment (-want +got):\n%s", d)
			}
		})
	}
}
