package views

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// SweepTrial is one trial of a sweep plot.
type SweepTrial struct {
	Number int
	State  string // complete, pruned, failed, running
	Value  float64
	HasVal bool
	// Params are the trial's coordinates, one per SweepPlot.Params.
	Params []float64
}

// SweepParam is one axis of the parallel coordinates: a parameter.
type SweepParam struct {
	Name string
	Log  bool
	// Labels name the values of a values parameter, by index.
	Labels []string
}

// SweepPlot is a sweep's picture: the objective of each trial with the
// best-so-far line, above a parallel-coordinates view of the parameters
// against the objective.
type SweepPlot struct {
	Title    string
	Metric   string
	Maximize bool
	Params   []SweepParam
	Trials   []SweepTrial
}

// canvas is what the sweep plot draws on: SVG or an image.
type canvas interface {
	line(x0, y0, x1, y1 float64, c color.RGBA, width float64)
	dot(x, y, r float64, c color.RGBA)
	text(x, y float64, s string, anchor string, c color.RGBA)
	// plate draws black text starting at x on a white ground, to stay
	// readable over lines.
	plate(x, y float64, s string)
}

const sweepW, sweepH = 1000, 860

var (
	black    = color.RGBA{0, 0, 0, 255}
	grey     = color.RGBA{200, 200, 200, 255}
	complete = color.RGBA{31, 119, 180, 255}
	pruned   = color.RGBA{255, 127, 14, 255}
	failed   = color.RGBA{214, 39, 40, 255}
	bestLine = color.RGBA{44, 160, 44, 255}
)

func (p *SweepPlot) draw(c canvas) {
	c.text(sweepW/2, 24, p.Title, "middle", black)
	p.drawHistory(c, 60, 50, sweepW-120, 330)
	p.drawParallel(c, 60, 480, sweepW-120, 320)
}

// valueRange is the objective's range over trials with a value.
func (p *SweepPlot) valueRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, t := range p.Trials {
		if t.HasVal {
			lo, hi = math.Min(lo, t.Value), math.Max(hi, t.Value)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 1
	}
	if hi == lo {
		lo, hi = lo-0.5, hi+0.5
	}
	pad := (hi - lo) * 0.05
	return lo - pad, hi + pad
}

func (p *SweepPlot) drawHistory(c canvas, x0, y0, w, h float64) {
	lo, hi := p.valueRange()
	n := float64(max(len(p.Trials), 2))
	px := func(i int) float64 { return x0 + float64(i)/(n-1)*w }
	py := func(v float64) float64 { return y0 + h - (v-lo)/(hi-lo)*h }
	for _, t := range ticks(lo, hi, 5) {
		c.line(x0, py(t), x0+w, py(t), grey, 1)
		c.text(x0-6, py(t)+4, fmtTick(t), "end", black)
	}
	for _, t := range ticks(0, n-1, 8) {
		c.text(px(int(t)), y0+h+16, fmtTick(t), "middle", black)
	}
	box(c, x0, y0, w, h)
	c.text(x0+w/2, y0+h+34, "trial", "middle", black)
	c.text(x0, y0-8, p.Metric+" by trial (best so far in green)", "start", black)
	best, have := 0.0, false
	var lastX, lastY float64
	for i, t := range p.Trials {
		switch {
		case t.State == "complete" && t.HasVal:
			if !have || (p.Maximize && t.Value > best) || (!p.Maximize && t.Value < best) {
				if have {
					c.line(lastX, lastY, px(i), lastY, bestLine, 2)
					c.line(px(i), lastY, px(i), py(t.Value), bestLine, 2)
				}
				best, have = t.Value, true
				lastX, lastY = px(i), py(best)
			}
			c.dot(px(i), py(t.Value), 3.5, complete)
		case t.State == "pruned" && t.HasVal:
			c.dot(px(i), py(t.Value), 3, pruned)
		case t.State == "failed":
			c.dot(px(i), y0+h-4, 3, failed)
		}
	}
	if have {
		c.line(lastX, lastY, px(len(p.Trials)-1), lastY, bestLine, 2)
	}
	legend(c, x0+w-390, y0-12, []string{"complete", "pruned (last value)", "failed"}, []color.RGBA{complete, pruned, failed})
}

func (p *SweepPlot) drawParallel(c canvas, x0, y0, w, h float64) {
	axes := len(p.Params) + 1
	ax := func(k int) float64 { return x0 + float64(k)/float64(max(axes-1, 1))*w }
	c.text(x0, y0-40, "parameters against "+p.Metric+" (darker is better; pruned trials in grey)", "start", black)
	// The axes' labels are drawn last, over the trials' lines.
	var labels []func()
	defer func() {
		for _, f := range labels {
			f()
		}
	}()
	// Each parameter axis spans its values over the trials.
	norm := make([]func(float64) float64, len(p.Params))
	for k, par := range p.Params {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, t := range p.Trials {
			v := t.Params[k]
			if par.Log && v > 0 {
				v = math.Log10(v)
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if len(par.Labels) > 0 {
			lo, hi = 0, float64(max(len(par.Labels)-1, 1))
		}
		if math.IsInf(lo, 1) || hi == lo {
			lo, hi = lo-0.5, hi+0.5
		}
		par, lo, hi := par, lo, hi
		norm[k] = func(v float64) float64 {
			if par.Log && v > 0 {
				v = math.Log10(v)
			}
			return (v - lo) / (hi - lo)
		}
		x := ax(k)
		c.line(x, y0, x, y0+h, black, 1)
		c.text(x, y0-16, par.Name, "middle", black)
		if len(par.Labels) > 0 {
			for i, l := range par.Labels {
				y := y0 + h - norm[k](float64(i))*h
				labels = append(labels, func() { c.plate(x+4, y+4, l) })
			}
		} else {
			labels = append(labels, func() { axisTicks(c, x, y0, h, lo, hi, par.Log) })
		}
	}
	lo, hi := p.valueRange()
	xo := ax(axes - 1)
	c.line(xo, y0, xo, y0+h, black, 1)
	c.text(xo, y0-16, p.Metric, "middle", black)
	labels = append(labels, func() { axisTicks(c, xo, y0, h, lo, hi, false) })
	// Worse trials first, so the best are drawn on top.
	order := make([]int, 0, len(p.Trials))
	for i, t := range p.Trials {
		if t.HasVal && (t.State == "complete" || t.State == "pruned") {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		ta, tb := p.Trials[order[a]], p.Trials[order[b]]
		if (ta.State == "pruned") != (tb.State == "pruned") {
			return ta.State == "pruned"
		}
		if p.Maximize {
			return ta.Value < tb.Value
		}
		return ta.Value > tb.Value
	})
	for _, i := range order {
		t := p.Trials[i]
		q := (t.Value - lo) / (hi - lo)
		if !p.Maximize {
			q = 1 - q
		}
		col := shade(q)
		width := 1.5
		if t.State == "pruned" {
			col, width = grey, 1
		}
		prevX, prevY := 0.0, 0.0
		for k := 0; k < axes; k++ {
			var y float64
			if k < len(p.Params) {
				y = y0 + h - norm[k](t.Params[k])*h
			} else {
				y = y0 + h - (t.Value-lo)/(hi-lo)*h
			}
			if k > 0 {
				c.line(prevX, prevY, ax(k), y, col, width)
			}
			prevX, prevY = ax(k), y
		}
	}
}

// axisTicks labels a vertical axis at x spanning [lo, hi] (in log10 when
// log): both ends, and between them round values (decades on a log axis)
// that keep clear of the ends, each with a short mark.
func axisTicks(c canvas, x, y0, h, lo, hi float64, log bool) {
	at := func(t float64) float64 { return y0 + h - (t-lo)/(hi-lo)*h }
	value := func(t float64) float64 {
		if log {
			return math.Pow(10, t)
		}
		return t
	}
	marks := []float64{lo, hi}
	inner := ticks(lo, hi, 4)
	if log {
		inner = nil
		for d := math.Ceil(lo); d <= math.Floor(hi); d++ {
			inner = append(inner, d)
		}
	}
	for _, t := range inner {
		if math.Abs(at(t)-at(lo)) > 18 && math.Abs(at(t)-at(hi)) > 18 {
			marks = append(marks, t)
		}
	}
	for _, t := range marks {
		c.line(x-3, at(t), x+3, at(t), black, 1)
		c.plate(x+6, at(t)+4, tickLabel(sig(value(t))))
	}
}

// tickLabel prints an axis value without exponent where it stays short.
func tickLabel(v float64) string {
	if v != 0 && math.Abs(v) < 1e-3 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return fmtTick(v)
}

// sig rounds to 3 significant digits, for axis ends.
func sig(v float64) float64 {
	if v == 0 {
		return 0
	}
	m := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*m) / m
}

// shade goes from light (q=0, worst) to dark blue (q=1, best).
func shade(q float64) color.RGBA {
	q = math.Max(0, math.Min(1, q))
	mix := func(a, b float64) uint8 { return uint8(a + (b-a)*q) }
	return color.RGBA{mix(200, 8), mix(225, 48), mix(245, 107), 255}
}

func box(c canvas, x, y, w, h float64) {
	c.line(x, y, x+w, y, black, 1)
	c.line(x, y+h, x+w, y+h, black, 1)
	c.line(x, y, x, y+h, black, 1)
	c.line(x+w, y, x+w, y+h, black, 1)
}

// legend draws a row of coloured dots with their names.
func legend(c canvas, x, y float64, names []string, cols []color.RGBA) {
	for i, n := range names {
		c.dot(x, y, 4, cols[i])
		c.text(x+10, y+4, n, "start", black)
		x += float64(len(n)*7 + 30)
	}
}

type svgCanvas struct{ b strings.Builder }

func rgb(c color.RGBA) string { return fmt.Sprintf("rgb(%d,%d,%d)", c.R, c.G, c.B) }

func (s *svgCanvas) line(x0, y0, x1, y1 float64, c color.RGBA, w float64) {
	fmt.Fprintf(&s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%g"/>`+"\n", x0, y0, x1, y1, rgb(c), w)
}
func (s *svgCanvas) dot(x, y, r float64, c color.RGBA) {
	fmt.Fprintf(&s.b, `<circle cx="%.1f" cy="%.1f" r="%g" fill="%s"/>`+"\n", x, y, r, rgb(c))
}
func (s *svgCanvas) text(x, y float64, t, anchor string, c color.RGBA) {
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s">%s</text>`+"\n", x, y, anchor, rgb(c), xmlEscape(t))
}

func (s *svgCanvas) plate(x, y float64, t string) {
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" fill="black" stroke="white" stroke-width="3" paint-order="stroke">%s</text>`+"\n", x, y, xmlEscape(t))
}

// SVG writes the picture as SVG.
func (p *SweepPlot) SVG(w io.Writer) error { return writeSVG(w, sweepW, sweepH, p.draw) }

// writeSVG writes what draw draws on a white width x height page as SVG.
func writeSVG(w io.Writer, width, height int, draw func(canvas)) error {
	s := &svgCanvas{}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	s.b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	draw(s)
	s.b.WriteString("</svg>\n")
	_, err := io.WriteString(w, s.b.String())
	return err
}

type pngCanvas struct{ img *image.RGBA }

func (p pngCanvas) line(x0, y0, x1, y1 float64, c color.RGBA, w float64) {
	line(p.img, x0, y0, x1, y1, c, max(1, int(w)))
}
func (p pngCanvas) dot(x, y, r float64, c color.RGBA) {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy <= r*r {
				p.img.Set(int(x+dx), int(y+dy), c)
			}
		}
	}
}
func (p pngCanvas) text(x, y float64, t, anchor string, c color.RGBA) {
	width := float64(len(t) * 7)
	switch anchor {
	case "middle":
		x -= width / 2
	case "end":
		x -= width
	}
	label(p.img, int(x), int(y), t, c)
}

func (p pngCanvas) plate(x, y float64, t string) {
	white := color.RGBA{255, 255, 255, 255}
	for py := int(y) - 11; py <= int(y)+2; py++ {
		for px := int(x) - 1; px <= int(x)+len(t)*7; px++ {
			p.img.Set(px, py, white)
		}
	}
	label(p.img, int(x), int(y), t, black)
}

// PNG writes the picture as PNG.
func (p *SweepPlot) PNG(w io.Writer) error { return writePNG(w, sweepW, sweepH, p.draw) }

// writePNG writes what draw draws on a white width x height page as PNG.
func writePNG(w io.Writer, width, height int, draw func(canvas)) error {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	draw(pngCanvas{img})
	return png.Encode(w, img)
}

// Picture is a plot that renders as SVG or PNG.
type Picture interface {
	SVG(io.Writer) error
	PNG(io.Writer) error
}

// WritePicture writes p to path, as SVG when the path ends in .svg and
// as PNG otherwise.
func WritePicture(path string, p Picture) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.ToLower(path), ".svg") {
		err = p.SVG(f)
	} else {
		err = p.PNG(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
