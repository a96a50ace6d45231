// The rules, alerts and status pages: read-only views of /api/v1/rules,
// /api/v1/alerts, /api/v1/status/*, /stats and a few SQL counts. A server
// without rules answers "no rules" (its rules endpoints may be absent: 404).

import {call, el, errorBox, keyValueTable, seriesName} from './api.js';

function section(title, ...children) {
  return el('section', {class: 'panel'}, el('h2', {}, title), ...children);
}

function loading() {
  return el('div', {class: 'empty'}, 'Loading…');
}

// The answer of a rules endpoint: its data, or a node saying why there is
// none (a server without rule files may not have the endpoint at all).
function rulesOrNote(r, what) {
  if (r.ok) return {data: r.data};
  if (r.status === 404) {
    return {note: el('div', {class: 'empty'}, `No ${what}: this server evaluates no rules ` +
      '(overtone serve --rules FILE).')};
  }
  return {note: errorBox(r)};
}

function labelList(labels) {
  const keys = Object.keys(labels || {}).sort();
  if (!keys.length) return '';
  return el('span', {class: 'labels'}, keys.map((k) => el('span', {class: 'label'}, `${k}="${labels[k]}"`)));
}

function ruleRow(rule) {
  const health = el('span', {class: 'badge health-' + (rule.health || 'unknown')}, rule.health || 'unknown');
  const state = rule.type === 'alerting' ?
    el('span', {class: 'badge state-' + (rule.state || 'inactive')}, rule.state || 'inactive') : '';
  return el('tr', {},
      el('td', {}, el('div', {class: 'rule-name'}, rule.type === 'alerting' ? 'alert: ' : 'record: ', rule.name),
          el('pre', {class: 'rule-expr'}, rule.query), labelList(rule.labels),
          rule.lastError ? el('div', {class: 'alert alert-error'}, rule.lastError) : ''),
      el('td', {}, state, ' ', health),
      el('td', {}, rule.lastEvaluation || ''),
      el('td', {class: 'num'}, rule.evaluationTime !== undefined ? `${(rule.evaluationTime * 1000).toFixed(2)}ms` : ''));
}

export async function renderRules(main) {
  const body = el('div', {}, loading());
  main.append(section('Rules', body));
  const {data, note} = rulesOrNote(await call('/api/v1/rules'), 'rules');
  const groups = data ? data.groups || [] : [];
  if (note || !groups.length) {
    body.replaceChildren(note || el('div', {class: 'empty'}, 'No rules.'));
    return;
  }
  body.replaceChildren(...groups.map((g) => el('div', {class: 'rule-group'},
      el('h3', {}, g.name, el('span', {class: 'muted'}, ` ${g.file || ''} · every ${g.interval}s`)),
      el('table', {class: 'result-table'},
          el('thead', {}, el('tr', {}, ['Rule', 'State', 'Last evaluation', 'Took'].map((h) => el('th', {}, h)))),
          el('tbody', {}, (g.rules || []).map(ruleRow))))));
}

function alertsTable(alerts) {
  return el('table', {class: 'result-table'},
      el('thead', {}, el('tr', {}, ['Labels', 'State', 'Active since', 'Value'].map((h) => el('th', {}, h)))),
      el('tbody', {}, alerts.map((a) => el('tr', {},
          el('td', {}, seriesName(a.labels || {})),
          el('td', {}, el('span', {class: 'badge state-' + a.state}, a.state)),
          el('td', {}, a.activeAt || ''),
          el('td', {class: 'num'}, a.value || '')))));
}

export async function renderAlerts(main) {
  const body = el('div', {}, loading());
  main.append(section('Alerts', body));
  const {data, note} = rulesOrNote(await call('/api/v1/rules', {type: 'alert'}), 'alerting rules');
  const rules = data ? (data.groups || []).flatMap((g) => g.rules || []).filter((r) => r.type === 'alerting') : [];
  if (rules.length) {
    const count = (s) => rules.filter((r) => (r.state || 'inactive') === s).length;
    body.replaceChildren(
        el('div', {class: 'summary'}, ['firing', 'pending', 'inactive'].map((s) =>
          el('span', {class: 'badge state-' + s}, `${s} (${count(s)})`))),
        ...rules.map((r) => el('details', {class: 'alert-rule state-' + (r.state || 'inactive'),
          open: r.state === 'firing' || r.state === 'pending'},
        el('summary', {}, r.name, el('span', {class: 'muted'}, ` ${(r.alerts || []).length} active`)),
        el('pre', {class: 'rule-expr'}, r.query),
        (r.alerts || []).length ? alertsTable(r.alerts) : '')));
    return;
  }
  // No alerting rules listed: the active alerts alone, if the server has them.
  const alerts = await call('/api/v1/alerts');
  if (alerts.ok && (alerts.data.alerts || []).length) {
    body.replaceChildren(alertsTable(alerts.data.alerts));
  } else {
    body.replaceChildren(note || el('div', {class: 'empty'}, 'No alerting rules.'));
  }
}

// A figure of /stats, or of one SQL query's first cell.
function figureRow(name, value) {
  return el('tr', {}, el('th', {}, name), el('td', {class: 'num'}, value));
}

async function sqlRows(query) {
  const r = await call('/api/v1/sql', {query}, {method: 'POST'});
  return r.ok ? {rows: r.data.rows, columns: r.data.columns} : {error: r};
}

function countTable(title, columns, rows) {
  return el('div', {class: 'count-table'}, el('h3', {}, title),
      el('table', {class: 'result-table'},
          el('thead', {}, el('tr', {}, columns.map((c, i) => el('th', {class: i ? 'num' : ''}, c)))),
          el('tbody', {}, rows.map((r) => el('tr', {}, r.map((v, i) => el('td', {class: i ? 'num' : ''}, String(v))))))));
}

async function cardinality(body) {
  const [stats, metrics, labels] = await Promise.all([
    call('/stats'),
    sqlRows('SELECT metric AS "Metric", count(*) AS "Series" FROM series GROUP BY metric ORDER BY 2 DESC, 1 LIMIT 10'),
    sqlRows('SELECT j.key AS "Label", count(DISTINCT j.value) AS "Values" FROM series, json_each(series.labels) AS j ' +
      'GROUP BY j.key ORDER BY 2 DESC, 1 LIMIT 10'),
  ]);
  const parts = [];
  if (stats.ok && stats.data.database) {
    const db = stats.data.database;
    parts.push(el('table', {class: 'kv-table'}, el('tbody', {},
        figureRow('Series', db.series), figureRow('Disk bytes', db.disk_bytes),
        figureRow('Samples written (since start)', db.samples_written),
        figureRow('Segments written (since start)', db.segments_written))));
  } else if (!stats.ok) {
    parts.push(errorBox(stats));
  }
  for (const [title, r] of [['Top 10 metrics by series', metrics], ['Top 10 label names by values', labels]]) {
    parts.push(r.error ? errorBox(r.error) : countTable(title, r.columns, r.rows));
  }
  body.replaceChildren(...parts);
}

async function statusSection(body, path) {
  const r = await call(path);
  body.replaceChildren(r.ok ? keyValueTable(r.data) : errorBox(r));
}

export function renderStatus(main) {
  const sections = [
    ['Build information', (b) => statusSection(b, '/api/v1/status/buildinfo')],
    ['Runtime information', (b) => statusSection(b, '/api/v1/status/runtimeinfo')],
    ['Cardinality', cardinality],
    ['Command-line flags', (b) => statusSection(b, '/api/v1/status/flags')],
  ];
  for (const [title, fill] of sections) {
    const body = el('div', {}, loading());
    main.append(section(title, body));
    fill(body);
  }
  main.append(el('p', {class: 'muted'}, 'Charts by uPlot (',
      el('a', {href: '/static/uPlot.LICENSE.txt'}, 'MIT license'), '), embedded in this binary.'));
}
