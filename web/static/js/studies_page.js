// The studies page (/): every study of the store with its state, trials by
// state, progress against its budget, best value, searcher and scheduler.
// Read again every REFRESH_MS while the page is visible: a browser keeps
// only a few connections per server open, so this page does not hold an
// event stream per study.
import { getAllPages } from './api.js';
import { fill, h } from './dom.js';
import { chip, countChips, num, objective, when } from './format.js';
import { showLiveStatus, whileVisible } from './live.js';

const REFRESH_MS = 5000;

function row(s) {
  const done = (s.counts.completed || 0) + (s.counts.pruned || 0) + (s.counts.failed || 0);
  const pct = Math.min(100, (100 * done) / Math.max(1, s.max_trials));
  return h('tr', { 'data-study': s.id },
    h('th', { scope: 'row' }, h('a', { href: `/studies/${s.id}` }, s.name)),
    h('td', {}, chip(s.state), s.running_here ? null : h('span', { class: 'muted' }, s.state === 'running' ? ' (not here)' : '')),
    h('td', {}, countChips(s.counts)),
    h('td', {}, h('div', { class: 'bar', role: 'progressbar', 'aria-label': `${s.name}: trials finished`,
                           'aria-valuemin': 0, 'aria-valuemax': s.max_trials, 'aria-valuenow': done },
      h('span', { style: `width: ${pct}%` })), h('span', { class: 'muted' }, `${done} of ${s.max_trials}`)),
    h('td', { class: 'num' }, num(s.best_value)),
    h('td', {}, objective(s.metric, s.mode)),
    h('td', {}, s.searcher),
    h('td', {}, s.scheduler),
    h('td', { class: 'num' }, when(s.created_at)));
}

function render(app, studies) {
  const running = studies.filter((s) => s.state === 'running').length;
  fill(app, h('section', { class: 'card', 'aria-labelledby': 'studies-heading' },
    h('h1', { id: 'studies-heading' }, 'Studies'),
    h('p', { class: 'note' }, `${studies.length} stud${studies.length === 1 ? 'y' : 'ies'}, ${running} running.`),
    studies.length === 0
      ? h('p', {}, 'No studies yet. Submit one with ', h('code', {}, 'autotune submit SPEC.json --server URL'),
          ' or POST it to ', h('code', {}, '/api/v1/studies'), '.')
      : h('div', { class: 'scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, ['study', 'state', 'trials', 'finished', 'best', 'objective', 'searcher', 'scheduler', 'created']
          .map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, [...studies].reverse().map(row))))));
}

export async function showStudies(app) {
  document.title = 'Studies · autotune';
  const load = async () => {
    const studies = await getAllPages('/api/v1/studies', 'studies');
    render(app, studies);
    showLiveStatus(true);
  };
  await load();
  const stop = whileVisible(REFRESH_MS, () => load().catch((e) => {
    showLiveStatus(false);
    throw e;
  }));
  window.addEventListener('pagehide', stop);
}
