package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/mltf/mltf/internal/contenthash"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

// Defaults of Config.
const (
	DefaultCallTimeout  = 10 * time.Minute
	DefaultCancelGrace  = 30 * time.Second
	DefaultStartTimeout = time.Minute
)

// Config says how to start a plugin. Start covers the common case.
type Config struct {
	// Name is the provider's name, used in every diagnostic.
	Name string
	// Cmd is the plugin binary's path and arguments.
	Cmd []string
	// Sum, when set, is the SHA-256 the binary must have: hex, optionally
	// prefixed "sha256:".
	Sum string
	// Logger receives the plugin's stderr and log lines; nil discards them.
	Logger hclog.Logger
	// CallTimeout bounds every call but ApplyChange (whose length is the
	// provider's business): a plugin that does not answer in time is
	// reported as hung. Zero means DefaultCallTimeout; negative, none.
	CallTimeout time.Duration
	// CancelGrace is how long a cancelled ApplyChange may take to send its
	// final state before the call is cut. Zero means DefaultCancelGrace.
	CancelGrace time.Duration
	// StartTimeout bounds the handshake. Zero means DefaultStartTimeout.
	StartTimeout time.Duration

	protocolVersion uint // for tests of the refusal; 0 means ProtocolVersion
}

// Start launches the plugin binary cmd (path and arguments), verifying its
// SHA-256 against sum first when sum != "", and returns it as a
// providers.Interface. name is the provider's name for diagnostics. Its
// stderr goes to logger.
func Start(ctx context.Context, name string, cmd []string, sum string, logger hclog.Logger) (providers.Interface, error) {
	p, err := StartConfig(ctx, Config{Name: name, Cmd: cmd, Sum: sum, Logger: logger})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// StartConfig is Start with every option.
func StartConfig(ctx context.Context, c Config) (*GRPCProvider, error) {
	if len(c.Cmd) == 0 || c.Cmd[0] == "" {
		return nil, fmt.Errorf("provider %q: no plugin command to start", c.Name)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("provider %q not started: %w", c.Name, err)
	}
	if c.Sum != "" {
		if err := checkSum(c.Name, c.Cmd[0], c.Sum); err != nil {
			return nil, err
		}
	}
	logger := c.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	logger = logger.Named(c.Name)
	version := c.protocolVersion
	if version == 0 {
		version = ProtocolVersion
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	switch {
	case c.CallTimeout == 0:
		c.CallTimeout = DefaultCallTimeout
	case c.CallTimeout < 0:
		c.CallTimeout = 0
	}
	if c.CancelGrace <= 0 {
		c.CancelGrace = DefaultCancelGrace
	}

	t := newTail()
	cmd := exec.Command(c.Cmd[0], c.Cmd[1:]...)
	cmd.SysProcAttr = procAttr()
	pc := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  handshake(version),
		Plugins:          goplugin.PluginSet{pluginName: &grpcPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		StartTimeout:     c.StartTimeout,
		Logger:           logger,
		Stderr:           t.writer("stderr", nil), // go-plugin logs these lines itself
		SyncStderr:       t.writer("stderr-sync", logger),
		SyncStdout:       t.writer("stdout", logger),
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
		},
	})
	rpc, err := pc.Client()
	if err != nil {
		pc.Kill()
		return nil, startError(c.Name, c.Cmd[0], err, t)
	}
	raw, err := rpc.Dispense(pluginName)
	if err != nil {
		pc.Kill()
		return nil, startError(c.Name, c.Cmd[0], err, t)
	}
	return &GRPCProvider{
		name:        c.Name,
		client:      raw.(pluginpb.ProviderClient),
		pc:          pc,
		stderr:      t,
		callTimeout: c.CallTimeout,
		cancelGrace: c.CancelGrace,
	}, nil
}

var pluginVersionRe = regexp.MustCompile(`Plugin version: (\d+)`)

func startError(name, path string, err error, t *tail) error {
	msg := err.Error()
	var ret error
	switch {
	case strings.Contains(msg, "incompatible API version"):
		theirs := "another version"
		if m := pluginVersionRe.FindStringSubmatch(msg); m != nil {
			theirs = "version " + m[1]
		}
		ret = fmt.Errorf("provider %q (%s) speaks plugin protocol %s, but this mltf speaks version %d: install a release of the provider built for protocol %d, or an mltf that speaks its version", name, path, theirs, ProtocolVersion, ProtocolVersion)
	case errors.Is(err, goplugin.ErrProcessNotFound) || strings.Contains(msg, "exec format error") || strings.Contains(msg, "permission denied") || strings.Contains(msg, "no such file"):
		ret = fmt.Errorf("provider %q: cannot run %s: %s; run mltf init to install it again", name, path, msg)
	case strings.Contains(msg, "Unrecognized remote plugin message"), strings.Contains(msg, "plugin exited before we could connect"):
		ret = fmt.Errorf("provider %q: %s is not an mltf provider plugin: it exited or printed no plugin handshake; check that it is a provider built with the mltf SDK", name, path)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		ret = fmt.Errorf("provider %q: %s did not finish its handshake in time", name, path)
	default:
		ret = fmt.Errorf("provider %q: starting %s: %s", name, path, msg)
	}
	if s := t.String(); s != "" {
		ret = fmt.Errorf("%w\n%s", ret, s)
	}
	return ret
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// checkSum verifies the SHA-256 of the binary at path.
func checkSum(name, path, want string) error {
	want = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(want), "sha256:"))
	if _, err := hex.DecodeString(want); err != nil || len(want) != 2*sha256.Size {
		return fmt.Errorf("provider %q: invalid expected checksum %q: want sha256: followed by 64 hex digits", name, want)
	}
	got, err := FileSum(path)
	if err != nil {
		return fmt.Errorf("provider %q: cannot verify its binary: %w; run mltf init", name, err)
	}
	if got != "sha256:"+want {
		return fmt.Errorf("provider %q: binary %s has checksum %s, but sha256:%s was expected (from .mltf.lock.hcl): the binary changed since mltf init; if the change is intended, run mltf init -upgrade", name, path, got, want)
	}
	return nil
}

// FileSum returns "sha256:" and the content hash of the file at path, the
// form of checksums in .mltf.lock.hcl.
func FileSum(path string) (string, error) {
	sum, err := contenthash.File(path)
	if err != nil {
		return "", err
	}
	return "sha256:" + sum, nil
}

// CleanupClients ends every plugin process started by this mltf. Call it
// on the way out of main (deferred, and from the interrupt handler).
func CleanupClients() { goplugin.CleanupClients() }
