package views

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"sort"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Series is one curve of a plot: a run's metric by step.
type Series struct {
	Label string
	Steps []float64
	Vals  []float64
}

// Plot is a line chart of metric curves, rendered as SVG or PNG.
type Plot struct {
	Title  string
	XLabel string
	YLabel string
	Series []Series
	Width  int
	Height int
}

var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
}

const margin = 60

type bounds struct{ x0, x1, y0, y1 float64 }

func (p *Plot) bounds() bounds {
	b := bounds{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for _, s := range p.Series {
		for i := range s.Steps {
			b.x0, b.x1 = math.Min(b.x0, s.Steps[i]), math.Max(b.x1, s.Steps[i])
			b.y0, b.y1 = math.Min(b.y0, s.Vals[i]), math.Max(b.y1, s.Vals[i])
		}
	}
	if math.IsInf(b.x0, 1) {
		return bounds{0, 1, 0, 1}
	}
	if b.x1 == b.x0 {
		b.x1 = b.x0 + 1
	}
	if b.y1 == b.y0 {
		b.y0, b.y1 = b.y0-0.5, b.y1+0.5
	}
	pad := (b.y1 - b.y0) * 0.05
	b.y0, b.y1 = b.y0-pad, b.y1+pad
	return b
}

func (p *Plot) size() (int, int) {
	w, h := p.Width, p.Height
	if w == 0 {
		w = 800
	}
	if h == 0 {
		h = 500
	}
	return w, h
}

// project maps data coordinates to pixels.
func (p *Plot) project(b bounds, x, y float64) (float64, float64) {
	w, h := p.size()
	px := margin + (x-b.x0)/(b.x1-b.x0)*float64(w-2*margin)
	py := float64(h-margin) - (y-b.y0)/(b.y1-b.y0)*float64(h-2*margin)
	return px, py
}

func ticks(lo, hi float64, n int) []float64 {
	step := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= step {
			step = m * mag
			break
		}
	}
	var ret []float64
	for v := math.Ceil(lo/step) * step; v <= hi+1e-12; v += step {
		ret = append(ret, v)
	}
	return ret
}

func fmtTick(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}

// SVG writes the plot as SVG.
func (p *Plot) SVG(w io.Writer) error {
	W, H := p.size()
	b := p.bounds()
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", W, H)
	fmt.Fprintf(&s, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&s, `<text x="%d" y="24" font-size="16" text-anchor="middle">%s</text>`+"\n", W/2, xmlEscape(p.Title))
	for _, t := range ticks(b.y0, b.y1, 5) {
		_, y := p.project(b, b.x0, t)
		fmt.Fprintf(&s, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", margin, W-margin, y, y, margin-6, y+4, fmtTick(t))
	}
	for _, t := range ticks(b.x0, b.x1, 6) {
		x, _ := p.project(b, t, b.y0)
		fmt.Fprintf(&s, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#ddd"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, x, margin, H-margin, x, H-margin+16, fmtTick(t))
	}
	fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>`+"\n", margin, margin, W-2*margin, H-2*margin)
	fmt.Fprintf(&s, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", W/2, H-16, xmlEscape(p.XLabel))
	fmt.Fprintf(&s, `<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">%s</text>`+"\n", H/2, H/2, xmlEscape(p.YLabel))
	for i, se := range p.Series {
		c := palette[i%len(palette)]
		var pts []string
		for j := range se.Steps {
			x, y := p.project(b, se.Steps[j], se.Vals[j])
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&s, `<polyline fill="none" stroke="rgb(%d,%d,%d)" stroke-width="2" points="%s"/>`+"\n", c.R, c.G, c.B, strings.Join(pts, " "))
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="12" height="12" fill="rgb(%d,%d,%d)"/><text x="%d" y="%d">%s</text>`+"\n", W-margin-180, margin+10+i*18, c.R, c.G, c.B, W-margin-162, margin+21+i*18, xmlEscape(se.Label))
	}
	s.WriteString("</svg>\n")
	_, err := io.WriteString(w, s.String())
	return err
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// PNG writes the plot as PNG.
func (p *Plot) PNG(w io.Writer) error {
	W, H := p.size()
	b := p.bounds()
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	grey := color.RGBA{221, 221, 221, 255}
	black := color.RGBA{0, 0, 0, 255}
	for _, t := range ticks(b.y0, b.y1, 5) {
		_, y := p.project(b, b.x0, t)
		line(img, margin, y, float64(W-margin), y, grey, 1)
		label(img, 4, int(y)+4, fmtTick(t), black)
	}
	for _, t := range ticks(b.x0, b.x1, 6) {
		x, _ := p.project(b, t, b.y0)
		line(img, x, margin, x, float64(H-margin), grey, 1)
		label(img, int(x)-10, H-margin+16, fmtTick(t), black)
	}
	fm, fM := float64(margin), float64(W-margin)
	hm, hM := float64(margin), float64(H-margin)
	line(img, fm, hm, fM, hm, black, 1)
	line(img, fm, hM, fM, hM, black, 1)
	line(img, fm, hm, fm, hM, black, 1)
	line(img, fM, hm, fM, hM, black, 1)
	label(img, W/2-len(p.Title)*7/2, 24, p.Title, black)
	label(img, W/2-len(p.XLabel)*7/2, H-16, p.XLabel, black)
	for i, se := range p.Series {
		c := palette[i%len(palette)]
		for j := 1; j < len(se.Steps); j++ {
			x0, y0 := p.project(b, se.Steps[j-1], se.Vals[j-1])
			x1, y1 := p.project(b, se.Steps[j], se.Vals[j])
			line(img, x0, y0, x1, y1, c, 2)
		}
		ly := margin + 10 + i*18
		for dy := 0; dy < 12; dy++ {
			for dx := 0; dx < 12; dx++ {
				img.Set(W-margin-180+dx, ly+dy, c)
			}
		}
		label(img, W-margin-162, ly+11, se.Label, black)
	}
	return png.Encode(w, img)
}

// line draws a line of the given width by stepping along its length.
func line(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA, width int) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		x, y := int(x0+(x1-x0)*t), int(y0+(y1-y0)*t)
		for d := 0; d < width; d++ {
			img.Set(x, y+d, c)
			img.Set(x+d, y, c)
		}
	}
}

func label(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// SortSeries orders each series by step.
func SortSeries(s *Series) {
	idx := make([]int, len(s.Steps))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s.Steps[idx[a]] < s.Steps[idx[b]] })
	st, vs := make([]float64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		st[i], vs[i] = s.Steps[j], s.Vals[j]
	}
	s.Steps, s.Vals = st, vs
}
