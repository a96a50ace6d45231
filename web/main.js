// The console's entry: the token field, the metric names for completion, and which
// page the address names. Every page is this one document; the navigation
// links switch pages without loading it again.

import {adoptTokenFromUrl, loadMetricNames, setToken, token} from './api.js';
import {renderGraph} from './graph.js';
import {renderAlerts, renderRules, renderStatus} from './pages.js';
import {renderSql} from './sql.js';

const PAGES = {
  '/graph': renderGraph,
  '/sql': renderSql,
  '/rules': renderRules,
  '/alerts': renderAlerts,
  '/status': renderStatus,
};

let current = null;  // the page shown: destroy() stops its requests and charts

function show() {
  const main = document.getElementById('page');
  if (current && current.destroy) current.destroy();
  main.replaceChildren();
  const render = PAGES[location.pathname] || renderGraph;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === location.pathname);
  }
  document.title = 'overtone · ' + (location.pathname.slice(1) || 'graph');
  const page = render(main);
  current = page instanceof Promise ? null : page;
}

function setUpToken() {
  adoptTokenFromUrl();
  const input = document.getElementById('token');
  input.value = token();
  input.addEventListener('change', () => {
    setToken(input.value.trim());
    loadMetricNames();
    show();
  });
}

setUpToken();
document.getElementById('nav').addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  if (a.getAttribute('href') !== location.pathname) history.pushState(null, '', a.getAttribute('href'));
  show();
});
window.addEventListener('popstate', show);
show();
loadMetricNames();
