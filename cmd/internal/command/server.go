package command

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/cli"

	"github.com/mltf/mltf/cmd/internal/views"
	"github.com/mltf/mltf/server"
	"github.com/mltf/mltf/server/api"
	"github.com/mltf/mltf/state/store"
	"github.com/mltf/mltf/state/tracking"
)

// ServerCommand is mltf server.
type ServerCommand struct{ Meta }

func (c *ServerCommand) Synopsis() string {
	return "Serve the REST API, the MLflow API and the web UI for a team"
}
func (c *ServerCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf server [options]
       mltf server token <create|list|revoke>

  Serves /api/v1, MLflow's REST API (/api/2.0/mlflow), the web UI and
  /healthz over the tracking store and state store of the configuration in
  the working directory (its mltf {} block), or those the flags name.
  Every /api request needs a token: mltf server token create makes one.
  SIGINT or SIGTERM stops it gracefully. The access log is JSON on stderr.

Options:

  -listen ADDR          address to listen on (default 127.0.0.1:8680)
  -tracking-url URL     tracking store (default: the configuration's)
  -state-url URL        state store (default: the configuration's, MLTF_STATE_URL)
  -artifacts-url URL    where runs created through the MLflow API keep
                        their artifacts (default: the configuration's)
  -workspace NAME       workspace whose state is shown (default: the selected one)
  -tls-cert FILE        serve HTTPS with this PEM certificate ...
  -tls-key FILE         ... and this PEM key
  -grace DURATION       how long requests in flight may finish at shutdown (default 10s)
  -pipeline-grace DURATION
                        how long pipeline applies started through the API
                        may go on at shutdown before they are interrupted,
                        as Ctrl-C interrupts mltf apply (default 1m)

  On SIGINT or SIGTERM the server stops accepting requests, lets those in
  flight finish, and waits for the pipeline applies it started: past
  -pipeline-grace they are interrupted (no new step starts, running step
  runs go on and the next apply re-attaches to them), save what finished
  and release the state lock, and each run's record says how it ended. A
  second signal stops the server at once.
`)
}

func (c *ServerCommand) Run(args []string) int {
	var (
		listen, trackingURL, stateURL, artifactsURL, workspace, cert, key string
		grace, pipelineGrace                                              time.Duration
	)
	fs := c.flagSet("server")
	fs.StringVar(&listen, "listen", "127.0.0.1:8680", "address")
	fs.StringVar(&trackingURL, "tracking-url", "", "tracking store URL")
	fs.StringVar(&stateURL, "state-url", "", "state store URL")
	fs.StringVar(&artifactsURL, "artifacts-url", "", "artifacts URL")
	fs.StringVar(&workspace, "workspace", "", "workspace")
	fs.StringVar(&cert, "tls-cert", "", "certificate")
	fs.StringVar(&key, "tls-key", "", "key")
	fs.DurationVar(&grace, "grace", 10*time.Second, "shutdown grace")
	fs.DurationVar(&pipelineGrace, "pipeline-grace", server.DefaultPipelineGrace, "pipeline applies' shutdown grace")
	args, ok := c.parseArgs(fs, args)
	if !ok {
		return cli.RunResultHelp
	}
	if len(args) > 0 {
		c.errorf("mltf server takes no arguments (got %q); did you mean mltf server token %s?", strings.Join(args, " "), strings.Join(args[1:], " "))
		return 1
	}
	if (cert == "") != (key == "") {
		c.errorf("-tls-cert and -tls-key go together: give both for HTTPS, or neither")
		return 1
	}
	cfg := c.settingsConfig()
	if workspace == "" {
		workspace = c.workspace()
	}
	s := c.settings(cfg, workspace)
	if trackingURL == "" {
		trackingURL = s.TrackingURL
	}
	if artifactsURL == "" {
		artifactsURL = s.ArtifactsURL
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	ts, err := tracking.Open(ctx, trackingURL, c.WorkDir)
	if err != nil {
		c.errorf("Cannot open the tracking store %s\n\n%s", trackingURL, err)
		return 1
	}
	defer ts.Close()
	var st *store.Store
	if stateURL != "" {
		st, err = store.Open(ctx, stateURL, c.WorkDir, store.WithMltfVersion(Version))
	} else {
		st, err = c.openStore(ctx, cfg)
	}
	if err != nil {
		c.errorf("%s", err)
		return 1
	}
	defer st.Close()

	log := slog.New(slog.NewJSONHandler(c.Stderr, nil))
	srv := server.New(server.Options{
		Tracking: ts, State: st, Workspace: workspace, WorkDir: c.WorkDir, RunsDir: s.RunsDir,
		ArtifactsURL: absFileURL(artifactsURL, c.WorkDir), Log: log, Pipelines: c.pipelineRunner(workspace), PipelineGrace: pipelineGrace,
	})
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		c.errorf("Cannot listen on %s\n\n%s\n\nIs another server running there? Choose another address with -listen.", listen, err)
		return 1
	}
	var tlsFiles *server.TLS
	scheme := "http"
	if cert != "" {
		tlsFiles, scheme = &server.TLS{CertFile: cert, KeyFile: key}, "https"
	}
	start := views.ServerStart{URL: scheme + "://" + ln.Addr().String(), Tracking: ts.Path(), Workspace: workspace}
	if toks, err := ts.ListTokens(ctx); err == nil && len(toks) == 0 {
		start.NoTokens = true
	}
	views.ServerListening(c.Stdout, start)
	if err := srv.Serve(ctx, ln, tlsFiles, grace); err != nil && !errors.Is(err, context.Canceled) {
		c.errorf("%s", err)
		return 1
	}
	views.ServerStopped(c.Stdout)
	return 0
}

// absFileURL makes a relative file:// URL absolute against dir.
func absFileURL(u, dir string) string {
	p, ok := strings.CutPrefix(u, "file://")
	if !ok || filepath.IsAbs(p) {
		return u
	}
	return "file://" + filepath.Join(dir, p)
}

// ServerTokenCommand is mltf server token.
type ServerTokenCommand struct {
	Meta
	Sub string // create, list, revoke; "" shows the help
}

func (c *ServerTokenCommand) Synopsis() string { return "Create, list and revoke mltf server's tokens" }
func (c *ServerTokenCommand) Help() string {
	return strings.TrimSpace(`
Usage: mltf server token create -role reader|writer|admin [-name NAME] [-tracking-url URL]
       mltf server token list [-tracking-url URL]
       mltf server token revoke ID [-tracking-url URL]

  Tokens live in the tracking store, hashed (SHA-256); a new token's
  secret is printed once. Readers read; writers also log runs and register
  model versions; admins also move aliases. NAME says who holds it and is
  recorded in the alias history of the aliases it moves.
`)
}

func (c *ServerTokenCommand) Run(args []string) int {
	var role, name, trackingURL string
	fs := c.flagSet("server token " + c.Sub)
	fs.StringVar(&trackingURL, "tracking-url", "", "tracking store URL")
	if c.Sub == "create" {
		fs.StringVar(&role, "role", "", "reader, writer or admin")
		fs.StringVar(&name, "name", "", "who holds it")
	}
	var id string
	switch c.Sub {
	case "create", "list":
		if !c.parseNoArgs(fs, args) {
			return cli.RunResultHelp
		}
	case "revoke":
		var ok bool
		if id, ok = c.parseWithName(fs, args, "mltf server token revoke takes a token ID; mltf server token list shows them"); !ok {
			return cli.RunResultHelp
		}
	default:
		return cli.RunResultHelp
	}
	if trackingURL == "" {
		trackingURL = c.settings(c.settingsConfig(), c.workspace()).TrackingURL
	}
	ctx := context.Background()
	ts, err := tracking.Open(ctx, trackingURL, c.WorkDir)
	if err != nil {
		c.errorf("Cannot open the tracking store %s\n\n%s", trackingURL, err)
		return 1
	}
	defer ts.Close()
	switch c.Sub {
	case "create":
		if role == "" {
			c.errorf("mltf server token create needs -role reader, writer or admin")
			return 1
		}
		r, err := api.ParseRole(role)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		secret, t, err := server.CreateToken(ctx, ts, r, name)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		views.TokenCreated(c.Stdout, c.Stderr, t, secret)
		return 0
	case "list":
		toks, err := ts.ListTokens(ctx)
		if err != nil {
			c.errorf("%s", err)
			return 1
		}
		views.Tokens(c.Stdout, toks)
		return 0
	default:
		if err := ts.RevokeToken(ctx, id); err != nil {
			if errors.Is(err, tracking.ErrNotFound) {
				c.errorf("No token %s; mltf server token list shows the tokens", id)
				return 1
			}
			c.errorf("%s", err)
			return 1
		}
		views.TokenRevoked(c.Stdout, id)
		return 0
	}
}

// pipelineRunner applies a pipeline of the working directory's
// configuration as mltf apply -target=pipeline.ID does: same engine,
// same providers, same state lock (waited for up to 10 minutes), the
// request's config as -var values. Runs are applied one at a time. The
// end of ctx interrupts the apply as Ctrl-C interrupts mltf apply; a run
// still waiting for its turn then does not start.
func (c *ServerCommand) pipelineRunner(workspace string) server.PipelineRunner {
	turn := make(chan struct{}, 1)
	return func(ctx context.Context, r server.PipelineRun) error {
		if ws := c.workspace(); ws != workspace {
			return fmt.Errorf("pipelines are applied in the selected workspace %s, and this server shows %s: start it without -workspace, or select %s", ws, workspace, workspace)
		}
		notStarted := errors.New("not started: the server stopped while the run waited for the one before it")
		select {
		case turn <- struct{}{}:
		case <-ctx.Done():
			return notStarted
		}
		defer func() { <-turn }()
		if ctx.Err() != nil {
			return notStarted
		}
		out := &lineWriter{emit: r.Output}
		defer out.Flush()
		m := c.Meta
		m.Stdin, m.Stdout, m.Stderr = strings.NewReader(""), out, out
		m.stop = ctx
		args := []string{"-auto-approve", "-lock-timeout=10m", "-target=pipeline." + r.PipelineID}
		for _, k := range slices.Sorted(maps.Keys(r.Variables)) {
			v, err := varText(r.Variables[k])
			if err != nil {
				return fmt.Errorf("config.%s: %w", k, err)
			}
			args = append(args, "-var", k+"="+v)
		}
		if code := (&ApplyCommand{Meta: m}).Run(args); code != 0 {
			return fmt.Errorf("mltf apply -target=pipeline.%s exited with %d; its output says why", r.PipelineID, code)
		}
		return nil
	}
}

// varText is a -var value: a string as it is, anything else as JSON,
// which HCL reads as the same number, bool, list or object.
func varText(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// lineWriter hands what is written to it on line by line.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if w.emit != nil {
			w.emit(string(w.buf[:i]))
		}
		w.buf = w.buf[i+1:]
	}
}

// Flush hands on a last line without its newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && w.emit != nil {
		w.emit(string(w.buf))
	}
	w.buf = nil
}
