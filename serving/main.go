package serving

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// Files of a front end's directory, and of a served version.
const (
	SpecFile     = "spec.json"     // the Spec it starts with
	AddressFile  = "frontend.json" // Address, once it listens
	ManifestFile = "serving.json"  // in a version's files: what the worker loads
)

// Address is where a running front end listens, written to AddressFile.
type Address struct {
	PID    int    `json:"pid"`
	Listen string `json:"listen"`
	Admin  string `json:"admin"`
}

// Main runs a front end from the directory args[0] until it is stopped
// (SIGTERM, SIGINT or the admin API): `mltf internal-serve DIR`.
func Main(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: mltf internal-serve DIR")
		return 2
	}
	dir := args[0]
	logger := log.New(os.Stderr, "", log.LstdFlags)
	b, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		logger.Print(err)
		return 1
	}
	var spec Spec
	if err := json.Unmarshal(b, &spec); err != nil {
		logger.Printf("%s: %v", SpecFile, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	s, err := Start(ctx, spec, dir, logger.Printf)
	if err != nil {
		logger.Print(err)
		return 1
	}
	addr := Address{PID: os.Getpid(), Listen: s.Addr(), Admin: s.AdminAddr()}
	if err := writeAtomic(filepath.Join(dir, AddressFile), addr); err != nil {
		logger.Print(err)
		s.Close()
		return 1
	}
	logger.Printf("serving %s on %s (admin %s)", spec.Model, addr.Listen, addr.Admin)
	<-s.Done()
	s.Close()
	os.Remove(filepath.Join(dir, AddressFile))
	logger.Printf("stopped")
	return 0
}

func writeAtomic(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
