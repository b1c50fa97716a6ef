package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// Labels and annotations on everything mltf creates.
const (
	labelManagedBy   = "app.kubernetes.io/managed-by"
	labelComponent   = "app.kubernetes.io/component"
	labelAddress     = "mltf.dev/address"
	labelRunID       = "mltf.dev/run-id"
	labelWorkspace   = "mltf.dev/workspace"
	labelFingerprint = "mltf.dev/fingerprint"
	labelAttempt     = "mltf.dev/attempt"
	labelCluster     = "mltf.dev/cluster"
	labelPool        = "mltf.dev/pool"

	annotAddress     = "mltf.dev/address"
	annotFingerprint = "mltf.dev/fingerprint"
	// annotCompleted marks a succeeded Job whose end an apply followed
	// (metrics read, outputs copied): findLiveJob leaves it alone.
	annotCompleted = "mltf.dev/completed"

	managedBy    = "mltf"
	fieldManager = "mltf"

	labelKueueQueue = "kueue.x-k8s.io/queue-name"
	labelNodePool   = "karpenter.sh/nodepool"
)

var labelValueBad = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// labelValue makes s a valid label value: invalid characters become "_",
// and a value too long is cut and suffixed with a hash of the whole.
func labelValue(s string) string {
	v := labelValueBad.ReplaceAllString(s, "_")
	if len(v) > 63 {
		sum := sha256.Sum256([]byte(s))
		v = v[:50] + "-" + hex.EncodeToString(sum[:])[:12]
	}
	v = strings.Trim(v, "_.-")
	return v
}

var dnsBad = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName makes s part of a DNS label: lower case, dashes, at most n
// characters.
func dnsName(s string, n int) string {
	v := dnsBad.ReplaceAllString(strings.ToLower(s), "-")
	v = strings.Trim(v, "-")
	if len(v) > n {
		v = strings.Trim(v[:n], "-")
	}
	if v == "" {
		v = "x"
	}
	return v
}

// runLabels are the labels of a run's objects.
func runLabels(address, workspace, runID, fingerprint string) map[string]string {
	return map[string]string{
		labelManagedBy:   managedBy,
		labelComponent:   "training",
		labelAddress:     labelValue(address),
		labelWorkspace:   labelValue(workspaceOr(workspace)),
		labelRunID:       runID,
		labelFingerprint: fingerprint[:min(40, len(fingerprint))],
	}
}

func workspaceOr(w string) string {
	if w == "" {
		return "default"
	}
	return w
}

// runSelector selects every object of one run.
func runSelector(runID string) string {
	return labels.SelectorFromSet(labels.Set{labelManagedBy: managedBy, labelRunID: runID}).String()
}

// addressSelector selects the runs of one address and fingerprint in a
// workspace: what a re-attaching apply looks for.
func addressSelector(address, workspace, fingerprint string) string {
	return labels.SelectorFromSet(labels.Set{
		labelManagedBy: managedBy, labelComponent: "training",
		labelAddress: labelValue(address), labelWorkspace: labelValue(workspaceOr(workspace)),
		labelFingerprint: fingerprint[:min(40, len(fingerprint))],
	}).String()
}

// runBaseName names a run's Service and ConfigMap; its Jobs add the
// attempt: mltf-mlp-3f2a9c1d-1.
func runBaseName(address, runID string) string {
	name := address
	if i := strings.LastIndexByte(address, '.'); i >= 0 {
		name = address[i+1:]
	}
	return "mltf-" + dnsName(name, 30) + "-" + dnsName(runID, 8)
}
