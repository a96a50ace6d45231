// The SQL page (/sql?q=SELECT...): a query box, POST /api/v1/sql (read-only
// SQL over the database's tables, docs/SQL.md), the rows as a table and, when
// the result has a time column and numeric columns, a line chart of them.

import {call, el, errorBox} from './api.js';
import {alignSeries, lineChart} from './chart.js';

const EXAMPLE = "SELECT ts, labels, value FROM samples\nWHERE metric = 'cpu_usage_percent'\n" +
  "  AND ts > (strftime('%s','now') - 3600) * 1000\nORDER BY ts";
const MAX_TABLE_ROWS = 5000;
const MAX_CHART_SERIES = 100;
// Column names taken as the time axis, holding Unix milliseconds (the
// tables' `ts`) or seconds.
const TIME_COLUMNS = /^(ts|time|timestamp|t|start|end)$/i;

// ±Inf come as strings ("+Inf"), NaN as null: numbers for a chart.
function numeric(v) {
  if (typeof v === 'number') return v;
  if (v === null) return null;
  if (v === '+Inf' || v === 'Inf' || v === '-Inf' || v === 'NaN') return null;
  return undefined;
}

// How a result is drawn: the time column, the numeric columns (one line
// each), and the other columns, whose values name the series (a `labels`
// JSON object reads as {a="b"}). Null when it is not a chart.
export function chartPlan(columns, rows) {
  if (!rows.length) return null;
  const timeIdx = columns.findIndex((c, i) => TIME_COLUMNS.test(c) &&
      rows.every((r) => typeof r[i] === 'number' && Number.isFinite(r[i])));
  if (timeIdx < 0) return null;
  const valueIdx = [];
  const keyIdx = [];
  columns.forEach((c, i) => {
    if (i === timeIdx) return;
    const vals = rows.map((r) => numeric(r[i]));
    if (vals.every((v) => v !== undefined) && vals.some((v) => v !== null)) valueIdx.push(i);
    else keyIdx.push(i);
  });
  if (!valueIdx.length) return null;
  return {timeIdx, valueIdx, keyIdx};
}

function keyText(value) {
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const obj = JSON.parse(value);
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        return '{' + Object.keys(obj).sort().map((k) => k + '=' + JSON.stringify(String(obj[k]))).join(', ') + '}';
      }
    } catch {
      // not JSON: shown as it is
    }
  }
  return value === null ? 'NULL' : String(value);
}

// The chart's series: one per numeric column and distinct key.
export function chartSeries(columns, rows, plan) {
  const ms = rows.some((r) => Math.abs(r[plan.timeIdx]) > 1e11);
  const groups = new Map();
  for (const r of rows) {
    const key = plan.keyIdx.map((i) => keyText(r[i])).join(' ');
    const t = ms ? r[plan.timeIdx] / 1000 : r[plan.timeIdx];
    for (const i of plan.valueIdx) {
      const label = [plan.valueIdx.length > 1 || !key ? columns[i] : '', key].filter(Boolean).join(' ');
      if (!groups.has(label)) groups.set(label, []);
      groups.get(label).push([t, numeric(r[i])]);
    }
  }
  return [...groups].map(([label, samples]) => ({label, samples}));
}

function resultTable(columns, rows) {
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const numericCol = columns.map((c, i) => rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const cell = (v, i) => el('td', {class: (numericCol[i] ? 'num' : '') + (v === null ? ' null' : '')},
      v === null ? 'NULL' : String(v));
  return el('table', {class: 'result-table sql-table'},
      el('thead', {}, el('tr', {}, columns.map((c, i) => el('th', {class: numericCol[i] ? 'num' : ''}, c)))),
      el('tbody', {}, shown.map((r) => el('tr', {}, r.map(cell)))));
}

class SqlPage {
  constructor(main) {
    const q = new URLSearchParams(location.search).get('q');
    this.input = el('textarea', {class: 'sql', rows: 6, spellcheck: 'false', 'aria-label': 'SQL query'});
    this.input.value = q || EXAMPLE;
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.run();
      }
    });
    this.result = el('div', {class: 'result'});
    this.stats = el('div', {class: 'stats'});
    this.chart = null;
    this.abort = null;
    this.root = el('section', {class: 'panel sql-panel', 'data-state': 'idle'},
        this.input,
        el('div', {class: 'expr-row'},
            el('button', {type: 'button', class: 'primary', onclick: () => this.run()}, 'Run'),
            el('span', {class: 'hint'}, 'Ctrl+Enter runs · read-only · tables: series, samples, segments, ' +
              'over_time(), ... (docs/SQL.md)')),
        this.result, this.stats);
    main.append(this.root);
    if (q) this.run();
    else this.input.focus();
  }

  async run() {
    const query = this.input.value.trim();
    if (!query) return;
    history.replaceState(history.state, '', '/sql?' + new URLSearchParams({q: query}).toString().replace(/\+/g, '%20'));
    if (this.abort) this.abort.abort();
    this.abort = new AbortController();
    this.root.dataset.state = 'loading';
    this.root.classList.add('loading');
    const started = performance.now();
    let r;
    try {
      r = await call('/api/v1/sql', {query}, {method: 'POST', signal: this.abort.signal});
    } catch (e) {
      if (e.name === 'AbortError') return;
      r = {ok: false, errorType: 'client_error', error: e.message};
    }
    this.root.classList.remove('loading');
    if (this.chart) this.chart.destroy();
    this.chart = null;
    this.result.replaceChildren();
    this.stats.textContent = '';
    if (!r.ok) {
      this.result.append(errorBox(r));
      this.root.dataset.state = 'error';
      return;
    }
    const {columns, rows} = r.data;
    const plan = chartPlan(columns, rows);
    let note = '';
    if (plan) {
      let series = chartSeries(columns, rows, plan);
      if (series.length > MAX_CHART_SERIES) {
        note = ` · chart shows ${MAX_CHART_SERIES} of ${series.length} series`;
        series = series.slice(0, MAX_CHART_SERIES);
      }
      const holder = el('div', {class: 'chart-holder'});
      this.result.append(holder);
      this.chart = lineChart(holder, alignSeries(series), {joinGaps: true});
    }
    this.result.append(rows.length ? resultTable(columns, rows) : el('div', {class: 'empty'}, 'No rows'));
    const cut = rows.length > MAX_TABLE_ROWS ? ` · table shows the first ${MAX_TABLE_ROWS}` : '';
    this.stats.textContent = `Load time: ${Math.round(performance.now() - started)}ms · ` +
      `Rows: ${rows.length}${cut}${note}`;
    this.root.dataset.state = 'done';
  }

  destroy() {
    if (this.abort) this.abort.abort();
    if (this.chart) this.chart.destroy();
  }
}

export function renderSql(main) {
  return new SqlPage(main);
}
