// The PromQL page (/graph): panels g0, g1, ... each with an expression, a
// graph tab (a range query, drawn) and a table tab (an instant query).
//
// Its address follows Prometheus's, so that links made for Prometheus open
// the same panels here:
//   /graph?g0.expr=EXPR&g0.tab=0&g0.range_input=1h&g0.end_input=2024-05-01%2012:00:00
//         &g0.step_input=60&g0.moment_input=...&g1.expr=...
// tab 0 is the graph, 1 the table; end_input and moment_input (the table's
// time) are UTC or Unix seconds, absent for "now"; step_input is seconds or a
// duration, absent for range/250.

import {call, chartValue, el, errorBox, formatDuration, formatTime, metricNames, parseDuration, parseTime,
  seriesName, warningBox} from './api.js';
import {alignSeries, lineChart} from './chart.js';
import {attachCompletion} from './complete.js';

// The range field's - and + buttons step through these, as Prometheus's do.
const RANGE_STEPS = ['1m', '5m', '15m', '30m', '1h', '2h', '6h', '12h', '1d', '2d', '1w', '2w', '4w', '8w',
  '1y'];
// Past this many rows the table stops; the count says how many there were.
const MAX_TABLE_ROWS = 10000;

// The panels' settings from the address (at least one, empty).
export function panelsFromUrl(search) {
  const params = new URLSearchParams(search);
  const byIndex = new Map();
  for (const [key, value] of params) {
    const m = key.match(/^g(\d+)\.(\w+)$/);
    if (!m) continue;
    const i = Number(m[1]);
    if (!byIndex.has(i)) byIndex.set(i, {});
    byIndex.get(i)[m[2]] = value;
  }
  const panels = [...byIndex.keys()].sort((a, b) => a - b).map((i) => {
    const p = byIndex.get(i);
    return {
      expr: p.expr || '',
      tab: p.tab === '1' ? 1 : 0,
      range: p.range_input || '1h',
      end: p.end_input || '',
      step: p.step_input || '',
      moment: p.moment_input || '',
    };
  });
  return panels.length ? panels : [{expr: '', tab: 0, range: '1h', end: '', step: '', moment: ''}];
}

// The address for `panels`, in Prometheus's parameter names.
export function urlForPanels(panels) {
  const params = new URLSearchParams();
  panels.forEach((p, i) => {
    params.set(`g${i}.expr`, p.expr);
    params.set(`g${i}.tab`, String(p.tab));
    params.set(`g${i}.range_input`, p.range);
    if (p.end) params.set(`g${i}.end_input`, p.end);
    if (p.step) params.set(`g${i}.step_input`, p.step);
    if (p.moment) params.set(`g${i}.moment_input`, p.moment);
  });
  return '/graph?' + params.toString().replace(/\+/g, '%20');
}

class Panel {
  constructor(page, settings) {
    this.page = page;
    this.s = settings;
    this.chart = null;
    this.abort = null;
    this.build();
  }

  build() {
    const s = this.s;
    this.exprInput = el('input', {class: 'expr', type: 'text', value: s.expr,
      placeholder: 'Expression (press Enter to execute)', spellcheck: 'false', autocomplete: 'off',
      'aria-label': 'PromQL expression'});
    this.exprInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.execute();
      }
    });
    this.rangeInput = el('input', {class: 'range', type: 'text', value: s.range, size: 5, 'aria-label': 'range'});
    this.endInput = el('input', {class: 'end', type: 'text', value: s.end, size: 19, placeholder: 'now (UTC)',
      'aria-label': 'end time'});
    this.stepInput = el('input', {class: 'step', type: 'text', value: s.step, size: 6, placeholder: 'auto',
      'aria-label': 'step'});
    this.momentInput = el('input', {class: 'moment', type: 'text', value: s.moment, size: 19,
      placeholder: 'now (UTC)', 'aria-label': 'evaluation time'});
    for (const input of [this.rangeInput, this.endInput, this.stepInput, this.momentInput]) {
      input.addEventListener('change', () => this.execute());
    }
    this.tabButtons = [0, 1].map((t) => el('button', {type: 'button', class: 'tab', role: 'tab',
      onclick: () => this.selectTab(t)}, t === 0 ? 'Graph' : 'Table'));
    this.graphControls = el('div', {class: 'controls'},
        el('button', {type: 'button', title: 'shorter range', onclick: () => this.stepRange(-1)}, '−'),
        this.rangeInput,
        el('button', {type: 'button', title: 'longer range', onclick: () => this.stepRange(1)}, '+'),
        el('label', {}, 'until ', this.endInput),
        el('label', {}, 'step ', this.stepInput));
    this.tableControls = el('div', {class: 'controls'}, el('label', {}, 'at ', this.momentInput));
    this.result = el('div', {class: 'result'});
    this.stats = el('div', {class: 'stats'});
    this.root = el('section', {class: 'panel', 'data-state': 'idle'},
        el('div', {class: 'expr-row'}, this.exprInput,
            el('button', {type: 'button', class: 'primary', onclick: () => this.execute()}, 'Execute')),
        el('div', {class: 'tab-row'}, el('div', {class: 'tabs', role: 'tablist'}, this.tabButtons),
            this.graphControls, this.tableControls,
            el('button', {type: 'button', class: 'remove', title: 'remove this panel',
              onclick: () => this.page.remove(this)}, '✕')),
        this.result, this.stats);
    attachCompletion(this.exprInput, () => metricNames);
    this.showTab();
  }

  selectTab(t) {
    if (this.s.tab === t) return;
    this.s.tab = t;
    this.showTab();
    this.execute();
  }

  showTab() {
    this.tabButtons.forEach((b, i) => b.classList.toggle('active', i === this.s.tab));
    this.tabButtons.forEach((b, i) => b.setAttribute('aria-selected', String(i === this.s.tab)));
    this.graphControls.hidden = this.s.tab !== 0;
    this.tableControls.hidden = this.s.tab !== 1;
    this.root.classList.toggle('graph-tab', this.s.tab === 0);
  }

  stepRange(direction) {
    const now = parseDuration(this.rangeInput.value);
    let i = RANGE_STEPS.findIndex((r) => parseDuration(r) >= now);
    if (i < 0) i = RANGE_STEPS.length - 1;
    else if (direction < 0 || parseDuration(RANGE_STEPS[i]) === now) i += direction;
    this.rangeInput.value = RANGE_STEPS[Math.max(0, Math.min(RANGE_STEPS.length - 1, i))];
    this.execute();
  }

  // Reads the fields into the settings and the address, then queries.
  async execute() {
    const s = this.s;
    s.expr = this.exprInput.value.trim();
    s.range = this.rangeInput.value.trim() || '1h';
    s.end = this.endInput.value.trim();
    s.step = this.stepInput.value.trim();
    s.moment = this.momentInput.value.trim();
    this.page.saveUrl();
    if (this.abort) this.abort.abort();
    if (!s.expr) {
      this.clear();
      this.root.dataset.state = 'idle';
      return;
    }
    this.abort = new AbortController();
    this.root.dataset.state = 'loading';
    this.root.classList.add('loading');
    const started = performance.now();
    let outcome;
    try {
      outcome = s.tab === 0 ? await this.queryRange(this.abort.signal) : await this.queryInstant(this.abort.signal);
    } catch (e) {
      if (e.name === 'AbortError') return;  // a newer execute() took over
      outcome = {node: errorBox({errorType: 'client_error', error: e.message}), state: 'error'};
    }
    this.root.classList.remove('loading');
    this.clear();
    this.result.append(...outcome.nodes || [outcome.node]);
    if (outcome.draw) outcome.draw();
    this.stats.textContent = outcome.stats ?
      `Load time: ${Math.round(performance.now() - started)}ms · ${outcome.stats}` : '';
    this.root.dataset.state = outcome.state;
  }

  clear() {
    if (this.chart) this.chart.destroy();
    this.chart = null;
    this.result.replaceChildren();
    this.stats.textContent = '';
  }

  // A bad field is answered as the API answers a bad parameter.
  fieldError(what, text) {
    return {node: errorBox({errorType: 'bad_data', error: `invalid ${what} ${JSON.stringify(text)}`}), state: 'error'};
  }

  async queryRange(signal) {
    const s = this.s;
    const rangeMs = parseDuration(s.range);
    if (!(rangeMs > 0)) return this.fieldError('range', s.range);
    const end = s.end ? parseTime(s.end) : Date.now() / 1000;
    if (Number.isNaN(end)) return this.fieldError('end time', s.end);
    const stepMs = s.step ? parseDuration(s.step) : Math.max(Math.floor(rangeMs / 250 / 1000), 1) * 1000;
    if (!(stepMs > 0)) return this.fieldError('step', s.step);
    const start = end - rangeMs / 1000;
    const r = await call('/api/v1/query_range', {query: s.expr, start, end, step: stepMs / 1000},
        {method: 'POST', signal});
    if (!r.ok) return {node: errorBox(r), state: 'error'};
    const result = r.data.result || [];
    const warnings = warningBox(r.warnings);
    const stats = `Resolution: ${formatDuration(stepMs)} · Result series: ${result.length}`;
    if (!result.length) {
      return {nodes: [warnings, el('div', {class: 'empty'}, 'Empty query result')].filter(Boolean), state: 'done', stats};
    }
    const {times, series} = alignSeries(result.map((r) => ({
      label: seriesName(r.metric),
      samples: (r.values || []).map(([t, v]) => [t, chartValue(v)]),
    })));
    const holder = el('div', {class: 'chart-holder'});
    return {
      nodes: [warnings, holder].filter(Boolean),
      draw: () => {
        this.chart = lineChart(holder, {times, series});
      },
      state: 'done',
      stats,
    };
  }

  async queryInstant(signal) {
    const s = this.s;
    let time;
    if (s.moment || s.end) {
      time = parseTime(s.moment || s.end);
      if (Number.isNaN(time)) return this.fieldError('evaluation time', s.moment || s.end);
    }
    const r = await call('/api/v1/query', {query: s.expr, time}, {method: 'POST', signal});
    if (!r.ok) return {node: errorBox(r), state: 'error'};
    const {resultType, result} = r.data;
    const rows = [];
    if (resultType === 'vector') {
      for (const x of result) rows.push([seriesName(x.metric), x.value[1]]);
    } else if (resultType === 'matrix') {
      for (const x of result) {
        rows.push([seriesName(x.metric), x.values.map(([t, v]) => `${v} @${t}`).join('\n')]);
      }
    } else {
      rows.push([resultType, result[1]]);  // scalar and string: [time, "text"]
    }
    const count = resultType === 'vector' || resultType === 'matrix' ? result.length : 1;
    const stats = `Result series: ${count}` + (time !== undefined ? ` · at ${formatTime(time)} UTC` : '');
    if (!rows.length) {
      return {nodes: [warningBox(r.warnings), el('div', {class: 'empty'}, 'Empty query result')].filter(Boolean),
        state: 'done', stats};
    }
    const shown = rows.slice(0, MAX_TABLE_ROWS);
    const table = el('table', {class: 'result-table'},
        el('thead', {}, el('tr', {}, el('th', {}, 'Series'), el('th', {class: 'num'}, 'Value'))),
        el('tbody', {}, shown.map(([name, value]) =>
          el('tr', {}, el('td', {class: 'series'}, name), el('td', {class: 'num value'}, value)))));
    const more = rows.length > shown.length ?
      el('div', {class: 'empty'}, `showing ${shown.length} of ${rows.length} rows`) : null;
    return {nodes: [warningBox(r.warnings), table, more].filter(Boolean), state: 'done', stats};
  }

  destroy() {
    if (this.abort) this.abort.abort();
    this.clear();
    this.root.remove();
  }
}

class GraphPage {
  constructor(main) {
    this.main = main;
    this.panels = [];
    this.list = el('div', {class: 'panels'});
    main.append(this.list, el('button', {type: 'button', class: 'add-panel', onclick: () => this.add()}, 'Add panel'));
    const panels = panelsFromUrl(location.search).map((settings) => this.add(settings));
    for (const p of panels) if (p.s.expr) p.execute();
    if (!panels.some((p) => p.s.expr)) panels[0].exprInput.focus();
  }

  add(settings) {
    const panel = new Panel(this, settings || {expr: '', tab: 0, range: '1h', end: '', step: '', moment: ''});
    this.panels.push(panel);
    this.list.append(panel.root);
    if (!settings) panel.exprInput.focus();
    return panel;
  }

  remove(panel) {
    panel.destroy();
    this.panels = this.panels.filter((p) => p !== panel);
    if (!this.panels.length) this.add();
    this.saveUrl();
  }

  saveUrl() {
    history.replaceState(history.state, '', urlForPanels(this.panels.map((p) => p.s)));
  }

  destroy() {
    for (const p of this.panels) p.destroy();
  }
}

export function renderGraph(main) {
  return new GraphPage(main);
}
