// The console's only way to the server: the public HTTP API, with the bearer
// token the user entered, and the small DOM and text helpers every page uses.
//
// Every call resolves (never rejects, except when aborted) to
//   {ok: true, data, warnings}            Prometheus's envelope said success
//   {ok: false, status, errorType, error} anything else, worded for the user

const TOKEN_KEY = 'overtone.token';
let memoryToken = '';  // when the browser keeps no localStorage

export function token() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return memoryToken;
  }
}

export function setToken(value) {
  memoryToken = value;
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // kept in memory only
  }
}

// A `token` query parameter is taken into storage and removed from the
// address bar, so that it does not stay in the history or a shared link.
export function adoptTokenFromUrl() {
  const url = new URL(location.href);
  if (!url.searchParams.has('token')) return;
  setToken(url.searchParams.get('token'));
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}

// GET (params in the query string) or POST (a form body) to `path`.
export async function call(path, params = {}, {method = 'GET', signal} = {}) {
  const headers = {Accept: 'application/json'};
  const t = token();
  if (t) headers.Authorization = 'Bearer ' + t;
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') form.append(k, String(v));
  }
  let url = path;
  let body;
  if (method === 'GET') {
    if ([...form].length) url += '?' + form;
  } else {
    body = form;
  }
  let res;
  try {
    res = await fetch(url, {method, headers, body, signal, cache: 'no-store'});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    return {ok: false, status: 0, errorType: 'unavailable', error: 'the server did not answer (' + e.message + ')'};
  }
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: a plain-text error
  }
  if (json && json.status === 'success') return {ok: true, status: res.status, data: json.data, warnings: json.warnings || []};
  if (json && json.status === 'error') {
    return {ok: false, status: res.status, errorType: json.errorType || 'error', error: json.error || ''};
  }
  if (res.ok && json) return {ok: true, status: res.status, data: json, warnings: []};  // /stats: plain JSON
  let error = text.trim() || res.statusText;
  if (res.status === 401) error += ' (enter the token at the top right)';
  return {ok: false, status: res.status, errorType: 'HTTP ' + res.status, error};
}

// Metric names, for completion: filled by loadMetricNames().
export const metricNames = [];

export async function loadMetricNames() {
  const r = await call('/api/v1/label/__name__/values');
  metricNames.splice(0, metricNames.length, ...(r.ok ? r.data : []));
}

// --- DOM -----------------------------------------------------------------

// el('div', {class: 'x', onclick: f}, 'text', child, ...): an element. Text
// is always set as text, never parsed as HTML.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false || (k === 'class' && !v)) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'value') e.value = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// An error as Prometheus's console shows it: a red box, the error type, the
// message as the API gave it.
export function errorBox(result) {
  return el('div', {class: 'alert alert-error', role: 'alert'},
      el('strong', {class: 'error-type'}, result.errorType), ': ', el('span', {class: 'error-text'}, result.error));
}

export function warningBox(warnings) {
  if (!warnings || !warnings.length) return null;
  return el('div', {class: 'alert alert-warning'}, warnings.map((w) => el('div', {}, 'Warning: ' + w)));
}

// A table of a flat object's keys and values.
export function keyValueTable(obj) {
  return el('table', {class: 'kv-table'}, el('tbody', {},
      Object.entries(obj).map(([k, v]) => el('tr', {}, el('th', {}, k),
          el('td', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))))));
}

// --- text ----------------------------------------------------------------

// A label set as PromQL writes a series: name{a="b", c="d"}.
export function seriesName(metric) {
  const name = metric.__name__ || '';
  const labels = Object.keys(metric).filter((k) => k !== '__name__').sort()
      .map((k) => k + '=' + JSON.stringify(metric[k]));
  if (name && !labels.length) return name;
  return name + '{' + labels.join(', ') + '}';
}

// A sample value as the API sends it ("1.5", "NaN", "+Inf") as a number for
// a chart: non-finite values are gaps.
export function chartValue(text) {
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

const DURATION_UNITS = {ms: 1, s: 1000, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3, y: 31536000e3};

// A Prometheus duration ("1h30m", "5m", "500ms") or a number of seconds, in
// milliseconds; NaN when it is neither.
export function parseDuration(text) {
  const s = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const parts = s.match(/\d+(ms|[smhdwy])/g);
  if (!parts || parts.join('') !== s) return NaN;
  return parts.reduce((sum, p) => {
    const [, n, unit] = p.match(/^(\d+)(ms|[smhdwy])$/);
    return sum + Number(n) * DURATION_UNITS[unit];
  }, 0);
}

// Milliseconds as the shortest Prometheus duration: 5400000 -> "1h30m".
export function formatDuration(ms) {
  let rest = Math.round(ms);
  let out = '';
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
    const n = Math.floor(rest / DURATION_UNITS[unit]);
    if (n > 0) {
      out += n + unit;
      rest -= n * DURATION_UNITS[unit];
    }
  }
  return out || '0s';
}

// A time as the console's fields take it, in Unix seconds: Prometheus's
// "2024-05-01 12:00:00" (UTC), RFC 3339, or Unix seconds. NaN otherwise.
export function parseTime(text) {
  const s = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = s.match(/^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d(?:\.\d+)?))?$/);
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], 0) / 1000 + Number(m[6] || 0);
  const t = Date.parse(s);
  return Number.isNaN(t) ? NaN : t / 1000;
}

// Unix seconds in Prometheus's URL form, "2024-05-01 12:00:00" (UTC).
export function formatTime(seconds) {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/(\.000)?Z$/, '');
}
