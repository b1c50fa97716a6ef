// Package install installs third-party providers for mltf init: it picks
// the newest version in a mirror (a directory or a gocloud blob URL laid
// out as NAME/VERSION/OS_ARCH/mltf-provider-NAME) that matches each
// required_providers constraint, verifies its SHA-256, copies it under
// .mltf/providers/ and pins it in .mltf.lock.hcl; later runs Locate and
// Verify the installed binaries against the lock.
//
// It never starts a provider (see providers/plugin) and never reads the
// configuration: the caller passes the requirements.
package install
