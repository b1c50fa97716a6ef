// Line charts and parallel coordinates drawn as SVG, without libraries.
'use strict';

const PALETTE = ['#2f5bd3', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5c940d', '#364fc7', '#862e9c'];

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// fmtNum writes a number short: 0.9749, 1.2e-05, 12,345.
function fmtNum(v) {
  if (typeof v !== 'number') return esc(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(+v.toPrecision(4));
}

function ticks(lo, hi, n) {
  if (lo === hi) { lo -= 1; hi += 1; }
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(12));
  return out;
}

// lineChart draws series [{name, color, points: [[x, y], ...]}] with
// x the step; NaN values are skipped.
function lineChart(title, series, opts = {}) {
  const W = opts.width || 520, H = opts.height || 220, L = 52, R = 12, T = 10, B = 28;
  const pts = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p[1])));
  if (pts.length === 0) return `<div class="chart"><h3>${esc(title)}</h3><p class="muted">no points yet</p></div>`;
  let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  let y0 = Math.min(...pts.map((p) => p[1])), y1 = Math.max(...pts.map((p) => p[1]));
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  if (y0 === y1) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  let g = '';
  for (const t of ticks(y0, y1, 4)) {
    if (t < y0 || t > y1) continue;
    g += `<line class="grid-line" x1="${L}" x2="${W - R}" y1="${sy(t)}" y2="${sy(t)}"/><text x="${L - 6}" y="${sy(t) + 3}" text-anchor="end">${fmtNum(t)}</text>`;
  }
  for (const t of ticks(x0, x1, 6)) {
    if (t < x0 || t > x1 || !Number.isInteger(t)) continue;
    g += `<text x="${sx(t)}" y="${H - B + 14}" text-anchor="middle">${fmtNum(t)}</text>`;
  }
  g += `<line class="axis" x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}"/><line class="axis" x1="${L}" x2="${L}" y1="${T}" y2="${H - B}"/>`;
  g += `<text x="${W - R}" y="${H - 4}" text-anchor="end">step</text>`;
  let lines = '';
  series.forEach((s, i) => {
    const color = s.color || PALETTE[i % PALETTE.length];
    const ps = s.points.filter((p) => Number.isFinite(p[1]));
    if (ps.length === 1) {
      lines += `<circle cx="${sx(ps[0][0])}" cy="${sy(ps[0][1])}" r="3" fill="${color}"/>`;
    } else if (ps.length > 1) {
      const d = ps.map((p, j) => (j ? 'L' : 'M') + sx(p[0]).toFixed(1) + ' ' + sy(p[1]).toFixed(1)).join('');
      lines += `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`;
    }
  });
  const legend = series.length > 1 || opts.legend
    ? `<div class="legend">${series.map((s, i) => `<span><i style="background:${s.color || PALETTE[i % PALETTE.length]}"></i>${esc(s.name)}</span>`).join('')}</div>`
    : '';
  return `<div class="chart" data-metric="${esc(title)}" data-points="${pts.length}"><h3>${esc(title)}</h3>${legend}<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${g}${lines}</svg></div>`;
}

// parallelCoordinates draws one polyline per row over numeric axes
// [{name, values: [..per row..]}]; rows are [{name, color}].
function parallelCoordinates(axes, rows) {
  // An axis where every run has the same value tells nothing apart.
  axes = axes.filter((a) => new Set(a.values.filter((v) => Number.isFinite(v))).size > 1);
  if (axes.length < 2) return '<p class="muted">Parallel coordinates need two params or metrics whose values differ between the runs.</p>';
  const W = Math.max(1000, axes.length * 160), H = 300, T = 28, B = 18, L = 50, R = 60;
  const x = (i) => L + (i * (W - L - R)) / (axes.length - 1);
  const scales = axes.map((a) => {
    const vs = a.values.filter((v) => Number.isFinite(v));
    let lo = Math.min(...vs), hi = Math.max(...vs);
    if (lo === hi) { lo -= 1; hi += 1; }
    return { lo, hi, y: (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B) };
  });
  let g = '';
  axes.forEach((a, i) => {
    g += `<line class="axis" x1="${x(i)}" x2="${x(i)}" y1="${T}" y2="${H - B}"/>`;
    g += `<text x="${x(i)}" y="${T - 12}" text-anchor="middle" style="fill:#1d2330;font-weight:600;font-size:12px">${esc(a.name)}</text>`;
    g += `<text x="${x(i) + 5}" y="${T + 4}" style="font-size:11px">${fmtNum(scales[i].hi)}</text><text x="${x(i) + 5}" y="${H - B}" style="font-size:11px">${fmtNum(scales[i].lo)}</text>`;
  });
  rows.forEach((r, j) => {
    const ps = axes.map((a, i) => (Number.isFinite(a.values[j]) ? `${x(i).toFixed(1)},${scales[i].y(a.values[j]).toFixed(1)}` : null)).filter(Boolean);
    g += `<polyline points="${ps.join(' ')}" fill="none" stroke="${r.color}" stroke-width="2" opacity=".85"/>`;
  });
  const legend = `<div class="legend">${rows.map((r) => `<span><i style="background:${r.color}"></i>${esc(r.name)}</span>`).join('')}</div>`;
  return `<div class="chart" id="parallel">${legend}<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="parallel coordinates">${g}</svg></div>`;
}
