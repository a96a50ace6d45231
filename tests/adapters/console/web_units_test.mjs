// The console's pure functions under node's test runner: durations and
// times as the fields and Prometheus's URLs write them, series names, the
// panel parameters of /graph, which SQL results become charts, and value
// formatting. The modules touch the DOM only when their pages are shown, so
// node can import them as the browser does.
//
//   node --test tests/adapters/console/web_units_test.mjs

import assert from 'node:assert/strict';
import {test} from 'node:test';

import {chartValue, formatDuration, formatTime, parseDuration, parseTime, seriesName} from '../../../web/api.js';
import {alignSeries, formatValue} from '../../../web/chart.js';
import {candidates, wordAt} from '../../../web/complete.js';
import {panelsFromUrl, urlForPanels} from '../../../web/graph.js';
import {chartPlan, chartSeries} from '../../../web/sql.js';

test('durations: Prometheus units, compound, plain seconds', () => {
  assert.equal(parseDuration('1h'), 3600e3);
  assert.equal(parseDuration('1h30m'), 5400e3);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2w'), 14 * 86400e3);
  assert.equal(parseDuration('15'), 15e3);
  assert.equal(parseDuration('0.5'), 500);
  assert.ok(Number.isNaN(parseDuration('1x')));
  assert.ok(Number.isNaN(parseDuration('h')));
  assert.ok(Number.isNaN(parseDuration('1h 5m')));
  assert.equal(formatDuration(5400e3), '1h30m');
  assert.equal(formatDuration(14e3), '14s');
  assert.equal(formatDuration(0), '0s');
});

test('times: UTC fields, RFC 3339, Unix seconds', () => {
  assert.equal(parseTime('2024-05-01 12:00:00'), 1714564800);
  assert.equal(parseTime('2024-05-01 12:00'), 1714564800);
  assert.equal(parseTime('2024-05-01T12:00:00.5'), 1714564800.5);
  assert.equal(parseTime('2024-05-01T14:00:00+02:00'), 1714564800);
  assert.equal(parseTime('1714564800'), 1714564800);
  assert.ok(Number.isNaN(parseTime('yesterday')));
  assert.equal(formatTime(1714564800), '2024-05-01 12:00:00');
  assert.equal(formatTime(1714564800.25), '2024-05-01 12:00:00.250');
});

test('series names as PromQL writes them', () => {
  assert.equal(seriesName({__name__: 'up', job: 'api', instance: 'a:1'}), 'up{instance="a:1", job="api"}');
  assert.equal(seriesName({__name__: 'up'}), 'up');
  assert.equal(seriesName({job: 'api'}), '{job="api"}');
  assert.equal(seriesName({}), '{}');
  assert.equal(seriesName({path: 'a"b\\c'}), '{path="a\\"b\\\\c"}');
});

test('sample values: non-finite ones are gaps in a chart', () => {
  assert.equal(chartValue('1.5'), 1.5);
  assert.equal(chartValue('NaN'), null);
  assert.equal(chartValue('+Inf'), null);
  assert.equal(chartValue('-Inf'), null);
});

test("/graph's parameters: Prometheus's names, several panels, defaults", () => {
  const panels = panelsFromUrl('?g0.expr=rate(x%5B5m%5D)&g0.tab=1&g0.moment_input=2024-05-01%2012:00:00' +
    '&g1.expr=up&g1.range_input=6h&g1.end_input=1714564800&g1.step_input=60&token=t');
  assert.deepEqual(panels, [
    {expr: 'rate(x[5m])', tab: 1, range: '1h', end: '', step: '', moment: '2024-05-01 12:00:00'},
    {expr: 'up', tab: 0, range: '6h', end: '1714564800', step: '60', moment: ''},
  ]);
  assert.deepEqual(panelsFromUrl(urlForPanels(panels).slice('/graph'.length)), panels);
  assert.match(urlForPanels(panels), /^\/graph\?g0\.expr=rate%28x%5B5m%5D%29&g0\.tab=1&g0\.range_input=1h/);
  assert.deepEqual(panelsFromUrl(''), [{expr: '', tab: 0, range: '1h', end: '', step: '', moment: ''}]);
  // Panels in index order, whatever the order of the parameters.
  assert.deepEqual(panelsFromUrl('?g10.expr=b&g2.expr=a').map((p) => p.expr), ['a', 'b']);
});

test('SQL results that make a chart: a time column and numeric columns', () => {
  const columns = ['ts', 'labels', 'value'];
  const rows = [[1714564800000, '{"host":"a"}', 1], [1714564800000, '{"host":"b"}', 2],
    [1714564815000, '{"host":"a"}', '+Inf'], [1714564815000, '{"host":"b"}', null]];
  const plan = chartPlan(columns, rows);
  assert.deepEqual(plan, {timeIdx: 0, valueIdx: [2], keyIdx: [1]});
  assert.deepEqual(chartSeries(columns, rows, plan), [
    {label: '{host="a"}', samples: [[1714564800, 1], [1714564815, null]]},
    {label: '{host="b"}', samples: [[1714564800, 2], [1714564815, null]]},
  ]);
  // Seconds stay seconds; several numeric columns are named.
  const two = chartPlan(['time', 'min', 'max'], [[100, 1, 2]]);
  assert.deepEqual(chartSeries(['time', 'min', 'max'], [[100, 1, 2]], two),
      [{label: 'min', samples: [[100, 1]]}, {label: 'max', samples: [[100, 2]]}]);
  assert.equal(chartPlan(['metric', 'n'], [['up', 3]]), null);  // no time column
  assert.equal(chartPlan(['ts', 'labels'], [[1, '{}']]), null);  // nothing numeric
  assert.equal(chartPlan(['ts', 'value'], []), null);
});

test('series merged onto one time axis', () => {
  assert.deepEqual(alignSeries([{label: 'a', samples: [[1, 10], [3, 30]]}, {label: 'b', samples: [[2, 20]]}]), {
    times: [1, 2, 3],
    series: [{label: 'a', values: [10, null, 30]}, {label: 'b', values: [null, 20, null]}],
  });
});

test('values on axes and in the legend', () => {
  assert.equal(formatValue(54.62), '54.62');
  assert.equal(formatValue(0.1 + 0.2), '0.3');
  assert.equal(formatValue(1500), '1.5k');
  assert.equal(formatValue(7586062336), '7.586G');
  assert.equal(formatValue(-2e6), '-2M');
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(1e-6), '1.000e-6');
  assert.equal(formatValue(null), '–');
});

test('completion: the name at the caret, prefix matches first', () => {
  assert.deepEqual(wordAt('rate(cpu_u', 10), [5, 'cpu_u']);
  assert.deepEqual(wordAt('sum(x) / job:up', 15), [9, 'job:up']);
  assert.deepEqual(wordAt('rate(', 5), [5, '']);
  assert.deepEqual(wordAt('up[5m', 5), [5, '']);  // a duration's unit
  assert.deepEqual(wordAt('up{job="ap', 10), [10, '']);  // a label value
  assert.deepEqual(wordAt('up{jo', 5), [5, '']);  // a label name
  assert.deepEqual(wordAt('up{job="a"} + no', 16), [14, 'no']);
  const names = ['cpu_usage_percent', 'db_connections', 'node_cpu_seconds_total', 'cpu'];
  assert.deepEqual(candidates(names, 'cpu'), ['cpu_usage_percent', 'node_cpu_seconds_total']);
  assert.deepEqual(candidates(names, 'CONN'), ['db_connections']);
  assert.deepEqual(candidates(names, ''), []);
});
