package pipeline

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/mltf/mltf/kinds/pipeline/schedule"
	"github.com/mltf/mltf/kinds/training"
	"github.com/mltf/mltf/lang"
	"github.com/mltf/mltf/lang/funcs"
	"github.com/mltf/mltf/providers/ctyval"
)

// Config is a pipeline's configuration, decoded.
type Config struct {
	// Pool and Experiment are the pipeline's, which every step's run takes.
	Pool, Experiment cty.Value
	Parallel         int
	Steps            map[string]*Step
	// Order lists the steps so that each comes after the steps it reads
	// from; ties in name order.
	Order []string
	// Schedule is the schedule {} block; nil when there is none.
	Schedule *schedule.Schedule
}

// Step is one step, decoded.
type Step struct {
	Name string
	Code string
	// CodeFiles are the code_files patterns: the files of Code that enter
	// the key; nil for every file.
	CodeFiles []string
	Command   []string
	Params    cty.Value // an object, or null
	Image     string
	Env       map[string]string
	Inputs    map[string]Input
	// InputsKnown is false while the inputs expression cannot be read yet
	// (mltf validate, or a value known only after apply).
	InputsKnown bool
	Outputs     []string
	RetryInfra  int
	RetryUser   int
	Backoff     time.Duration
	Resources   cty.Value // the resources {} block, or null
	// Deps are the steps whose outputs the step reads, sorted.
	Deps []string
}

// Input is one of a step's inputs: an output of another step, or data
// (a dataset, a path or a URI).
type Input struct {
	// Step and File name another step's output.
	Step, File string
	// Data is the data input: its location and fingerprint.
	Data training.DataRef
	// Version is a dataset's version, 0 for other inputs.
	Version int64
}

// stepOutputScheme marks, while a step's inputs are evaluated, a string
// that stands for another step's output.
const stepOutputScheme = "mltf-step-output://"

// stepNameRE matches a step's name.
var stepNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// maxBackoff caps the doubling of retry.backoff.
const maxBackoff = 10 * time.Minute

// Decode reads a pipeline's configuration. fns are the language's
// functions, for the inputs expressions.
func Decode(v cty.Value, fns map[string]function.Function) (*Config, ctyval.Decoder) {
	d := ctyval.Decoder{V: v}
	c := &Config{Pool: d.Get(ctyval.Attr("pool")), Experiment: d.Get(ctyval.Attr("experiment")), Steps: map[string]*Step{}}
	c.Parallel = d.Count(ctyval.Attr("parallel"), 2, 1)
	steps := d.Get(ctyval.Attr("step"))
	if steps.IsNull() || !steps.IsKnown() {
		return c, d
	}
	placeholders := map[string]cty.Value{}
	names := []string{}
	for it := steps.ElementIterator(); it.Next(); {
		k, _ := it.Element()
		names = append(names, k.AsString())
	}
	sort.Strings(names)
	for _, name := range names {
		s := decodeStep(&d, name, ctyval.Get(steps, ctyval.Attr(name)))
		c.Steps[name] = s
		outs := map[string]cty.Value{}
		for _, o := range s.Outputs {
			outs[o] = cty.StringVal(stepOutputScheme + name + "/" + o)
		}
		om := cty.MapValEmpty(cty.String)
		if len(outs) > 0 {
			om = cty.MapVal(outs)
		}
		placeholders[name] = cty.ObjectVal(map[string]cty.Value{"outputs": om})
	}
	stepVar := cty.EmptyObjectVal
	if len(placeholders) > 0 {
		stepVar = cty.ObjectVal(placeholders)
	}
	for _, name := range names {
		decodeInputs(&d, c.Steps[name], ctyval.Get(steps, ctyval.Attr(name, "inputs")), stepVar, fns)
	}
	c.Order = c.order(&d)
	c.Schedule = decodeSchedule(&d)
	return c, d
}

// decodeSchedule reads the schedule {} block; nil when there is none.
func decodeSchedule(d *ctyval.Decoder) *schedule.Schedule {
	p := ctyval.Attr("schedule")
	if v := d.Get(p); v.IsNull() || !v.IsWhollyKnown() {
		return nil
	}
	s, err := schedule.Parse(d.Str(p.GetAttr("cron"), ""), d.Str(p.GetAttr("timezone"), ""), d.Str(p.GetAttr("concurrency"), ""), d.Str(p.GetAttr("starting_deadline"), ""))
	if err != nil {
		attr := strings.SplitN(err.Error(), " ", 2)[0]
		if !strings.Contains("cron timezone concurrency starting_deadline", attr) {
			attr = "cron"
		}
		d.Errorf(p.GetAttr(attr), "Invalid schedule", "%s", err.Error())
		return nil
	}
	return &s
}

func stepPath(name string, attrs ...string) cty.Path {
	return ctyval.Attr(append([]string{"step", name}, attrs...)...)
}

func decodeStep(d *ctyval.Decoder, name string, v cty.Value) *Step {
	s := &Step{Name: name, InputsKnown: true, Inputs: map[string]Input{}}
	if !stepNameRE.MatchString(name) {
		d.Errorf(stepPath(name), "Invalid step name", "%q cannot name a step: use letters, digits, underscores and dashes, starting with a letter.", name)
	}
	s.Code = d.Str(stepPath(name, "code"), "")
	if v := d.Get(stepPath(name, "code_files")); !v.IsNull() && v.IsWhollyKnown() {
		s.CodeFiles = d.StrList(stepPath(name, "code_files"))
		if len(s.CodeFiles) == 0 {
			d.Errorf(stepPath(name, "code_files"), "Empty code_files", `code_files must name at least one file of the code directory, e.g. ["clean.py"]; leave it out for every file.`)
		}
		for i, pat := range s.CodeFiles {
			if _, err := funcs.CompileGlob(pat); err != nil {
				d.Errorf(stepPath(name, "code_files").IndexInt(i), "Invalid code_files pattern", "%s", err)
			} else if strings.HasPrefix(pat, "/") || strings.HasPrefix(pat, "../") || pat == ".." {
				d.Errorf(stepPath(name, "code_files").IndexInt(i), "Invalid code_files pattern", "%q must be relative to the code directory, e.g. \"clean.py\".", pat)
			}
		}
	}
	s.Command = d.StrList(stepPath(name, "command"))
	if len(s.Command) == 0 && d.Get(stepPath(name, "command")).IsWhollyKnown() {
		d.Errorf(stepPath(name, "command"), "Empty command", `command must name a program, e.g. ["python3", "clean.py"].`)
	}
	s.Params = d.Get(stepPath(name, "params"))
	if !s.Params.IsWhollyKnown() {
		d.Unknown = append(d.Unknown, "step."+name+".params")
	} else if !s.Params.IsNull() && !s.Params.Type().IsObjectType() && !s.Params.Type().IsMapType() {
		d.Errorf(stepPath(name, "params"), "Invalid params", "params must be an object, e.g. { window = 7 }.")
	}
	s.Image = d.Str(stepPath(name, "image"), "")
	s.Env = d.StrMap(stepPath(name, "env"))
	for k := range s.Env {
		if !training.EnvNameRE.MatchString(k) {
			d.Errorf(stepPath(name, "env").Index(cty.StringVal(k)), "Invalid environment variable name",
				"%q is not a valid variable name: use letters, digits and underscores, not starting with a digit.", k)
		}
	}
	s.Outputs = d.StrList(stepPath(name, "outputs"))
	seen := map[string]bool{}
	for i, o := range s.Outputs {
		p := stepPath(name, "outputs").IndexInt(i)
		switch {
		case seen[o]:
			d.Errorf(p, "Duplicate output", "%q is listed twice in step %s's outputs.", o, name)
		case o == "" || strings.HasPrefix(o, "/") || path.Clean(o) != o || strings.HasPrefix(o, "../") || o == "..":
			d.Errorf(p, "Invalid output", "%q must be a file's path relative to MLTF_OUTPUT_DIR, e.g. \"clean.csv\".", o)
		}
		seen[o] = true
	}
	s.RetryInfra = d.Count(stepPath(name, "retry", "infrastructure"), 3, 0)
	s.RetryUser = d.Count(stepPath(name, "retry", "user_error"), 0, 0)
	s.Backoff = d.Duration(stepPath(name, "retry", "backoff"), 0)
	s.Resources = d.Get(stepPath(name, "resources"))
	return s
}

// decodeInputs evaluates a step's inputs expression, with step.NAME bound
// to placeholders of the other steps' outputs.
func decodeInputs(d *ctyval.Decoder, s *Step, v cty.Value, stepVar cty.Value, fns map[string]function.Function) {
	p := stepPath(s.Name, "inputs")
	if v.IsNull() {
		return
	}
	if !v.IsKnown() {
		s.InputsKnown = false
		return
	}
	e, ok := lang.DecodeDeferred(v)
	if !ok {
		d.Errorf(p, "Inputs not handed over",
			"The provider evaluates a step's inputs itself, but it received a value instead of the expression's source; use the mltf binary that serves this provider.")
		return
	}
	expr, hd := e.Parse()
	if hd.HasErrors() {
		d.Errorf(p, "Invalid inputs", "%s", hdText(e, hd))
		return
	}
	ctx := e.Context(cty.DynamicVal, fns)
	ctx.Variables["step"] = stepVar
	val, hd := expr.Value(ctx)
	if hd.HasErrors() {
		d.Errorf(p, "Invalid inputs", "%s", hdText(e, hd))
		return
	}
	val, _ = val.UnmarkDeep()
	if val.IsNull() {
		return
	}
	if !val.IsKnown() {
		s.InputsKnown = false
		return
	}
	if !val.Type().IsObjectType() && !val.Type().IsMapType() {
		d.Errorf(p, "Invalid inputs", "%s: inputs must map names to datasets, paths or step outputs, e.g. { raw = dataset.raw }.", e.Where())
		return
	}
	for name, x := range val.AsValueMap() {
		in, ok := decodeInput(d, e, s, name, x)
		if ok {
			s.Inputs[name] = in
		}
	}
	deps := map[string]bool{}
	for _, in := range s.Inputs {
		if in.Step != "" {
			deps[in.Step] = true
		}
	}
	for dep := range deps {
		s.Deps = append(s.Deps, dep)
	}
	sort.Strings(s.Deps)
}

func decodeInput(d *ctyval.Decoder, e lang.Deferred, s *Step, name string, x cty.Value) (Input, bool) {
	p := stepPath(s.Name, "inputs")
	if !training.EnvNameRE.MatchString(strings.ReplaceAll(name, "-", "_")) {
		d.Errorf(p, "Invalid input name", "%s: %q cannot name an environment variable; use letters, digits and underscores.", e.Where(), name)
		return Input{}, false
	}
	in := Input{Data: training.DataRef{Known: true}}
	switch {
	case !x.IsKnown():
		in.Data.Known = false
	case x.IsNull():
		d.Errorf(p, "Null input", "%s: input %s is null; name a dataset, a path or a step's output.", e.Where(), name)
		return in, false
	case x.Type() == cty.String && strings.HasPrefix(x.AsString(), stepOutputScheme):
		ref := strings.TrimPrefix(x.AsString(), stepOutputScheme)
		i := strings.IndexByte(ref, '/')
		in.Step, in.File = ref[:i], ref[i+1:]
		if in.Step == s.Name {
			d.Errorf(p, "Step reads its own output", "%s: step %s reads its own output %q.", e.Where(), s.Name, in.File)
			return in, false
		}
	case x.Type() == cty.String:
		in.Data.Location = x.AsString()
	case x.Type().IsObjectType() || x.Type().IsMapType():
		for _, a := range []string{"path", "source", "uri", "url"} {
			if l := ctyval.Get(x, ctyval.Attr(a)); !l.IsNull() {
				if !l.IsKnown() {
					in.Data.Known = false
				} else if l.Type() == cty.String {
					in.Data.Location = l.AsString()
				}
				break
			}
		}
		if f := ctyval.Get(x, ctyval.Attr("fingerprint")); !f.IsNull() {
			if !f.IsKnown() {
				in.Data.Known = false
			} else if f.Type() == cty.String {
				in.Data.Fingerprint = f.AsString()
			}
		}
		if ver := ctyval.Get(x, ctyval.Attr("version")); ver.IsKnown() && !ver.IsNull() && ver.Type() == cty.Number {
			in.Version = int64(ctyval.Int(ver))
		}
		if in.Data.Known && in.Data.Location == "" {
			d.Errorf(p, "Input without a location", "%s: input %s has no path or source attribute; name a dataset, a path or a step's output.", e.Where(), name)
			return in, false
		}
	default:
		d.Errorf(p, "Invalid input", "%s: input %s must be a dataset, a path or URI string, or a step's output, not %s.", e.Where(), name, x.Type().FriendlyName())
		return in, false
	}
	return in, true
}

func hdText(e lang.Deferred, hd hcl.Diagnostics) string {
	var parts []string
	for _, x := range hd {
		if x.Severity != hcl.DiagError {
			continue
		}
		where := e.Where()
		if x.Subject != nil {
			where = fmt.Sprintf("%s:%d,%d", x.Subject.Filename, x.Subject.Start.Line, x.Subject.Start.Column)
		}
		parts = append(parts, fmt.Sprintf("%s: %s; %s", where, x.Summary, x.Detail))
	}
	return strings.Join(parts, "\n")
}

// order sorts the steps so that each follows the steps it reads from,
// reporting a cycle with its path.
func (c *Config) order(d *ctyval.Decoder) []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var out, stack []string
	names := make([]string, 0, len(c.Steps))
	for n := range c.Steps {
		names = append(names, n)
	}
	sort.Strings(names)
	var visit func(n string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		for _, dep := range c.Steps[n].Deps {
			switch color[dep] {
			case grey:
				i := 0
				for stack[i] != dep {
					i++
				}
				cycle := append(append([]string(nil), stack[i:]...), dep)
				d.Errorf(stepPath(n, "inputs"), "Steps read each other's outputs", "the steps form a cycle: %s.", strings.Join(cycle, " -> "))
				return false
			case white:
				if !visit(dep) {
					return false
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		out = append(out, n)
		return true
	}
	for _, n := range names {
		if color[n] == white && !visit(n) {
			return nil
		}
	}
	return out
}

// backoff is the wait before restart n (1 for the first) of s.
func (s *Step) backoff(n int) time.Duration {
	b := s.Backoff
	for i := 1; i < n && b < maxBackoff; i++ {
		b *= 2
	}
	if b > maxBackoff {
		b = maxBackoff
	}
	return b
}
