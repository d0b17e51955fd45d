// DOM helpers. Contract: text from the server only ever becomes text nodes or
// attribute values, never HTML, so a study or param name cannot inject markup.

// h(tag, attrs, ...children) builds an element. attrs: "class", "text" (the
// text content), on<event> functions, properties the element has (value,
// disabled, ...) and any other attribute. children: nodes, strings (text),
// numbers, arrays of those; null, undefined and false are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces el's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// The header's breadcrumb trail: [text, href] pairs, the last (href null)
// the current page.
export function setCrumbs(items) {
  fill(document.getElementById('crumbs'), items.map(([text, href]) =>
    h('li', {}, href ? h('a', { href }, text) : h('span', { 'aria-current': 'page' }, text))));
}

// A <dl class="facts"> of [label, value] pairs (value: node or text).
export function facts(pairs) {
  return h('dl', { class: 'facts' },
    pairs.map(([label, value]) => h('div', {}, h('dt', { text: label }), h('dd', {}, value))));
}
