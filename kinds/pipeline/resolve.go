package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/lang/funcs"
)

// resolver computes the keys of steps, hashing each code directory and
// local input once however many steps share it.
type resolver struct {
	workDir string
	// base is the artifact store's URI base: outputs of file:// stores
	// reach steps as local paths.
	base  string
	codes map[string]codeHash
	data  map[string]training.DataRef
}

type codeHash struct {
	m   training.Manifest
	sum string
	err error
	// attr is the attribute err is about: code, or code_files.
	attr string
}

func newResolver(workDir, base string) *resolver {
	return &resolver{workDir: workDir, base: base, codes: map[string]codeHash{}, data: map[string]training.DataRef{}}
}

// resolved is what resolving one step found.
type resolved struct {
	// Key is nil while Waiting or Unknown is not empty.
	Key      *Key
	Code     training.Manifest
	Versions map[string]int64
	// Upstream names the step each input that is a step's output reads.
	Upstream map[string]string
	// Locations are what the step gets in MLTF_INPUT_<NAME>.
	Locations map[string]string
	// Waiting are the steps whose outputs the step reads and that are not
	// finished (yet); Unknown the inputs known only after apply.
	Waiting, Unknown []string
}

// location is where a step reads an output with content hash sum.
func (r *resolver) location(sum, file string) string {
	uri := r.base + "/" + OutputKey(sum, file)
	if strings.HasPrefix(uri, "file://") {
		return strings.TrimPrefix(uri, "file://")
	}
	return uri
}

// resolve computes s's key from the outputs known so far (step -> file
// -> hash). An error is about the step's code (ErrCode) or an input.
func (r *resolver) resolve(s *Step, known map[string]map[string]string) (resolved, error) {
	res := resolved{Versions: map[string]int64{}, Upstream: map[string]string{}, Locations: map[string]string{}}
	if !s.InputsKnown {
		res.Unknown = append(res.Unknown, "inputs")
	}
	if !s.Params.IsWhollyKnown() {
		res.Unknown = append(res.Unknown, "params")
	}
	inputs := map[string]string{}
	for _, name := range training.SortedKeys(s.Inputs) {
		in := s.Inputs[name]
		if in.Step != "" {
			res.Upstream[name] = in.Step
			sum, ok := known[in.Step][in.File]
			if !ok {
				if len(res.Waiting) == 0 || res.Waiting[len(res.Waiting)-1] != in.Step {
					res.Waiting = append(res.Waiting, in.Step)
				}
				continue
			}
			inputs[name] = sum
			res.Locations[name] = r.location(sum, in.File)
			continue
		}
		if !in.Data.Known {
			res.Unknown = append(res.Unknown, "inputs."+name)
			continue
		}
		ref, err := r.dataRef(name, in.Data)
		if err != nil {
			return res, err
		}
		inputs[name] = ref.Fingerprint
		res.Locations[name] = ref.Location
		if in.Version > 0 {
			res.Versions[name] = in.Version
		}
	}
	code := r.code(s.Code, s.CodeFiles)
	if code.err != nil {
		return res, &codeError{err: code.err, attr: code.attr}
	}
	res.Code = code.m
	if len(res.Waiting) > 0 || len(res.Unknown) > 0 {
		return res, nil
	}
	params := json.RawMessage("{}")
	if !s.Params.IsNull() {
		b, err := ctyjson.Marshal(s.Params, s.Params.Type())
		if err != nil {
			return res, err
		}
		params = b
	}
	env := s.Env
	if env == nil {
		env = map[string]string{}
	}
	outputs := s.Outputs
	if outputs == nil {
		outputs = []string{}
	}
	res.Key = &Key{Code: code.sum, Command: s.Command, Params: params, Image: s.Image, Env: env, Outputs: outputs, Inputs: inputs}
	return res, nil
}

// codeError is an error about a step's code directory, or its code_files
// (attr).
type codeError struct {
	err  error
	attr string
}

func (e *codeError) Error() string { return e.err.Error() }

// code hashes a step's code: the files of dir that match one of the
// code_files patterns, or all of them without any.
func (r *resolver) code(dir string, patterns []string) codeHash {
	abs := (&training.Config{Code: dir}).CodePath(r.workDir)
	id := strings.Join(append([]string{abs}, patterns...), "\x00")
	if h, ok := r.codes[id]; ok {
		return h
	}
	h := r.tree(abs)
	if h.err == nil && len(patterns) > 0 {
		h = selectFiles(h.m, dir, patterns)
	}
	r.codes[id] = h
	return h
}

// tree hashes a whole code directory, once however many steps share it.
func (r *resolver) tree(abs string) codeHash {
	if h, ok := r.codes[abs]; ok {
		return h
	}
	m, err := training.HashTree(abs)
	h := codeHash{m: m, sum: m.Sum(), err: err, attr: "code"}
	if err == nil && len(m) == 0 {
		h.err = fmt.Errorf("the code directory %s holds no files", abs)
	}
	if err != nil {
		h.err = fmt.Errorf("cannot read the code directory: %w", err)
	}
	r.codes[abs] = h
	return h
}

// selectFiles keeps the files of m that match a pattern; a pattern that
// matches no file is an error, as a misspelt name would be.
func selectFiles(m training.Manifest, dir string, patterns []string) codeHash {
	out := training.Manifest{}
	for _, pat := range patterns {
		g, err := funcs.CompileGlob(pat)
		if err != nil {
			return codeHash{err: err, attr: "code_files"}
		}
		n := 0
		for f, sum := range m {
			if g.Match(f) {
				out[f] = sum
				n++
			}
		}
		if n == 0 {
			return codeHash{err: fmt.Errorf("%q matches no file in the code directory %s", pat, dir), attr: "code_files"}
		}
	}
	return codeHash{m: out, sum: out.Sum()}
}

// dataRef resolves a data input once per location: a local file's or
// directory's content hash when it has no fingerprint, its absolute path.
func (r *resolver) dataRef(name string, ref training.DataRef) (training.DataRef, error) {
	id := ref.Location + "\x00" + ref.Fingerprint
	if got, ok := r.data[id]; ok {
		return got, nil
	}
	out, err := training.ResolveData(map[string]training.DataRef{name: ref}, r.workDir, true)
	if err != nil {
		return ref, fmt.Errorf("input %s", strings.TrimPrefix(err.Error(), "data."))
	}
	r.data[id] = out[name]
	return out[name], nil
}
