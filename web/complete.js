// Metric-name completion inside a PromQL expression: the name being typed
// at the caret (also inside `rate(...)`, after an operator) is completed
// from /api/v1/label/__name__/values. A list under the field offers the
// names that start with it (then those that contain it); ↑/↓ choose, Tab
// or Enter takes one, Escape closes. Enter with the list closed runs the
// query, as before.
//
//   attachCompletion(input, () => metricNames);   // input must be in the DOM

import {el} from './api.js';

const MAX_SHOWN = 12;

// The metric name being typed at `caret` in `text`: [start, word]; word is
// "" where no name goes (a duration's unit, inside {...} or a string).
export function wordAt(text, caret) {
  const before = text.slice(0, caret);
  const count = (re) => (before.match(re) || []).length;
  if (count(/\{/g) > count(/\}/g) || count(/"/g) % 2) return [caret, ''];
  const m = before.match(/(?:^|[^a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*)$/);
  return m ? [caret - m[1].length, m[1]] : [caret, ''];
}

// The names to offer for `word`: prefix matches first, then the others
// that contain it, each group in the given order.
export function candidates(names, word) {
  if (!word) return [];
  const w = word.toLowerCase();
  const starts = [];
  const contains = [];
  for (const n of names) {
    const l = n.toLowerCase();
    if (l === w) continue;
    if (l.startsWith(w)) starts.push(n);
    else if (l.includes(w)) contains.push(n);
  }
  return [...starts, ...contains].slice(0, MAX_SHOWN);
}

export function attachCompletion(input, names) {
  // The field and its list in a box of their own, the list under the field.
  const list = el('ul', {class: 'completions', role: 'listbox', hidden: true});
  const box = el('div', {class: 'completion-box'});
  input.replaceWith(box);
  box.append(input, list);
  let shown = [];
  let active = 0;

  function close() {
    list.hidden = true;
    shown = [];
  }

  function render() {
    list.replaceChildren(...shown.map((n, i) => el('li', {
      role: 'option', class: i === active ? 'active' : '', 'aria-selected': String(i === active),
      onmousedown: (e) => {
        e.preventDefault();  // keeps the focus in the field
        take(i);
      },
    }, n)));
    list.hidden = shown.length === 0;
  }

  function update() {
    const [, word] = wordAt(input.value, input.selectionStart);
    shown = candidates(names(), word);
    active = 0;
    render();
  }

  function take(i) {
    const caret = input.selectionStart;
    const [start] = wordAt(input.value, caret);
    input.value = input.value.slice(0, start) + shown[i] + input.value.slice(caret);
    const at = start + shown[i].length;
    input.setSelectionRange(at, at);
    close();
  }

  input.addEventListener('input', update);
  input.addEventListener('blur', close);
  // Runs before the field's own Enter handler (capture), so that Enter
  // with the list open takes a name instead of running the query.
  input.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      active = (active + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      take(active);
    } else if (e.key === 'Escape') {
      close();
    } else {
      return;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
  }, true);
}
