package training

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers/ctyval"
)

// Hidden is what a sensitive value is recorded as in tracking and run
// metadata.
const Hidden = "(sensitive value)"

// Secrets is what of a training must never be recorded, from the
// sensitive paths the engine sends with ApplyChange.
type Secrets struct {
	allEnv bool
	env    map[string]bool
	// Params are the sensitive paths inside params.
	Params []cty.Path
}

// SecretsOf reads the sensitive paths of a training's configuration.
func SecretsOf(sensitive []cty.Path) Secrets {
	s := Secrets{env: map[string]bool{}}
	for _, p := range sensitive {
		if len(p) == 0 {
			s.allEnv = true
			s.Params = append(s.Params, cty.Path{})
			continue
		}
		switch name, _ := schema.StepName(p[0]); name {
		case "env":
			if len(p) == 1 {
				s.allEnv = true
			} else if k, ok := schema.StepName(p[1]); ok {
				s.env[k] = true
			}
		case "params":
			s.Params = append(s.Params, p[1:])
		}
	}
	return s
}

// Env reports whether env[name] holds a sensitive value.
func (s Secrets) Env(name string) bool { return s.allEnv || s.env[name] }

// TrackedParams is the params JSON that tracking and run metadata record:
// sensitive values replaced by Hidden.
func (c *Config) TrackedParams(s Secrets) (json.RawMessage, error) {
	b, err := c.ParamsJSON()
	if err != nil || len(s.Params) == 0 {
		return b, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	for _, p := range s.Params {
		v = schema.HideJSON(v, p, Hidden)
	}
	return json.Marshal(v)
}

// LaunchEnv splits the variables a training's ranks get from the
// configuration (env, MLTF_PARAMS) into those that may be written down
// (run metadata, a pod spec) and the sensitive ones, which reach the
// ranks without being recorded.
func (c *Config) LaunchEnv(s Secrets, params json.RawMessage) (plain, secret map[string]string) {
	plain, secret = map[string]string{}, map[string]string{}
	for k, v := range c.Env {
		if s.Env(k) {
			secret[k] = v
		} else {
			plain[k] = v
		}
	}
	if len(s.Params) > 0 {
		secret["MLTF_PARAMS"] = string(params)
	} else {
		plain["MLTF_PARAMS"] = string(params)
	}
	return plain, secret
}

// SecretRef is one reference of secret_env: where a value comes from at
// launch.
type SecretRef struct {
	Scheme string // "env", "file" or "secret"
	// Name is the variable (env), the path (file) or the Secret's name
	// (secret).
	Name string
	Key  string // the Secret's key (secret)
}

// ParseSecretRef reads "env:NAME", "file:PATH" or "secret:NAME/KEY".
func ParseSecretRef(ref string) (SecretRef, error) {
	scheme, rest, ok := strings.Cut(ref, ":")
	if !ok || rest == "" {
		return SecretRef{}, fmt.Errorf(`%q is not a secret reference: write "env:NAME", "file:PATH" or "secret:NAME/KEY"`, ref)
	}
	r := SecretRef{Scheme: scheme, Name: rest}
	switch scheme {
	case "env":
		if !EnvNameRE.MatchString(rest) {
			return r, fmt.Errorf("%q is not an environment variable name", rest)
		}
	case "file":
	case "secret":
		name, key, ok := strings.Cut(rest, "/")
		if !ok || name == "" || key == "" || strings.Contains(key, "/") {
			return r, fmt.Errorf(`%q does not name a Secret and a key: write "secret:NAME/KEY"`, ref)
		}
		r.Name, r.Key = name, key
	default:
		return r, fmt.Errorf(`%q has the scheme %q: use "env:NAME", "file:PATH" or "secret:NAME/KEY"`, ref, scheme)
	}
	return r, nil
}

// ResolveSecret reads the value of an env: or file: reference on this
// machine: a variable of this process's environment (the one mltf apply
// runs in), or a file (relative paths from workDir), without a final
// newline.
func ResolveSecret(r SecretRef, workDir string) (string, error) {
	switch r.Scheme {
	case "env":
		v, ok := os.LookupEnv(r.Name)
		if !ok {
			return "", fmt.Errorf("the environment variable %s is not set in the environment of mltf apply", r.Name)
		}
		return v, nil
	case "file":
		path := r.Name
		if !filepath.IsAbs(path) {
			path = filepath.Join(workDir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("cannot read the secret file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", fmt.Errorf("secret:%s/%s names a Kubernetes Secret; on this cluster use env:NAME or file:PATH", r.Name, r.Key)
}

// ResolveSecretEnv resolves every env: and file: reference of secret_env.
func (c *Config) ResolveSecretEnv(workDir string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range SortedKeys(c.SecretEnv) {
		r, err := ParseSecretRef(c.SecretEnv[name])
		if err == nil {
			out[name], err = ResolveSecret(r, workDir)
		}
		if err != nil {
			return nil, fmt.Errorf("secret_env.%s: %w", name, err)
		}
	}
	return out, nil
}

// decodeSecretEnv reads secret_env: names valid and not also in env,
// references well formed.
func decodeSecretEnv(d *ctyval.Decoder, c *Config) {
	p := ctyval.Attr("secret_env")
	c.SecretEnv = d.StrMap(p)
	for _, k := range SortedKeys(c.SecretEnv) {
		kp := p.Index(cty.StringVal(k))
		if !EnvNameRE.MatchString(k) {
			d.Errorf(kp, "Invalid environment variable name",
				"%q is not a valid variable name: use letters, digits and underscores, not starting with a digit.", k)
		}
		if _, ok := c.Env[k]; ok {
			d.Errorf(kp, "Variable set twice", "%s is in both env and secret_env; keep it in one of them.", k)
		}
		if _, err := ParseSecretRef(c.SecretEnv[k]); err != nil {
			d.Errorf(kp, "Invalid secret reference", "%s.", err)
		}
	}
}
