// The console's pages in headless chromium, each compared with what the
// HTTP API answers for the same question. Run by console_browser_test.sh,
// which starts `overtone serve` (with a token) on an emulated database.
//
//   node console_browser_checks.mjs CHROMIUM DRIVER_URL BASE_URL TOKEN END_SECONDS ARTEFACT_DIR WORK_DIR
//                                   PROMETHEUS_URL
//
// Each page is loaded once: its DOM (after scripts ran and their requests
// answered) goes to ARTEFACT_DIR/console_NAME.html, its screenshot to
// console_NAME.png. The hover check drives chromium through chromedriver
// (DRIVER_URL, the W3C WebDriver protocol) to move the pointer over a chart.
// The rules and alerts pages are also shown through a proxy that answers
// /api/v1/rules and /api/v1/alerts from a Prometheus evaluating rules.
// Prints one line per check; exits 1 if one failed.

import {execFile} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import http from 'node:http';
import {promisify} from 'node:util';

const execFileAsync = promisify(execFile);

const [chromium, driver, serverBase, token, endSeconds, artefacts, work, prometheus] = process.argv.slice(2);
let base = serverBase;
const END = Number(endSeconds);
const END_INPUT = new Date(END * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
let failures = 0;

function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : '\n     ' + detail}`);
  if (!ok) failures++;
}

// The page at `path`, rendered; the token goes in the address unless told
// otherwise (the page moves it into its storage).
// (Asynchronous: the proxy of rulesFromPrometheus runs in this process.)
async function browse(name, path, {withToken = true} = {}) {
  const sep = path.includes('?') ? '&' : '?';
  const url = base + path + (withToken ? `${sep}token=${encodeURIComponent(token)}` : '');
  const {stdout: dom} = await execFileAsync(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
    '--window-size=1280,900', '--virtual-time-budget=20000', `--user-data-dir=${work}/profile-${name}`,
    `--screenshot=${artefacts}/console_${name}.png`, '--dump-dom', url,
  ], {timeout: 120000, encoding: 'utf8', maxBuffer: 64 << 20});
  writeFileSync(`${artefacts}/console_${name}.html`, dom);
  return dom;
}

// One HTTP request with a JSON answer, on a connection of its own (the
// server closes idle keep-alive connections; a reused one may be gone).
function request(url, {method = 'GET', headers = {}, body} = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(url), {method, headers, agent: false, timeout: 60000}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => text += chunk);
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 300)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// The server's API, with the token.
function api(path, params, method = 'GET') {
  const form = new URLSearchParams(params).toString();
  const headers = {Authorization: `Bearer ${token}`};
  if (method === 'GET') return request(`${base}${path}?${form}`, {headers});
  headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return request(base + path, {method, headers, body: form});
}

// A WebDriver command: its `value`, or an error with the driver's message.
async function webdriver(method, path, payload) {
  const body = payload === undefined ? undefined : JSON.stringify(payload);
  const r = await request(driver + path, {method, headers: {'Content-Type': 'application/json'}, body});
  if (r.value && r.value.error) throw new Error(`webdriver ${path}: ${r.value.error}: ${r.value.message}`);
  return r.value;
}

// Text as the DOM serializer writes it in an element.
function html(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\u00a0/g, '&nbsp;');
}

// A series as PromQL writes it: name{a="b", c="d"}, labels sorted.
function promName(metric) {
  const labels = Object.keys(metric).filter((k) => k !== '__name__').sort().map((k) => `${k}="${metric[k]}"`);
  const name = metric.__name__ || '';
  return labels.length || !name ? `${name}{${labels.join(', ')}}` : name;
}

function allMatches(text, re) {
  return [...text.matchAll(re)].map((m) => m.slice(1));
}

// The graph tab: a uPlot chart (its canvas) and a legend naming each series
// the range query returns.
async function graphTab() {
  const expr = 'cpu_usage_percent';
  const dom = await browse('graph', `/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0&g0.range_input=1h` +
    `&g0.end_input=${encodeURIComponent(END_INPUT)}`);
  const want = await api('/api/v1/query_range', {query: expr, start: END - 3600, end: END, step: 14});
  const names = want.data.result.map((r) => promName(r.metric));
  check(names.length > 0, `the API has series for ${expr}`);
  check(/data-state="done"/.test(dom), 'graph panel finished');
  check(/<div class="uplot[^"]*">[\s\S]*?<canvas /.test(dom), 'graph: a canvas inside the uPlot root');
  const legend = allMatches(dom, /<div class="u-label">(.*?)<\/div>/g).map((m) => m[0]);
  check(JSON.stringify(legend) === JSON.stringify(['Time', ...names.map(html)]),
      `graph: the legend names the ${names.length} series`, `legend ${JSON.stringify(legend)}\n     api ${JSON.stringify(names)}`);
}

// The table tab: one row per series with the value the instant query gives.
async function tableTab() {
  const expr = 'cpu_usage_percent';
  const dom = await browse('table', `/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1` +
    `&g0.moment_input=${encodeURIComponent(END_INPUT)}`);
  const want = await api('/api/v1/query', {query: expr, time: END});
  const wantRows = want.data.result.map((r) => [html(promName(r.metric)), r.value[1]]);
  const rows = allMatches(dom, /<td class="series">(.*?)<\/td><td class="num value">(.*?)<\/td>/g);
  check(wantRows.length > 0, 'the instant query has a result');
  check(JSON.stringify(rows) === JSON.stringify(wantRows), `table: the ${wantRows.length} rows the API returns`,
      `page ${JSON.stringify(rows)}\n     api  ${JSON.stringify(wantRows)}`);
}

// The SQL page run from its address: the rows /api/v1/sql returns, and a
// chart because the result has a time column and a numeric one, one line
// per distinct `labels`.
async function sqlPage() {
  const query = "SELECT ts, labels, value FROM samples WHERE metric = 'cpu_usage_percent' " +
    `AND ts > ${(END - 600) * 1000} AND ts <= ${END * 1000} ORDER BY ts LIMIT 30`;
  const dom = await browse('sql', `/sql?q=${encodeURIComponent(query)}`);
  const want = await api('/api/v1/sql', {query}, 'POST');
  const wantRows = want.data.rows.map((r) => r.map((v) => (v === null ? 'NULL' : html(String(v)))));
  const body = (dom.match(/<table class="result-table sql-table">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/) || [])[1] || '';
  const rows = allMatches(body, /<tr>(.*?)<\/tr>/g).map(([tr]) => allMatches(tr, /<td[^>]*>(.*?)<\/td>/g).map((m) => m[0]));
  check(wantRows.length > 0, 'the SQL query has rows');
  check(JSON.stringify(rows) === JSON.stringify(wantRows), `sql: the ${wantRows.length} rows /api/v1/sql returns`,
      `page ${JSON.stringify(rows.slice(0, 3))}...\n     api  ${JSON.stringify(wantRows.slice(0, 3))}...`);
  check(/<div class="uplot[^"]*">[\s\S]*?<canvas /.test(dom), 'sql: a chart of ts and value');
  const series = [...new Set(want.data.rows.map((r) => promName(JSON.parse(r[1]))))];
  const legend = allMatches(dom, /<div class="u-label">(.*?)<\/div>/g).map((m) => m[0]);
  check(JSON.stringify(legend) === JSON.stringify(['Time', ...series.map(html)]),
      `sql: one line per distinct labels (${series.length})`, `legend ${JSON.stringify(legend)}`);
}

// An expression that does not parse: the API's error, in the red box.
async function invalidExpression() {
  const expr = 'rate(cpu_usage_percent[5m]';
  const dom = await browse('error', `/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0&g0.range_input=1h` +
    `&g0.end_input=${encodeURIComponent(END_INPUT)}`);
  const want = await api('/api/v1/query_range', {query: expr, start: END - 3600, end: END, step: 14});
  check(want.status === 'error' && want.error, 'the API refuses the expression');
  const box = `<div class="alert alert-error" role="alert"><strong class="error-type">${html(want.errorType)}</strong>: ` +
    `<span class="error-text">${html(want.error)}</span></div>`;
  check(dom.includes(box), 'error: the API\'s error text in the red box', `wanted ${box}`);
  check(/data-state="error"/.test(dom), 'error: the panel says it failed');
}

// Without the token the page still loads, and says what the API says.
async function withoutToken() {
  const dom = await browse('no_token', `/graph?g0.expr=up&g0.tab=1`, {withToken: false});
  check(dom.includes('a valid bearer token is required'), 'no token: the 401 is shown, the page loaded');
}

// Hovering the chart: the legend shows the time under the pointer and each
// series' value there, the values the range query has at that time. Then
// typing in the expression field: metric-name completion.
async function hover() {
  const expr = 'cpu_usage_percent';
  const url = `${base}/graph?g0.expr=${expr}&g0.range_input=1h&g0.end_input=${encodeURIComponent(END_INPUT)}` +
    `&token=${token}`;
  const session = await webdriver('POST', '/session', {capabilities: {alwaysMatch: {
    'goog:chromeOptions': {binary: chromium, args: ['--headless', '--no-sandbox', '--disable-gpu',
      '--window-size=1280,900', `--user-data-dir=${work}/profile-hover`]},
  }}});
  const s = `/session/${session.sessionId}`;
  try {
    await webdriver('POST', `${s}/url`, {url});
    const run = (script) => webdriver('POST', `${s}/execute/sync`, {script, args: []});
    let state = '';
    for (let i = 0; i < 300 && state !== 'done' && state !== 'error'; i++) {
      state = await run("return document.querySelector('.panel').dataset.state");
      if (state !== 'done') await new Promise((r) => setTimeout(r, 100));
    }
    check(state === 'done', 'hover: the graph loaded in chromium driven by chromedriver');
    const over = await webdriver('POST', `${s}/element`, {using: 'css selector', value: '.u-over'});
    // Left of the centre by a fifth: any point of the plot will do.
    await webdriver('POST', `${s}/actions`, {actions: [{type: 'pointer', id: 'mouse',
      parameters: {pointerType: 'mouse'}, actions: [
        {type: 'pointerMove', duration: 0, origin: over, x: -200, y: 0}]}]});
    const legend = await run("return [...document.querySelectorAll('.u-legend .u-series')].map(" +
      "(tr) => [tr.querySelector('.u-label').textContent, tr.querySelector('.u-value').textContent])");
    const shot = await webdriver('GET', `${s}/screenshot`);
    writeFileSync(`${artefacts}/console_hover.png`, Buffer.from(shot, 'base64'));

    const [timeLabel, timeText] = legend[0];
    const t = Date.parse(timeText.replace(' ', 'T') + 'Z') / 1000;
    check(timeLabel === 'Time' && t > END - 3600 && t <= END, `hover: the legend shows the time ${timeText} (UTC)`);
    const want = await api('/api/v1/query_range', {query: expr, start: END - 3600, end: END, step: 14});
    const at = new Map(want.data.result.map((r) => [promName(r.metric), new Map(r.values.map(([ts, v]) => [ts, v]))]));
    const rows = legend.slice(1);
    const bad = rows.filter(([name, shown]) => {
      const v = Number((at.get(name) || new Map()).get(t));
      return !(Math.abs(Number(shown) - v) <= 1e-6 * Math.max(1, Math.abs(v)));
    });
    check(rows.length === want.data.result.length && !bad.length,
        `hover: each of the ${rows.length} series' value at that time, as the API gives it`,
        `legend ${JSON.stringify(legend)}`);

    // Completion: typing a metric name's start inside a function call
    // offers the names /api/v1/label/__name__/values has; Tab takes one.
    const field = await webdriver('POST', `${s}/element`, {using: 'css selector', value: 'input.expr'});
    const id = Object.values(field)[0];
    await webdriver('POST', `${s}/element/${id}/clear`, {});
    await webdriver('POST', `${s}/element/${id}/value`, {text: 'rate(cpu_u'});
    const offered = await run("return [...document.querySelectorAll('.completions li')].map((li) => li.textContent)");
    writeFileSync(`${artefacts}/console_completion.png`,
        Buffer.from(await webdriver('GET', `${s}/screenshot`), 'base64'));
    check(JSON.stringify(offered) === JSON.stringify(['cpu_usage_percent']),
        'completion: "rate(cpu_u" offers cpu_usage_percent', JSON.stringify(offered));
    await webdriver('POST', `${s}/element/${id}/value`, {text: '\uE004'});  // Tab
    const value = await run("return document.querySelector('input.expr').value");
    check(value === 'rate(cpu_usage_percent', 'completion: Tab takes the name', value);
  } finally {
    await webdriver('DELETE', s);
  }
}

// overtone's pages with /api/v1/rules and /api/v1/alerts answered by
// Prometheus: the console shows what Prometheus's format says.
async function rulesFromPrometheus() {
  let want;
  for (let i = 0; i < 300; i++) {  // until every rule has been evaluated
    want = await request(`${prometheus}/api/v1/rules`);
    const rules = want.data.groups.flatMap((g) => g.rules);
    if (rules.length === 4 && rules.every((r) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const alerts = await request(`${prometheus}/api/v1/alerts`);
  const proxy = http.createServer((req, res) => {
    const target = /^\/api\/v1\/(rules|alerts)\b/.test(req.url) ? prometheus : serverBase;
    const up = http.request(target + req.url, {method: req.method, headers: req.headers, agent: false}, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${proxy.address().port}`;
  try {
    const dom = await browse('rules_prometheus', '/rules');
    const rules = want.data.groups.flatMap((g) => g.rules);
    const shown = allMatches(dom, /<div class="rule-name">(alert|record): (.*?)<\/div>/g);
    check(JSON.stringify(shown) === JSON.stringify(rules.map((r) => [r.type === 'alerting' ? 'alert' : 'record', r.name])),
        `rules: the ${rules.length} rules Prometheus lists, in order`, JSON.stringify(shown));
    const states = allMatches(dom, /<span class="badge state-(\w+)">(\w+)<\/span>/g).map((m) => m[1]);
    check(JSON.stringify(states) === JSON.stringify(rules.filter((r) => r.type === 'alerting').map((r) => r.state)),
        'rules: each alerting rule\'s state', JSON.stringify(states));
    const page = await browse('alerts_prometheus', '/alerts');
    const count = (s) => rules.filter((r) => r.type === 'alerting' && r.state === s).length;
    for (const s of ['firing', 'pending', 'inactive']) {
      check(page.includes(`<span class="badge state-${s}">${s} (${count(s)})</span>`), `alerts: ${count(s)} ${s}`);
    }
    for (const a of alerts.data.alerts) {
      check(page.includes(`<td>${html(promName(a.labels))}</td><td><span class="badge state-${a.state}">`),
          `alerts: the ${a.state} alert ${promName(a.labels)}`);
    }
  } finally {
    base = serverBase;
    proxy.close();
  }
}

async function otherPages() {
  const status = await browse('status', '/status');
  const build = await api('/api/v1/status/buildinfo', {});
  check(status.includes(`<td>${html(build.data.version)}</td>`), 'status: the build version');
  check(/<td>cpu_usage_percent<\/td><td class="num">3<\/td>/.test(status), 'status: series per metric');
  check(status.includes('<th>auth-token-file</th>'), 'status: the flags');
  const rules = await browse('rules', '/rules');
  check(/No rules/.test(rules), 'rules: no rules on a server without rule files');
  const alerts = await browse('alerts', '/alerts');
  check(/No alerting rules/.test(alerts), 'alerts: none on a server without rule files');
}

for (const step of [graphTab, hover, tableTab, sqlPage, invalidExpression, withoutToken, otherPages,
  rulesFromPrometheus]) {
  try {
    await step();
  } catch (e) {
    check(false, step.name, e.stack);
  }
}
console.log(failures ? `console browser checks: ${failures} failed` : 'console browser checks: all passed');
process.exit(failures ? 1 : 0);
