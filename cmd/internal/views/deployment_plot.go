package views

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"time"

	"github.com/mltf/mltf/serving"
)

// DeploymentPlot is a deployment's picture over time: latency percentiles
// of each version above the share of traffic each version took, with the
// rollout's events marked across both.
type DeploymentPlot struct {
	Title  string
	Points []serving.TimelinePoint
}

const depW, depH = 1000, 720

// panel is a plotting area: pixels [x0, x0+w] x [y0, y0+h] for values
// [t0, t1] x [lo, hi].
type panel struct {
	x0, y0, w, h   float64
	t0, t1, lo, hi float64
}

func (p panel) x(t float64) float64 { return p.x0 + (t-p.t0)/(p.t1-p.t0)*p.w }
func (p panel) y(v float64) float64 { return p.y0 + p.h - (v-p.lo)/(p.hi-p.lo)*p.h }

// dashed draws a dashed vertical line at x.
func dashed(c canvas, x, y0, y1 float64, col color.RGBA) {
	for y := y0; y < y1; y += 8 {
		c.line(x, y, x, math.Min(y+4, y1), col, 1)
	}
}

func (p *DeploymentPlot) versions() []int64 {
	seen := map[int64]bool{}
	for _, pt := range p.Points {
		for _, v := range pt.Versions {
			seen[v.Version] = true
		}
	}
	var out []int64
	for v := range seen {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (p *DeploymentPlot) draw(c canvas) {
	c.text(depW/2, 24, p.Title, "middle", black)
	if len(p.Points) == 0 {
		return
	}
	start := p.Points[0].Time
	// The axis ends a little after the last event or request: an idle
	// tail would squeeze the rollout into a corner.
	end := start
	for _, pt := range p.Points {
		busy := pt.Event != ""
		for _, v := range pt.Versions {
			busy = busy || v.Requests > 0
		}
		if busy {
			end = pt.Time
		}
	}
	end = end.Add(end.Sub(start) / 20)
	span := math.Max(end.Sub(start).Seconds(), 1)
	secs := func(t time.Time) float64 { return t.Sub(start).Seconds() }
	versions := p.versions()
	colorOf := map[int64]color.RGBA{}
	for i, v := range versions {
		colorOf[v] = palette[i%len(palette)]
	}

	// Latency: the highest p99 sets the scale, ignoring a few outliers.
	var p99s []float64
	for _, pt := range p.Points {
		for _, v := range pt.Versions {
			if v.Requests > 0 {
				p99s = append(p99s, v.P99)
			}
		}
	}
	sort.Float64s(p99s)
	top := 10.0
	if len(p99s) > 0 {
		top = math.Max(1, p99s[len(p99s)*98/100]*1.15)
	}
	lat := panel{x0: 80, y0: 60, w: depW - 200, h: 330, t0: 0, t1: span, lo: 0, hi: niceCeil(top)}
	share := panel{x0: 80, y0: 470, w: depW - 200, h: 170, t0: 0, t1: span, lo: 0, hi: 100}
	box(c, lat.x0, lat.y0, lat.w, lat.h)
	box(c, share.x0, share.y0, share.w, share.h)
	c.text(lat.x0, lat.y0-8, "latency, ms (thin p50, dashed p95, thick p99; one point a second)", "start", black)
	c.text(share.x0, share.y0-8, "share of live traffic, % (shadow mirroring dotted)", "start", black)
	for _, v := range ticks(lat.lo, lat.hi, 5) {
		c.line(lat.x0-4, lat.y(v), lat.x0, lat.y(v), black, 1)
		c.text(lat.x0-8, lat.y(v)+4, fmtTick(v), "end", black)
	}
	for _, v := range []float64{0, 25, 50, 75, 100} {
		c.line(share.x0-4, share.y(v), share.x0, share.y(v), black, 1)
		c.text(share.x0-8, share.y(v)+4, fmtTick(v), "end", black)
	}
	for _, t := range ticks(0, span, 8) {
		c.line(share.x(t), share.y0+share.h, share.x(t), share.y0+share.h+4, black, 1)
		c.text(share.x(t), share.y0+share.h+18, clock(t), "middle", black)
		c.line(lat.x(t), lat.y0+lat.h, lat.x(t), lat.y0+lat.h+4, black, 1)
	}
	c.text(share.x0+share.w/2, share.y0+share.h+38, "time since the front end's first record, m:ss", "middle", black)

	// Events, across both panels; each label on the first of six rows
	// where it overlaps no other, drawn last, over the lines.
	var labels []func()
	defer func() {
		for _, f := range labels {
			f()
		}
	}()
	var rowEnds [6]float64
	for _, pt := range p.Points {
		if pt.Event == "" || pt.Time.After(end) {
			continue
		}
		x := lat.x(secs(pt.Time))
		dashed(c, x, lat.y0, share.y0+share.h, grey)
		label := pt.Event
		if len(label) > 34 {
			label = label[:31] + "..."
		}
		width := float64(len(label)) * 7
		lx := x + 3
		if lx+width > lat.x0+lat.w {
			lx = x - 3 - width
		}
		row := 0
		for row < len(rowEnds)-1 && rowEnds[row] > lx {
			row++
		}
		rowEnds[row] = lx + width + 6
		y := lat.y0 + 16 + float64(row)*15
		labels = append(labels, func() { c.plate(lx, y, label) })
	}

	// Latency and traffic lines by version.
	for _, ver := range versions {
		col := colorOf[ver]
		type xy struct{ x, y float64 }
		var p50, p95, p99, sh, shadow []xy
		for _, pt := range p.Points {
			if pt.Time.After(end) {
				break
			}
			total := 0
			for _, v := range pt.Versions {
				total += v.Weight
			}
			for _, v := range pt.Versions {
				if v.Version != ver {
					continue
				}
				t := secs(pt.Time)
				if pt.Event == "" && v.Requests > 0 {
					p50 = append(p50, xy{lat.x(t), lat.y(math.Min(v.P50, lat.hi))})
					p95 = append(p95, xy{lat.x(t), lat.y(math.Min(v.P95, lat.hi))})
					p99 = append(p99, xy{lat.x(t), lat.y(math.Min(v.P99, lat.hi))})
				}
				pct := 0.0
				if total > 0 {
					pct = 100 * float64(v.Weight) / float64(total)
				}
				sh = append(sh, xy{share.x(t), share.y(pct)})
				shadow = append(shadow, xy{share.x(t), share.y(float64(v.Shadow))})
			}
		}
		polyline := func(pts []xy, width float64, gap bool) {
			for i := 1; i < len(pts); i++ {
				if gap && i%2 == 0 {
					continue
				}
				c.line(pts[i-1].x, pts[i-1].y, pts[i].x, pts[i].y, col, width)
			}
		}
		polyline(p50, 1, false)
		polyline(p95, 1, true)
		polyline(p99, 3, false)
		for i := 1; i < len(sh); i++ { // steps: the share holds until the next point
			c.line(sh[i-1].x, sh[i-1].y, sh[i].x, sh[i-1].y, col, 2)
			c.line(sh[i].x, sh[i-1].y, sh[i].x, sh[i].y, col, 2)
		}
		for _, s := range shadow {
			if s.y < share.y(0) {
				c.dot(s.x, s.y, 1.5, col)
			}
		}
	}
	for i, v := range versions {
		y := lat.y0 + 10 + float64(i)*18
		c.line(lat.x0+lat.w+15, y, lat.x0+lat.w+35, y, colorOf[v], 3)
		c.text(lat.x0+lat.w+40, y+4, fmt.Sprintf("version %d", v), "start", black)
	}
}

// clock formats seconds as m:ss.
func clock(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// SVG writes the picture as SVG.
func (p *DeploymentPlot) SVG(w io.Writer) error { return writeSVG(w, depW, depH, p.draw) }

// PNG writes the picture as PNG.
func (p *DeploymentPlot) PNG(w io.Writer) error { return writePNG(w, depW, depH, p.draw) }
