// A line chart over time with uPlot (embedded at /static/uPlot.iife.min.js):
// one line per series, the legend below naming each series, and the cursor
// showing the time and every series' value where it points.
//
//   const chart = lineChart(container, {times, series: [{label, values}]}, {joinGaps});
//   chart.destroy();
//
// `times` are Unix seconds, ascending, shown in UTC; each series' `values` has one entry
// per time, null where it has no sample: drawn as a gap, as Prometheus does, or
// bridged with `joinGaps` (raw samples of several series, each at times of
// its own, are nulls at each other's times).

import {el} from './api.js';

// Distinct hues that read on white, in the order series get them.
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
  '#bcbd22', '#17becf', '#3366cc', '#dc3912', '#109618', '#990099', '#0099c6', '#dd4477'];

const HEIGHT = 320;

// The time axis in 24-hour UTC, ISO-ordered dates. uPlot's table: tick
// spacing (s), tick format, then the format of the first tick of a new
// year, month, day, hour, minute, second, and 1 (those go below the tick).
const TIME_TICKS = [
  [3600 * 24 * 365, '{YYYY}', null, null, null, null, null, null, 1],
  [3600 * 24 * 28, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600 * 24, '{MM}-{DD}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [60, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [1, ':{ss}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
  [0.001, ':{ss}.{fff}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
];

// A value as the legend and axis show it: up to 6 significant digits, SI
// suffixes past a thousand.
export function formatValue(v) {
  if (v === null || v === undefined) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e15 || a < 1e-4)) return v.toExponential(3);
  for (const [limit, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (a >= limit) return +(v / limit).toPrecision(4) + suffix;
  }
  return String(+v.toPrecision(6));
}

export function lineChart(container, {times, series}, {joinGaps = false} = {}) {
  const width = Math.max(container.clientWidth, 300);
  const opts = {
    width,
    height: HEIGHT,
    cursor: {focus: {prox: 16}, drag: {x: true, y: false}},
    focus: {alpha: 0.35},
    legend: {live: true},
    scales: {x: {time: true}},
    // UTC, as the time fields and Prometheus's URLs are.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    series: [
      {label: 'Time', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}'},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.5,
        spanGaps: joinGaps,
        value: (u, v) => formatValue(v),
      })),
    ],
    axes: [
      {values: TIME_TICKS},
      {size: 60, values: (u, splits) => splits.map(formatValue)},
    ],
  };
  const root = el('div', {class: 'chart'});
  container.append(root);
  const plot = new uPlot(opts, [times, ...series.map((s) => s.values)], root);

  // Follows the container's width (a window resize, the scrollbar appearing).
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const w = Math.max(container.clientWidth, 300);
      if (w !== plot.width) plot.setSize({width: w, height: HEIGHT});
    });
  });
  observer.observe(container);
  return {
    destroy() {
      observer.disconnect();
      cancelAnimationFrame(frame);
      plot.destroy();
      root.remove();
    },
  };
}

// Rows of (time, value) per series, merged onto one ascending time axis.
// `points` is a list of {label, samples: [[t, value|null], ...]}.
export function alignSeries(points) {
  const all = new Set();
  for (const p of points) for (const [t] of p.samples) all.add(t);
  const times = [...all].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const series = points.map((p) => {
    const values = new Array(times.length).fill(null);
    for (const [t, v] of p.samples) values[index.get(t)] = v;
    return {label: p.label, values};
  });
  return {times, series};
}
