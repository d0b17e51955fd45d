// The trial view (/studies/{id}?trial={trial}): state, value, lineage
// (parent, generation, and the segments its model was trained by across
// PBT exploits), its metrics over steps, the params of each segment (changes
// shaded), every segment with its try, state, exit status, value and error,
// and the last segment's output. Follows the study's events and reads the
// trial again when one names it.
import { getJson } from './api.js';
import { Chart, PALETTE, chartsAvailable, chartsMissingNote, valueAxis } from './charts.js';
import { facts, fill, h, setCrumbs } from './dom.js';
import { chip, num } from './format.js';
import { followStudy } from './live.js';
import { trialHref } from './trials_table.js';

function metricsOption(trial, name) {
  return {
    grid: { left: 64, right: 24, top: 24, bottom: 48 },
    tooltip: { trigger: 'axis' },
    xAxis: valueAxis('step', { nameGap: 28, scale: false, min: 0 }),
    yAxis: valueAxis(name),
    series: [{ type: 'line', name, showSymbol: trial.metrics.length < 60, itemStyle: { color: PALETTE[0] },
               data: trial.metrics.filter((p) => name in p.metrics).map((p) => [p.step, p.metrics[name]]) }],
  };
}

function paramsTable(trial, names) {
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', { class: 'muted' }, 'The params each segment ran with; shaded where they changed from the segment before'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, 'steps'), h('th', { scope: 'col', class: 'num' }, 'try'),
      names.map((n) => h('th', { scope: 'col', class: 'num' }, n)))),
    h('tbody', {}, trial.segments.map((s, i) => h('tr', {},
      h('td', { class: 'num' }, `${s.step_begin}–${s.step_end}`),
      h('td', { class: 'num' }, String(s.attempt + 1)),
      names.map((n) => {
        const changed = i > 0 && trial.segments[i - 1].params[n] !== s.params[n];
        return h('td', { class: changed ? 'num changed' : 'num' }, num(s.params[n]));
      }))))));
}

// A link to another trial of the study, by number when `numbers` knows it.
function trialLink(studyId, id, numbers) {
  return h('a', { href: trialHref(studyId, id) }, numbers.has(id) ? `trial #${numbers.get(id)}` : `trial id ${id}`);
}

function segmentsTable(studyId, trial, metric, numbers) {
  const from = (s) => (s.source_trial_id === null ? 'fresh start'
    : s.source_trial_id === trial.trial_id ? 'own checkpoint' : trialLink(studyId, s.source_trial_id, numbers));
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', { class: 'muted' }, 'Every run of the trial program: a try per step range, retries after failures'),
    h('thead', {}, h('tr', {}, ['steps', 'try', 'state', 'exit', metric, 'resumed from', 'error']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, trial.segments.map((s) => h('tr', { 'data-segment': s.segment_id },
      h('td', { class: 'num' }, `${s.step_begin}–${s.step_end}`),
      h('td', { class: 'num' }, String(s.attempt + 1)),
      h('td', {}, chip(s.state === 'cancelled' ? 'pending' : s.state, s.state)),
      h('td', { class: 'num' }, s.state === 'running' ? '—' : String(s.exit_code)),
      h('td', { class: 'num' }, num(s.value)),
      h('td', {}, from(s)),
      h('td', {}, s.error || ''))))));
}

function lineageTable(studyId, trial, lineage, names) {
  if (lineage.links.length === 0) return h('p', { class: 'note' }, 'No completed segment yet.');
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', { class: 'muted' }, 'The segments this trial\'s model was trained by, oldest first, across the checkpoints it continued from'),
    h('thead', {}, h('tr', {}, ['steps', 'trained by', ...names, 'value'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, lineage.links.map((l) => h('tr', {},
      h('td', { class: 'num' }, `${l.step_begin}–${l.step_end}`),
      h('td', {}, l.trial_id === trial.trial_id ? `this trial (#${l.number})`
        : h('a', { href: trialHref(studyId, l.trial_id) }, `trial #${l.number}`)),
      names.map((n) => h('td', { class: 'num' }, num(l.params[n]))),
      h('td', { class: 'num' }, num(l.value)))))));
}

export async function showTrial(app, studyId, trialId) {
  const study = await getJson(`/api/v1/studies/${studyId}`);
  const names = Object.keys((study.spec && study.spec.space) || {});
  const chart = new Chart(`The trial's metrics over steps`);
  let metric = study.metric;
  let trial = null;

  const render = async () => {
    const [t, lineage] = await Promise.all([getJson(`/api/v1/trials/${trialId}`),
                                             getJson(`/api/v1/trials/${trialId}/lineage`)]);
    if (t.study_id !== study.id) throw new Error(`trial ${trialId} belongs to another study (${t.study_id})`);
    trial = t;
    document.title = `trial #${t.number} · ${study.name} · autotune`;
    setCrumbs([['Studies', '/'], [study.name, `/studies/${study.id}`], [`Trial #${t.number}`, null]]);
    // Numbers of the trials this page links to: the lineage's, else read.
    const numbers = new Map(lineage.links.map((l) => [l.trial_id, l.number]));
    const others = new Set([t.parent_id, ...t.segments.map((s) => s.source_trial_id)]);
    for (const o of others) {
      if (o !== null && o !== t.trial_id && !numbers.has(o)) numbers.set(o, (await getJson(`/api/v1/trials/${o}`)).number);
    }
    const metricNames = [...new Set(t.metrics.flatMap((p) => Object.keys(p.metrics)))].sort();
    if (!metricNames.includes(metric) && metricNames.length) metric = metricNames[0];
    const picker = h('select', { 'aria-label': 'metric to chart', onchange: (e) => {
      metric = e.target.value;
      chart.set(metricsOption(trial, metric));
    } }, metricNames.map((m) => h('option', { value: m, selected: m === metric }, m)));
    const last = t.segments[t.segments.length - 1];
    fill(app,
      h('section', { class: 'card', 'aria-labelledby': 'trial-heading' },
        h('h1', { id: 'trial-heading' }, `Trial #${t.number} `, chip(t.state)),
        facts([
          ['study', h('a', { href: `/studies/${study.id}` }, study.name)],
          ['trial id', String(t.trial_id)],
          [study.metric, num(t.value)],
          ['step', String(t.step)],
          ['parent', t.parent_id === null ? 'none' : trialLink(study.id, t.parent_id, numbers)],
          ['generation', String(t.generation)],
          ['segments', String(t.segments.length)],
        ]),
        t.error ? h('p', { class: 'note', role: 'alert' }, `Error: ${t.error}`) : null),
      chartsAvailable() ? null : chartsMissingNote(),
      h('section', { class: 'card', 'aria-labelledby': 'metrics-heading' },
        h('div', { class: 'toolbar' }, h('h2', { id: 'metrics-heading' }, 'Metrics'), metricNames.length ? picker : null),
        metricNames.length ? chart.el : h('p', { class: 'note' }, 'No metrics reported yet.')),
      h('section', { class: 'card', 'aria-labelledby': 'lineage-heading' },
        h('h2', { id: 'lineage-heading' }, 'Lineage'), lineageTable(study.id, t, lineage, names)),
      h('section', { class: 'card', 'aria-labelledby': 'params-heading' },
        h('h2', { id: 'params-heading' }, 'Params history'), paramsTable(t, names)),
      h('section', { class: 'card', 'aria-labelledby': 'segments-heading' },
        h('h2', { id: 'segments-heading' }, 'Segments'), segmentsTable(study.id, t, study.metric, numbers)),
      last && last.log_tail ? h('section', { class: 'card' }, h('details', {},
        h('summary', {}, `Output of the last segment (steps ${last.step_begin}–${last.step_end}, try ${last.attempt + 1})`),
        h('pre', { class: 'log' }, last.log_tail))) : null);
    if (metricNames.length) chart.set(metricsOption(t, metric));
  };

  await render();
  const stop = followStudy(study.id, study.last_event_id, {
    refresh: async (ids) => {
      if (ids.has(Number(trialId))) await render();
    },
  });
  window.addEventListener('pagehide', stop);
}
