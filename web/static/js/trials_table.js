// The study's trials as a table: sortable by every column (click a header;
// the best value first by default), filtered by state, PAGE_SIZE rows a
// page. update(model) redraws it keeping sort, filter and page.
import { fill, h } from './dom.js';
import { TRIAL_STATES, chip, num } from './format.js';

export const PAGE_SIZE = 25;

export function trialHref(studyId, trialId) {
  return `/studies/${studyId}?trial=${trialId}`;
}

// Compares two sort keys; null and undefined sort last in both directions.
function compare(a, b, dir) {
  const missing = (v) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  if (missing(a) || missing(b)) return missing(a) - missing(b);
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return dir === 'ascending' ? c : -c;
}

export class TrialsTable {
  constructor(studyId) {
    this.studyId = studyId;
    this.sort = null;  // {key, dir}; null until the model's mode is known
    this.state = '';
    this.page = 0;
    this.model = null;
    this.el = h('section', { class: 'card', 'aria-labelledby': 'trials-heading' });
  }

  columns(model) {
    const parentNumber = (t) => (t.parent_id === null ? null : model.trials.get(t.parent_id)?.number ?? t.parent_id);
    const cols = [
      { key: 'number', label: '#', get: (t) => t.number,
        cell: (t) => h('a', { href: trialHref(this.studyId, t.trial_id), 'aria-label': `trial ${t.number}` }, `#${t.number}`) },
      { key: 'state', label: 'state', get: (t) => t.state, cell: (t) => chip(t.state) },
      { key: 'value', label: model.metric, num: true, get: (t) => t.value, cell: (t) => num(t.value) },
      { key: 'step', label: 'step', num: true, get: (t) => t.step, cell: (t) => String(t.step) },
    ];
    for (const name of model.paramNames) {
      cols.push({ key: `param:${name}`, label: name, num: model.space[name].type !== 'categorical',
                  get: (t) => t.params[name], cell: (t) => num(t.params[name]) });
    }
    cols.push(
      { key: 'parent', label: 'parent', get: parentNumber,
        cell: (t) => (t.parent_id === null ? '—'
          : h('a', { href: trialHref(this.studyId, t.parent_id) }, `#${parentNumber(t)}`)) },
      { key: 'generation', label: 'gen', num: true, get: (t) => t.generation, cell: (t) => String(t.generation) },
    );
    return cols;
  }

  update(model) {
    this.model = model;
    if (!this.sort) this.sort = { key: 'value', dir: model.mode === 'max' ? 'descending' : 'ascending' };
    const cols = this.columns(model);
    const col = cols.find((c) => c.key === this.sort.key) || cols[0];
    const rows = model.trialList().filter((t) => !this.state || t.state === this.state);
    rows.sort((a, b) => compare(col.get(a), col.get(b), this.sort.dir) || a.number - b.number);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    this.page = Math.min(this.page, pages - 1);
    const shown = rows.slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
    const bestId = model.study.best_trial_id;

    const header = h('tr', {}, cols.map((c) => h('th', {
      scope: 'col', class: c.num ? 'num' : null, 'aria-sort': c.key === this.sort.key ? this.sort.dir : null,
    }, h('button', { type: 'button', onclick: () => this.sortBy(c.key) }, c.label))));
    const body = shown.map((t) => h('tr', { class: t.trial_id === bestId ? 'best' : null, 'data-trial': t.trial_id },
      cols.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(t)))));
    const filter = h('select', { 'aria-label': 'show trials in state', onchange: (e) => {
      this.state = e.target.value;
      this.page = 0;
      this.update(this.model);
    } }, h('option', { value: '' }, 'all states'),
    TRIAL_STATES.map((s) => h('option', { value: s, selected: s === this.state }, s)));

    fill(this.el,
      h('div', { class: 'toolbar' }, h('h2', { id: 'trials-heading' }, 'Trials'), filter),
      h('div', { class: 'scroll' }, h('table', {},
        h('caption', { class: 'muted' },
          `${rows.length} trial${rows.length === 1 ? '' : 's'}${this.state ? ` ${this.state}` : ''}; the best is shaded`),
        h('thead', {}, header),
        h('tbody', {}, body.length ? body : h('tr', {}, h('td', { colspan: cols.length, class: 'muted' }, 'none'))))),
      h('nav', { class: 'pager', 'aria-label': 'trial pages' },
        h('button', { type: 'button', disabled: this.page === 0, onclick: () => this.go(-1) }, 'Previous'),
        h('span', { 'aria-live': 'polite' }, `page ${this.page + 1} of ${pages}`),
        h('button', { type: 'button', disabled: this.page >= pages - 1, onclick: () => this.go(1) }, 'Next')));
  }

  sortBy(key) {
    if (this.sort.key === key) {
      this.sort.dir = this.sort.dir === 'ascending' ? 'descending' : 'ascending';
    } else {
      this.sort = { key, dir: 'ascending' };
    }
    this.page = 0;
    this.update(this.model);
    this.el.querySelector('th[aria-sort] button')?.focus();
  }

  go(delta) {
    this.page += delta;
    this.update(this.model);
  }
}
