package install

import (
	"path/filepath"
	"runtime"
)

// LockFile is the lock file's name, in the configuration's directory.
const LockFile = ".mltf.lock.hcl"

// Platform is this machine's OS_ARCH directory name: linux_amd64.
func Platform() string { return runtime.GOOS + "_" + runtime.GOARCH }

// BinaryName is the file name of provider name's binary.
func BinaryName(name string) string { return "mltf-provider-" + name }

// Dir is where installed providers live, under the working directory.
func Dir(workDir string) string { return filepath.Join(workDir, ".mltf", "providers") }

// InstalledPath is where Install puts provider name at version for this
// platform: WORKDIR/.mltf/providers/NAME/VERSION/OS_ARCH/mltf-provider-NAME.
func InstalledPath(workDir, name, version string) string {
	return filepath.Join(Dir(workDir), name, version, Platform(), BinaryName(name))
}

// mirrorKey is the key of a binary in a mirror.
func mirrorKey(name, version, platform string) string {
	return name + "/" + version + "/" + platform + "/" + BinaryName(name)
}
