// mltf server's web UI: one page that routes on the URL and reads /api/v1
// with the token kept in local storage.
'use strict';

const main = document.getElementById('main');
let timers = [];

function token() { return localStorage.getItem('mltf-token') || ''; }

class APIError extends Error {
  constructor(status, body) { super(body.message || ('HTTP ' + status)); this.status = status; this.code = body.error_code; }
}

async function api(path, opts = {}) {
  const r = await fetch('/api/v1' + path, { ...opts, headers: { Authorization: 'Bearer ' + token(), ...(opts.headers || {}) } });
  if (r.status === 401) { showLogin('The server did not accept the token: ' + ((await r.json().catch(() => ({}))).message || '')); throw new APIError(401, {}); }
  if (opts.raw) return r;
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new APIError(r.status, body);
  return body;
}

function go(path) { history.pushState(null, '', path); route(); }

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || a.target || e.ctrlKey || e.metaKey || !a.getAttribute('href') || !a.getAttribute('href').startsWith('/') || a.getAttribute('href').startsWith('/api/')) return;
  e.preventDefault();
  go(a.getAttribute('href'));
});
window.addEventListener('popstate', route);

function showLogin(msg) {
  timers.forEach(clearInterval); timers = [];
  main.innerHTML = `<div class="card login"><h1>Sign in to mltf server</h1>
    ${msg ? `<div class="error">${esc(msg)}</div>` : ''}
    <p class="muted">Paste a token made with <code>mltf server token create -role reader</code>.</p>
    <form id="login"><input id="token" type="password" placeholder="mltf_…" autocomplete="off"><button type="submit">Sign in</button></form></div>`;
  document.getElementById('login').onsubmit = (e) => {
    e.preventDefault();
    localStorage.setItem('mltf-token', document.getElementById('token').value.trim());
    route();
  };
}

async function showWho() {
  const who = document.getElementById('who');
  try {
    const w = await api('/whoami');
    who.innerHTML = `${esc(w.name || 'token ' + w.token_id)} · ${esc(w.role)} <button class="secondary" id="logout">Sign out</button>`;
    document.getElementById('logout').onclick = () => { localStorage.removeItem('mltf-token'); who.textContent = ''; showLogin(); };
  } catch (e) { who.textContent = ''; }
}

function setNav(name) {
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('active', a.dataset.nav === name));
}

function fail(e) {
  if (e.status === 401) return;
  main.innerHTML = `<div class="error">${esc(e.message)}</div>`;
}

async function route() {
  timers.forEach(clearInterval); timers = [];
  if (!token()) { showLogin(); return; }
  showWho();
  const p = location.pathname;
  let m;
  try {
    if (p === '/' || p === '/runs') { setNav('runs'); await runsPage(); }
    else if ((m = p.match(/^\/runs\/([^/]+)$/))) { setNav('runs'); await runPage(decodeURIComponent(m[1])); }
    else if (p === '/compare') { setNav('runs'); await comparePage(); }
    else if (p === '/models') { setNav('models'); await modelsPage(); }
    else if ((m = p.match(/^\/models\/([^/]+)$/))) { setNav('models'); await modelPage(decodeURIComponent(m[1])); }
    else if (p === '/sweeps') { setNav('sweeps'); await sweepsPage(); }
    else if ((m = p.match(/^\/sweeps\/([^/]+)$/))) { setNav('sweeps'); await sweepPage(decodeURIComponent(m[1])); }
    else if (p === '/pipelines') { setNav('pipelines'); await pipelinesPage(); }
    else if (p === '/datasets') { setNav('datasets'); await datasetsPage(); }
    else if ((m = p.match(/^\/datasets\/([^/]+)$/))) { setNav('datasets'); await datasetPage(decodeURIComponent(m[1])); }
    else main.innerHTML = `<div class="error">No page ${esc(p)}.</div>`;
  } catch (e) { fail(e); }
}

function when(t) { return t ? new Date(t).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '–'; }
function duration(a, b) {
  if (!a) return '–';
  const s = Math.round(((b ? new Date(b) : new Date()) - new Date(a)) / 1000);
  return s < 90 ? s + ' s' : s < 5400 ? Math.round(s / 60) + ' min' : (s / 3600).toFixed(1) + ' h';
}
function status(s) { return `<span class="status ${esc(s)}">${esc(s)}</span>`; }
function short(id) { return esc(String(id).slice(0, 8)); }
function val(v) { return typeof v === 'number' ? fmtNum(v) : typeof v === 'object' && v !== null ? esc(JSON.stringify(v)) : esc(v ?? '–'); }
function qs(params) { return Object.entries(params).filter(([, v]) => v !== '' && v != null).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&'); }
function topKeys(objs, n) {
  const count = {};
  objs.forEach((o) => Object.keys(o || {}).forEach((k) => { count[k] = (count[k] || 0) + 1; }));
  return Object.keys(count).sort((a, b) => count[b] - count[a] || a.localeCompare(b)).slice(0, n);
}

// --- runs -------------------------------------------------------------

async function runsPage() {
  const q = new URLSearchParams(location.search);
  const [exps] = await Promise.all([api('/experiments')]);
  const expName = Object.fromEntries(exps.experiments.map((e) => [e.id, e.name]));
  let filter = q.get('filter') || '';
  const st = q.get('status') || '';
  if (st) filter = (filter ? filter + ' and ' : '') + `attributes.status = '${st}'`;
  const params = { filter, order_by: q.get('order_by') || '', max_results: 200 };
  if (q.get('experiment')) params.experiment_id = q.get('experiment');
  let runs = [], error = '';
  try { runs = (await api('/runs?' + qs(params))).runs; } catch (e) { if (e.status === 401) return; error = e.message; }
  const metricCols = topKeys(runs.map((r) => r.metrics), 5), paramCols = topKeys(runs.map((r) => r.params), 4);
  main.innerHTML = `<h1>Runs</h1>
  <form class="toolbar" id="search">
    <select name="experiment"><option value="">All experiments</option>${exps.experiments.map((e) => `<option value="${esc(e.id)}" ${q.get('experiment') === e.id ? 'selected' : ''}>${esc(e.name)}</option>`).join('')}</select>
    <select name="status"><option value="">Any status</option>${['RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SCHEDULED'].map((s) => `<option ${st === s ? 'selected' : ''}>${s}</option>`).join('')}</select>
    <input class="filter" type="text" name="filter" placeholder="metrics.accuracy >= 0.9 and params.lr = '0.05'" value="${esc(q.get('filter') || '')}">
    <input type="text" name="order_by" placeholder="metrics.accuracy DESC" value="${esc(q.get('order_by') || '')}">
    <button type="submit">Search</button>
    <button type="button" class="secondary" id="compare" disabled>Compare selected</button>
  </form>
  ${error ? `<div class="error">${esc(error)}</div>` : ''}
  <table id="runs"><thead><tr><th></th><th>Run</th><th>Experiment</th><th>Status</th><th>Started</th><th>Duration</th>
    ${paramCols.map((p) => `<th>${esc(p)}</th>`).join('')}${metricCols.map((m) => `<th class="num">${esc(m)}</th>`).join('')}</tr></thead>
  <tbody>${runs.map((r) => `<tr data-run="${esc(r.id)}"><td><input type="checkbox" value="${esc(r.id)}"></td>
    <td><a href="/runs/${encodeURIComponent(r.id)}">${esc(r.name || r.address || short(r.id))}</a> <span class="muted mono">${short(r.id)}</span></td>
    <td>${esc(expName[r.experiment_id] || short(r.experiment_id))}</td><td>${status(r.status)}</td><td>${when(r.started)}</td><td>${duration(r.started, r.finished)}</td>
    ${paramCols.map((p) => `<td>${val(r.params[p])}</td>`).join('')}${metricCols.map((m) => `<td class="num">${val(r.metrics[m])}</td>`).join('')}</tr>`).join('')}
  </tbody></table>
  <p class="muted">${runs.length} run${runs.length === 1 ? '' : 's'}${runs.length === 200 ? ' (the first 200)' : ''}. Filters use MLflow's syntax: <code>metrics.NAME</code>, <code>params.NAME</code>, <code>tags.NAME</code>, <code>attributes.status</code>.</p>`;
  const form = document.getElementById('search');
  form.onsubmit = (e) => { e.preventDefault(); go('/?' + qs(Object.fromEntries(new FormData(form)))); };
  const boxes = [...main.querySelectorAll('#runs input[type=checkbox]')];
  const cmp = document.getElementById('compare');
  boxes.forEach((b) => { b.onchange = () => { cmp.disabled = boxes.filter((x) => x.checked).length < 2; }; });
  cmp.onclick = () => go('/compare?runs=' + boxes.filter((x) => x.checked).map((x) => x.value).join(','));
}

function seriesOf(metrics) {
  const out = {};
  for (const [name, pts] of Object.entries(metrics)) out[name] = pts.map((p) => [p.step, typeof p.value === 'number' ? p.value : NaN]);
  return out;
}

async function runPage(id) {
  const run = await api('/runs/' + encodeURIComponent(id));
  const [m, arts] = await Promise.all([api(`/runs/${encodeURIComponent(id)}/metrics`), api(`/runs/${encodeURIComponent(id)}/artifacts`).catch((e) => ({ files: [], error: e.message }))]);
  const series = seriesOf(m.metrics);
  main.innerHTML = `<h1>${esc(run.name || run.address || 'Run')} <span class="muted mono">${esc(run.id)}</span> ${status(run.status)} <span id="live"></span></h1>
  <div class="card"><dl class="kv">
    <dt>Experiment</dt><dd><a href="/?experiment=${encodeURIComponent(run.experiment_id)}">${esc(run.experiment.name)}</a></dd>
    ${run.address ? `<dt>Resource</dt><dd class="mono">${esc(run.address)}${run.workspace ? ' (workspace ' + esc(run.workspace) + ')' : ''}</dd>` : ''}
    <dt>Started</dt><dd>${when(run.started)}</dd><dt>Finished</dt><dd>${when(run.finished)} (${duration(run.started, run.finished)})</dd>
    ${run.fingerprint ? `<dt>Fingerprint</dt><dd class="mono">${esc(run.fingerprint.slice(0, 16))}…</dd>` : ''}
    ${run.git_commit ? `<dt>Git commit</dt><dd class="mono">${esc(run.git_commit.slice(0, 12))}${run.git_dirty ? ' (dirty)' : ''}</dd>` : ''}
    ${run.artifact_uri ? `<dt>Artifacts</dt><dd class="mono">${esc(run.artifact_uri)}</dd>` : ''}
    ${Object.keys(run.tags).length ? `<dt>Tags</dt><dd>${Object.entries(run.tags).map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(' ')}</dd>` : ''}
  </dl></div>
  <h2>Metrics</h2><div class="grid" id="curves"></div>
  <div class="grid" style="margin-top:14px">
    <div><h2>Params</h2><table id="params"><tbody>${Object.entries(run.params).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${val(v)}</td></tr>`).join('') || '<tr><td class="muted">none</td></tr>'}</tbody></table></div>
    <div><h2>Final metrics</h2><table id="final"><tbody>${Object.entries(run.metrics).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${val(v)}</td></tr>`).join('') || '<tr><td class="muted">none</td></tr>'}</tbody></table></div>
  </div>
  <h2>Artifacts</h2>${arts.error ? `<p class="muted">${esc(arts.error)}</p>` : arts.files.length ? `<table id="artifacts"><tbody>${arts.files.map((f) => `<tr><td class="mono"><a href="#" data-artifact="${esc(f.path)}">${esc(f.path)}</a></td><td class="num">${fmtNum(f.size)} B</td></tr>`).join('')}</tbody></table>` : '<p class="muted">none</p>'}
  <h2>Log <span class="muted">(rank 0)</span></h2><pre class="log" id="log"></pre>`;
  const draw = () => {
    document.getElementById('curves').innerHTML = Object.keys(series).sort().map((n) => lineChart(n, [{ name: n, points: series[n] }])).join('') || '<p class="muted">No metric points.</p>';
  };
  draw();
  main.querySelectorAll('[data-artifact]').forEach((a) => {
    a.onclick = async (e) => {
      e.preventDefault();
      const r = await api(`/runs/${encodeURIComponent(id)}/artifacts/${a.dataset.artifact}`, { raw: true });
      const url = URL.createObjectURL(await r.blob());
      const link = Object.assign(document.createElement('a'), { href: url, download: a.dataset.artifact.split('/').pop() });
      link.click();
      URL.revokeObjectURL(url);
    };
  });
  let offset = 0;
  const logEl = document.getElementById('log');
  const readLog = async () => {
    const r = await api(`/runs/${encodeURIComponent(id)}/logs?offset=${offset}`, { raw: true });
    if (!r.ok) { if (offset === 0) logEl.textContent = (await r.json().catch(() => ({}))).message || 'no log'; return r.headers.get('X-Run-Status'); }
    const text = await r.text();
    offset = +(r.headers.get('X-Log-Offset') || offset);
    if (text) { logEl.textContent += text; logEl.scrollTop = logEl.scrollHeight; }
    return r.headers.get('X-Run-Status');
  };
  await readLog();
  if (run.status === 'running' || run.status === 'scheduled') {
    document.getElementById('live').innerHTML = '<span class="live">● live</span>';
    const t = setInterval(async () => {
      const after = Math.min(...Object.values(series).map((s) => (s.length ? s[s.length - 1][0] : -1)), Infinity);
      const upd = await api(`/runs/${encodeURIComponent(id)}/metrics` + (Number.isFinite(after) ? `?after_step=${after}` : ''));
      for (const [n, pts] of Object.entries(seriesOf(upd.metrics))) {
        const have = series[n] || (series[n] = []);
        for (const p of pts) {
          const i = have.findIndex((q) => q[0] === p[0]);
          if (i >= 0) have[i] = p; else have.push(p);
        }
        have.sort((a, b) => a[0] - b[0]);
      }
      draw();
      await readLog();
      if (upd.status !== 'running' && upd.status !== 'scheduled') {
        clearInterval(t);
        document.getElementById('live').innerHTML = status(upd.status);
      }
    }, 2000);
    timers.push(t);
  }
}

async function comparePage() {
  const ids = (new URLSearchParams(location.search).get('runs') || '').split(',').filter(Boolean);
  if (ids.length < 2) { main.innerHTML = '<div class="error">Select two runs or more on the runs page to compare them.</div>'; return; }
  const runs = await Promise.all(ids.map((id) => api('/runs/' + encodeURIComponent(id))));
  const metrics = await Promise.all(ids.map((id) => api(`/runs/${encodeURIComponent(id)}/metrics`)));
  const names = runs.map((r) => `${r.name || r.address || 'run'} ${r.id.slice(0, 8)}`);
  const colors = runs.map((_, i) => PALETTE[i % PALETTE.length]);
  const allMetrics = [...new Set(metrics.flatMap((m) => Object.keys(m.metrics)))].sort();
  const curves = allMetrics.map((n) => lineChart(n, metrics.map((m, i) => ({ name: names[i], color: colors[i], points: seriesOf(m.metrics)[n] || [] })), { legend: true })).join('');
  const paramNames = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const finalNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const row = (label, vals) => {
    const same = vals.every((v) => JSON.stringify(v) === JSON.stringify(vals[0]));
    return `<tr><td>${esc(label)}</td>${vals.map((v) => `<td class="num ${same ? '' : 'changed'}">${val(v)}</td>`).join('')}</tr>`;
  };
  const num = (v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !isNaN(+v) ? +v : NaN);
  const axes = [...paramNames.map((p) => ({ name: p, values: runs.map((r) => num(r.params[p])) })), ...finalNames.map((m) => ({ name: m, values: runs.map((r) => num(r.metrics[m])) }))];
  main.innerHTML = `<h1>Compare ${runs.length} runs</h1>
  <h2>Params and final metrics</h2>
  <table class="diff" id="compare-table"><thead><tr><th></th>${runs.map((r, i) => `<th class="num"><span class="legend"><span><i style="background:${colors[i]}"></i><a href="/runs/${encodeURIComponent(r.id)}">${esc(names[i])}</a></span></span></th>`).join('')}</tr></thead>
  <tbody>${paramNames.map((p) => row('params.' + p, runs.map((r) => r.params[p]))).join('')}${finalNames.map((m) => row('metrics.' + m, runs.map((r) => r.metrics[m]))).join('')}</tbody></table>
  <p class="muted">Highlighted: values that differ between the runs.</p>
  <h2>Parallel coordinates</h2>${parallelCoordinates(axes, runs.map((r, i) => ({ name: names[i], color: colors[i] })))}
  <h2>Curves</h2><div class="grid">${curves || '<p class="muted">No metric points.</p>'}</div>`;
}

// --- models -----------------------------------------------------------

function aliases(list) { return list.map((a) => `<span class="alias">${esc(a)}</span>`).join(''); }

async function modelsPage() {
  const { models } = await api('/models');
  main.innerHTML = `<h1>Models</h1>
  <table id="models"><thead><tr><th>Model</th><th class="num">Versions</th><th class="num">Latest</th><th>Aliases</th><th>Updated</th></tr></thead>
  <tbody>${models.map((m) => `<tr><td><a href="/models/${encodeURIComponent(m.name)}">${esc(m.name)}</a></td><td class="num">${m.versions}</td><td class="num">${m.latest_version || '–'}</td>
    <td>${Object.entries(m.aliases).map(([a, v]) => `<span class="alias">${esc(a)} → ${v}</span>`).join('') || '–'}</td><td>${when(m.updated)}</td></tr>`).join('')}</tbody></table>
  ${models.length ? '' : '<p class="muted">No models yet: a model block registers one at apply, and the API can register versions.</p>'}`;
}

function gateList(gates) {
  if (!Array.isArray(gates) || gates.length === 0) return '<span class="muted">–</span>';
  return gates.map((g) => `<div>${g.passed ? status('passed') : status('refused')} ${esc(g.note || g.message || '')}${g.values ? ` <span class="muted mono">${esc(g.values)}</span>` : ''}</div>`).join('');
}

async function modelPage(name) {
  const m = await api('/models/' + encodeURIComponent(name));
  const metricCols = topKeys(m.versions.map((v) => v.metrics), 4);
  main.innerHTML = `<h1>Model ${esc(m.name)} ${Object.entries(m.aliases).map(([a, v]) => `<span class="alias">${esc(a)} → ${v}</span>`).join('')}</h1>
  <div class="card"><dl class="kv">
    ${m.address ? `<dt>Managed by</dt><dd class="mono">${esc(m.address)}</dd>` : '<dt>Managed by</dt><dd class="muted">no configuration of the served workspace</dd>'}
    ${m.description ? `<dt>Description</dt><dd>${esc(m.description)}</dd>` : ''}
    <dt>Created</dt><dd>${when(m.created)}</dd><dt>Updated</dt><dd>${when(m.updated)}</dd>
  </dl></div>
  <h2>Gates</h2>
  ${m.gates.length ? `<table id="gates"><thead><tr><th>#</th><th>Condition</th><th>Message</th><th>Where</th></tr></thead><tbody>${m.gates.map((g, i) => `<tr><td>${i}</td><td class="mono">${esc(g.condition)}</td><td>${esc(g.message)}</td><td class="mono">${esc(g.where)}</td></tr>`).join('')}</tbody></table>` : '<p class="muted">No gates: aliases move to every new version.</p>'}
  ${Array.isArray(m.gate_results) && m.gate_results.length ? `<h2>Last gate results</h2><table id="gate-results"><thead><tr><th>Alias</th><th>Gate</th><th class="num">Candidate</th><th class="num">Current</th><th>Result</th><th>Compared</th></tr></thead><tbody>${m.gate_results.map((g) => `<tr><td><span class="alias">${esc(g.alias)}</span></td><td>${g.gate}</td><td class="num">${g.candidate}</td><td class="num">${g.current ?? '–'}</td><td>${g.passed ? status('passed') : status('refused')} ${g.passed ? '' : esc(g.message)}</td><td class="mono">${esc(g.values)}</td></tr>`).join('')}</tbody></table>` : ''}
  <h2>Versions</h2>
  <table id="versions"><thead><tr><th class="num">Version</th><th>Aliases</th><th>Run</th>${metricCols.map((c) => `<th class="num">${esc(c)}</th>`).join('')}<th>Registered</th><th>Location</th></tr></thead>
  <tbody>${m.versions.map((v) => `<tr><td class="num">${v.version}</td><td>${aliases(v.aliases)}</td><td>${v.run_id ? `<a class="mono" href="/runs/${encodeURIComponent(v.run_id)}">${short(v.run_id)}</a>${v.lineage.address ? ' <span class="muted mono">' + esc(v.lineage.address) + '</span>' : ''}` : '–'}</td>
    ${metricCols.map((c) => `<td class="num">${val(v.metrics[c])}</td>`).join('')}<td>${when(v.created)}</td><td class="mono">${esc(v.artifact_uri)}</td></tr>`).join('')}</tbody></table>
  <h2>Alias history</h2>
  <table id="history"><thead><tr><th>When</th><th>Who</th><th>Alias</th><th>Move</th><th>Gates</th></tr></thead>
  <tbody>${m.history.map((h) => `<tr><td>${when(h.when)}</td><td>${esc(h.who)}</td><td><span class="alias">${esc(h.alias)}</span></td>
    <td>${h.refused ? `${h.from ? `stays at ${h.from}` : 'stays unset'} ${status('refused')}` : `${h.from || '(unset)'} → ${h.to || '(removed)'}`}</td><td>${gateList(h.gates)}</td></tr>`).join('')}</tbody></table>`;
}

// --- sweeps -----------------------------------------------------------

function bestOf(s) { return s.best ? `${esc(s.metric)} ${val(s.best.value)} <span class="muted">(trial ${s.best.number})</span>` : '–'; }

async function sweepsPage() {
  const { sweeps, workspace } = await api('/sweeps');
  main.innerHTML = `<h1>Sweeps <span class="muted">workspace ${esc(workspace)}</span></h1>
  <table id="sweeps"><thead><tr><th>Sweep</th><th>Study</th><th>Objective</th><th>Sampler</th><th>Early stopping</th><th class="num">Trials</th><th class="num">Complete</th><th class="num">Pruned</th><th class="num">Failed</th><th class="num">Running</th><th>Best</th></tr></thead>
  <tbody>${sweeps.map((s) => `<tr><td><a href="/sweeps/${encodeURIComponent(s.address.replace(/^sweep\./, ''))}">${esc(s.address)}</a></td><td class="mono">${short(s.study)}</td>
    <td>${esc(s.goal)} ${esc(s.metric)}</td><td>${esc(s.sampler)} <span class="muted">seed ${s.seed}</span></td><td>${esc(s.early_stopping || '–')}</td>
    <td class="num">${s.complete + s.pruned + s.failed + s.running}/${s.trials_asked}</td><td class="num">${s.complete}</td><td class="num">${s.pruned}</td><td class="num">${s.failed}</td><td class="num">${s.running}</td><td>${bestOf(s)}</td></tr>`).join('')
    || '<tr><td class="muted" colspan="11">No sweeps in this workspace\'s state.</td></tr>'}</tbody></table>`;
}

// trialColor: complete trials in the palette's colours (without its
// reds), running ones in the accent blue, pruned grey, so a chart shows
// where early stopping cut trials short.
const TRIAL_PALETTE = PALETTE.filter((c) => !['#d9480f', '#c2255c', '#2f5bd3', '#364fc7'].includes(c));
function trialColor(t, i) {
  return { pruned: '#adb5bd', running: '#2f5bd3' }[t.state] || TRIAL_PALETTE[i % TRIAL_PALETTE.length];
}

async function sweepPage(name) {
  const s = await api('/sweeps/' + encodeURIComponent(name));
  const series = s.trials.filter((t) => t.points.length).sort((a, b) => a.number - b.number)
    .map((t, i) => ({ name: `trial ${t.number} (${t.state})`, color: trialColor(t, i), points: t.points.map(([x, y]) => [x, typeof y === 'number' ? y : NaN]) }));
  main.innerHTML = `<h1>${esc(s.address)} <span class="muted mono">study ${short(s.study)}</span> ${s.running ? status('running') : ''}</h1>
  <div class="card"><dl class="kv">
    <dt>Objective</dt><dd>${esc(s.goal)} <code>${esc(s.metric)}</code></dd>
    <dt>Sampler</dt><dd>${esc(s.sampler)} (seed ${s.seed})</dd>
    <dt>Early stopping</dt><dd>${esc(s.early_stopping || 'none')}</dd>
    <dt>Space</dt><dd>${s.params.map((p) => `<code>${esc(p)}</code>`).join('<br>') || '–'}</dd>
    <dt>Trials</dt><dd>${s.trials.length} of ${s.trials_asked}: ${s.complete} complete, ${s.pruned} pruned, ${s.failed} failed, ${s.running} running</dd>
    <dt>Best</dt><dd id="best">${s.best ? `${bestOf(s)}${s.best.run_id ? ` · run <a class="mono" href="/runs/${encodeURIComponent(s.best.run_id)}">${short(s.best.run_id)}</a>` : ''}` : '–'}</dd>
  </dl></div>
  ${lineChart(s.metric + ' by step, per trial', series, { legend: true, width: 1000, height: 300 })}
  <h2>Trials</h2>
  <table id="trials"><thead><tr><th class="num">Trial</th><th>State</th><th class="num">${esc(s.metric)}</th><th class="num">Steps</th>${s.param_names.map((p) => `<th>${esc(p)}</th>`).join('')}<th>Run</th></tr></thead>
  <tbody>${s.trials.map((t) => `<tr data-trial="${t.number}" data-state="${esc(t.state)}"><td class="num">${t.number}</td>
    <td>${status(t.state)}${s.best && t.number === s.best.number ? ' <span class="alias">best</span>' : ''}${t.reused ? ' <span class="muted">reused</span>' : ''}</td>
    <td class="num">${t.value === undefined ? '–' : val(t.value)}</td><td class="num">${t.points.length ? t.points[t.points.length - 1][0] : '–'}</td>
    ${s.param_names.map((p) => `<td class="mono">${esc(t.params[p] ?? '')}</td>`).join('')}
    <td>${t.run_id ? `<a class="mono" href="/runs/${encodeURIComponent(t.run_id)}">${short(t.run_id)}</a>` : '–'}</td></tr>
    ${t.detail ? `<tr><td></td><td colspan="${4 + s.param_names.length + 1}"><div class="error">${esc(t.detail)}</div></td></tr>` : ''}`).join('')}</tbody></table>
  <p class="muted">Complete trials first, best first; then pruned (stopped early), running and failed. Grey curves are pruned trials.</p>`;
  if (s.running) timers.push(setInterval(() => { if (location.pathname === '/sweeps/' + name) route(); }, 2000));
}

// --- pipelines --------------------------------------------------------

async function pipelinesPage() {
  const [{ pipelines, workspace }, { runs }] = await Promise.all([api('/pipelines'), api('/pipelines/runs')]);
  const stepRows = (p) => Object.entries((p.attributes.steps) || {}).sort().map(([name, st]) => `<tr><td class="mono">${esc(p.address)}</td><td>${esc(name)}</td>
    <td>${st && st.run_id ? `<a class="mono" href="/runs/${encodeURIComponent(st.run_id)}">${short(st.run_id)}</a>` : '–'}</td>
    <td class="mono">${esc(String((st && st.key) || '').slice(0, 12))}</td><td class="mono">${Object.keys((st && st.outputs) || {}).map(esc).join(', ') || '–'}</td></tr>`).join('');
  main.innerHTML = `<h1>Pipelines <span class="muted">workspace ${esc(workspace)}</span></h1>
  <table id="pipelines"><thead><tr><th>Pipeline</th><th>Step</th><th>Last run</th><th>Key</th><th>Outputs</th></tr></thead>
  <tbody>${pipelines.map(stepRows).join('') || '<tr><td class="muted" colspan="5">No pipelines in this workspace\'s state.</td></tr>'}</tbody></table>
  <p class="muted">A step runs again only when its key (code, inputs, params, command) is new.</p>
  <h2>Runs started through the API</h2>
  <table id="pipeline-runs"><thead><tr><th>Run</th><th>Pipeline</th><th>Config</th><th>Who</th><th>Status</th><th>Started</th><th>Duration</th></tr></thead>
  <tbody>${runs.map((r) => `<tr><td class="mono">${esc(r.id.slice(0, 8))}</td><td class="mono">pipeline.${esc(r.pipeline_id)}</td><td class="mono">${esc(JSON.stringify(r.config || {}))}</td>
    <td>${esc(r.who)}</td><td>${status(r.status)}</td><td>${when(r.started)}</td><td>${duration(r.started, r.finished)}</td></tr>
    <tr><td></td><td colspan="6"><details><summary>apply output (${r.output.length} lines)</summary><pre class="log">${esc(r.output.join('\n'))}</pre></details>${r.error ? `<div class="error">${esc(r.error)}</div>` : ''}</td></tr>`).join('') || '<tr><td class="muted" colspan="7">None yet: <code>POST /api/v1/pipelines/runs</code> with a writer token starts one.</td></tr>'}</tbody></table>`;
  if (runs.some((r) => r.status === 'running')) timers.push(setInterval(() => { if (location.pathname === '/pipelines') route(); }, 2000));
}

// --- datasets ---------------------------------------------------------

async function datasetsPage() {
  const { datasets, workspace } = await api('/datasets');
  main.innerHTML = `<h1>Datasets <span class="muted">workspace ${esc(workspace)}</span></h1>
  <table id="datasets"><thead><tr><th>Dataset</th><th class="num">Version</th><th class="num">Rows</th><th class="num">Bytes</th><th>Fingerprint</th><th>Drift</th><th>Source</th></tr></thead>
  <tbody>${datasets.map((d) => {
    const a = d.attributes, drift = a.drift_report;
    return `<tr><td><a href="/datasets/${encodeURIComponent(d.address.replace(/^dataset\./, ''))}">${esc(d.address)}</a></td><td class="num">${val(a.version)}</td><td class="num">${val(a.row_count)}</td><td class="num">${val(a.bytes)}</td>
      <td class="mono">${esc(String(a.fingerprint || '').slice(0, 12))}</td><td>${drift ? status(drift.verdict) : '<span class="muted">first version</span>'}</td><td class="mono">${esc(a.source)}</td></tr>`;
  }).join('')}</tbody></table>
  ${datasets.length ? '' : '<p class="muted">No datasets in this workspace\'s state.</p>'}`;
}

async function datasetPage(name) {
  const d = await api('/datasets/' + encodeURIComponent(name));
  const a = d.attributes, stats = a.statistics || {}, drift = a.drift_report;
  const cols = Object.keys(stats).sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
  main.innerHTML = `<h1>${esc(d.address)} ${drift ? status(drift.verdict) : ''}</h1>
  <div class="card"><dl class="kv">
    <dt>Source</dt><dd class="mono">${esc(a.source)}</dd><dt>Version</dt><dd>${val(a.version)}</dd>
    <dt>Fingerprint</dt><dd class="mono">${esc(a.fingerprint)}</dd><dt>Rows</dt><dd>${val(a.row_count)}</dd><dt>Objects</dt><dd>${val(a.object_count)} (${val(a.bytes)} bytes)</dd>
    ${drift ? `<dt>Drift</dt><dd>against version ${val(drift.baseline_version)}: ${Object.values(drift.columns || {}).filter((c) => c.verdict === 'drift').length} of ${Object.keys(drift.columns || {}).length} columns drifted</dd>` : ''}
  </dl></div>
  <h2>Versions</h2>
  <table id="dataset-versions"><thead><tr><th class="num">Version</th><th>Fingerprint</th><th class="num">Rows</th><th>Applied</th></tr></thead>
  <tbody>${d.versions.map((v) => `<tr><td class="num">${v.version}</td><td class="mono">${esc(v.fingerprint.slice(0, 16))}</td><td class="num">${fmtNum(v.rows)}</td><td>${when(v.applied)}</td></tr>`).join('') || '<tr><td class="muted" colspan="4">none recorded</td></tr>'}</tbody></table>
  <h2>Columns</h2>${drift ? '<p class="muted">Drift bars: the PSI against the baseline version; the threshold is the middle of the bar.</p>' : ''}
  <table id="columns"><thead><tr><th>Column</th><th>Type</th><th class="num">Count</th><th class="num">Nulls</th><th class="num">Min</th><th class="num">Max</th><th class="num">Mean</th><th class="num">Std dev</th><th class="num">p50</th><th>Top values</th>${drift ? '<th class="num">PSI</th><th>Drift</th>' : ''}</tr></thead>
  <tbody>${cols.map((c) => {
    const s = stats[c] || {}, dc = drift && drift.columns ? drift.columns[c] : null;
    return `<tr><td class="mono">${esc(c)}</td><td>${esc(s.type || '')}</td><td class="num">${val(s.count)}</td><td class="num">${val(s.nulls)}</td><td class="num">${val(s.min)}</td><td class="num">${val(s.max)}</td>
      <td class="num">${val(s.mean)}</td><td class="num">${val(s.stddev)}</td><td class="num">${val(s.quantiles ? s.quantiles.p50 : undefined)}</td>
      <td>${(s.top || []).slice(0, 3).map((t) => `<code>${esc(t.value)}</code> <span class="muted">(${fmtNum(t.count)})</span>`).join(', ')}</td>
      ${drift ? (dc ? `<td class="num">${fmtNum(dc.psi)}</td><td><div class="bar ${dc.verdict}" title="PSI ${dc.psi}, threshold ${dc.threshold} (the middle of the bar)"><span style="width:${Math.min(100, (dc.psi / (2 * dc.threshold)) * 100)}%"></span></div></td>` : '<td></td><td></td>') : ''}</tr>`;
  }).join('')}</tbody></table>`;
}

route();
