// The study page (/studies/{id}): header (state, counts, best trial,
// objective, progress), best value so far, metric curves, parallel
// coordinates, param-vs-value scatter, the PBT view when members continue
// from each other, the trials table and the study's recent events. It reads
// everything once, then follows the study's event stream: each batch of
// events re-reads the study and the trials the events named.
import { getAllPages, getJson } from './api.js';
import { Chart, chartsAvailable, chartsMissingNote } from './charts.js';
import { facts, fill, h, setCrumbs } from './dom.js';
import { chip, clock, countChips, duration, num, objective, params, when } from './format.js';
import { followStudy, whileVisible } from './live.js';
import { PbtView } from './pbt_view.js';
import { bestSoFarOption, curvesOption, parallelOption, scatterOption } from './study_charts.js';
import { StudyModel } from './study_model.js';
import { TrialsTable, trialHref } from './trials_table.js';

// Beyond this many trials named by one batch of events, every trial is read
// again page by page instead of one request per trial.
const MANY_TRIALS = 40;
const RUNNING_CURVES_MS = 10000;  // running trials' curves: metric reports carry no event
const PBT_REFRESH_MS = 5000;
const FEED_SIZE = 50;

async function loadTrials(model, id) {
  const [trials, curves] = await Promise.all([
    getAllPages(`/api/v1/studies/${id}/trials`, 'trials'),
    getAllPages(`/api/v1/studies/${id}/curves`, 'curves'),
  ]);
  model.setTrials(trials);
  model.setCurves(curves);
}

function header(model) {
  const s = model.study;
  const best = s.best;
  const done = (s.counts.completed || 0) + (s.counts.pruned || 0) + (s.counts.failed || 0);
  const searcher = s.attributes && s.attributes.searcher ? `${s.searcher} (${s.attributes.searcher})` : s.searcher;
  const p = s.progress;
  return h('section', { class: 'card', 'aria-labelledby': 'study-heading' },
    h('h1', { id: 'study-heading' }, `${s.name} `, chip(s.state)),
    facts([
      ['objective', objective(s.metric, s.mode)],
      ['searcher', searcher],
      ['scheduler', s.scheduler],
      ['trials', countChips(s.counts)],
      ['progress', h('span', {}, `${done} of ${s.max_trials} finished`,
        h('div', { class: 'bar', role: 'progressbar', 'aria-label': 'trials finished', 'aria-valuemin': 0,
                   'aria-valuemax': s.max_trials, 'aria-valuenow': done },
          h('span', { style: `width: ${Math.min(100, (100 * done) / Math.max(1, s.max_trials))}%` })))],
      ['best', best ? h('span', {}, h('a', { href: trialHref(s.id, best.trial_id) },
                                          `trial #${model.trials.get(best.trial_id)?.number ?? best.trial_id}`),
                          `: ${num(best.value)} at step ${best.step}`) : 'none completed yet'],
      ['best params', best ? params(best.params) : '—'],
      ['started', when(s.created_at)],
      p ? ['running for', `${duration(p.elapsed_s)}${p.eta_s !== null ? `, about ${duration(p.eta_s)} to go` : ''}`]
        : ['finished at', s.finished_at ? when(s.finished_at) : (s.state === 'running' ? 'not run by this server' : '—')],
    ]));
}

export async function showStudy(app, id) {
  const model = new StudyModel(await getJson(`/api/v1/studies/${id}`));
  await loadTrials(model, id);
  document.title = `${model.study.name} · autotune`;
  setCrumbs([['Studies', '/'], [model.study.name, null]]);

  const best = new Chart(`Best ${model.metric} so far over trials`);
  const curves = new Chart(`${model.metric} over steps for every trial, the best five highlighted`, { tall: true });
  const parallel = new Chart(`Parallel coordinates of params and ${model.metric} for completed trials`, { tall: true });
  const scatter = new Chart(`${model.metric} against one param for completed trials`);
  const table = new TrialsTable(id);
  const pbt = new PbtView(id);
  const feed = h('ol', { class: 'feed', 'aria-label': 'recent events, newest first' });
  const feedEmpty = h('p', { class: 'note' }, 'None yet: the study\'s transitions appear here as they happen.');
  let bestBy = 'number';
  let scatterParam = model.paramNames[0];
  const headerSlot = h('div');
  const curvesNote = h('p', { class: 'note' });
  const bestNote = h('p', { class: 'note' });

  const byPicker = h('select', { 'aria-label': 'x axis of the best-so-far chart', onchange: (e) => {
    bestBy = e.target.value;
    best.set(bestSoFarOption(model, bestBy));
  } }, h('option', { value: 'number' }, 'by trial number'), h('option', { value: 'time' }, 'by time finished'));
  const paramPicker = h('select', { 'aria-label': 'param of the scatter chart', onchange: (e) => {
    scatterParam = e.target.value;
    scatter.set(scatterOption(model, scatterParam));
  } }, model.paramNames.map((n) => h('option', { value: n }, n)));

  const bestCard = h('section', { class: 'card', 'aria-labelledby': 'best-heading' },
    h('div', { class: 'toolbar' }, h('h2', { id: 'best-heading' }, `Best ${model.metric} so far`), byPicker), best.el, bestNote);
  const curvesCard = h('section', { class: 'card', 'aria-labelledby': 'curves-heading' },
    h('h2', { id: 'curves-heading' }, `${model.metric} over steps`), curves.el, curvesNote);

  fill(app,
    headerSlot,
    chartsAvailable() ? null : chartsMissingNote(),
    h('div', { class: 'grid2' },
      bestCard, curvesCard),
    h('div', { class: 'grid2', style: 'margin-top: 1rem' },
      h('section', { class: 'card', 'aria-labelledby': 'parallel-heading' },
        h('h2', { id: 'parallel-heading' }, 'Params and objective'), parallel.el),
      h('section', { class: 'card', 'aria-labelledby': 'scatter-heading' },
        h('div', { class: 'toolbar' }, h('h2', { id: 'scatter-heading' }, `${model.metric} by param`), paramPicker), scatter.el)),
    h('div', { class: 'stack', style: 'margin-top: 1rem' }, pbt.el, table.el,
      h('section', { class: 'card', 'aria-labelledby': 'feed-heading' },
        h('h2', { id: 'feed-heading' }, 'Events since this page opened'), feedEmpty, feed)));
  pbt.el.hidden = true;

  const drawCharts = () => {
    fill(headerSlot, header(model));
    best.set(bestSoFarOption(model, bestBy));
    // Without curves (trials of one step) the best-so-far chart takes the row.
    const withCurves = model.hasCurves();
    curvesCard.hidden = !withCurves;
    bestCard.style.gridColumn = withCurves ? '' : '1 / -1';
    bestNote.textContent = withCurves ? '' : 'No trial has reported more than one step, so there are no curves over steps.';
    if (withCurves) curves.set(curvesOption(model));
    curvesNote.textContent = `Faded: every other trial. ${model.study.scheduler === 'asha' ? 'Dashed: steps where trials stopped (ASHA rungs).' : ''}`;
    parallel.set(parallelOption(model));
    if (scatterParam) scatter.set(scatterOption(model, scatterParam));
    table.update(model);
  };

  let pbtAt = 0;
  let pbtTimer = null;
  const drawPbt = async () => {
    pbtTimer = null;
    if (!model.isPbt) return;
    pbtAt = Date.now();
    const lineage = await getAllPages(`/api/v1/studies/${id}/lineage`, 'trials', { limit: 500 });
    const ranked = lineage.filter((t) => typeof t.value === 'number')
      .sort((a, b) => (model.better(a.value, b.value) ? -1 : model.better(b.value, a.value) ? 1 : 0));
    const bestId = model.study.best_trial_id ?? (ranked[0] ? ranked[0].trial_id : null);
    const bestTrial = lineage.find((t) => t.trial_id === bestId) || null;
    const bestLineage = bestTrial ? await getJson(`/api/v1/trials/${bestId}/lineage`) : null;
    pbt.el.hidden = false;
    pbt.update(model, lineage, bestTrial, bestLineage);
  };
  // At most one PBT read per PBT_REFRESH_MS; a later call is deferred.
  const schedulePbt = () => {
    if (pbtTimer) return;
    pbtTimer = setTimeout(drawPbt, Math.max(0, pbtAt + PBT_REFRESH_MS - Date.now()));
  };

  drawCharts();
  await drawPbt();

  const refresh = async (ids) => {
    model.study = await getJson(`/api/v1/studies/${id}`);
    if (ids.size > MANY_TRIALS) {
      await loadTrials(model, id);
    } else {
      const details = await Promise.all([...ids].map((t) => getJson(`/api/v1/trials/${t}`)));
      for (const d of details) model.mergeTrial(d);
    }
    drawCharts();
    schedulePbt();
  };
  const stopEvents = followStudy(id, model.study.last_event_id, {
    refresh,
    onEvent: (e) => {
      model.noteEvent(e);
      feedEmpty.hidden = true;
      feed.prepend(h('li', {}, h('time', { datetime: new Date(e.time * 1000).toISOString() }, clock(e.time)), e.detail || e.kind));
      while (feed.children.length > FEED_SIZE) feed.lastChild.remove();
    },
  });
  const stopCurves = whileVisible(RUNNING_CURVES_MS, async () => {
    if (!model.study.counts.running) return;
    model.setCurves(await getAllPages(`/api/v1/studies/${id}/curves?state=running`, 'curves'));
    curves.set(curvesOption(model));
  });
  window.addEventListener('pagehide', () => {
    stopEvents();
    stopCurves();
  });
}
