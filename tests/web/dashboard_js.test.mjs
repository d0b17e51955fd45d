// The dashboard's data logic in Node, without a browser: the study model
// (ranking, best so far, ASHA stop steps, merging a re-read trial) and the
// PBT view's lanes and exploit edges; number formatting.
//   node tests/web/dashboard_js.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { duration, esc, num } from '../../web/static/js/format.js';
import { assignLanes, exploits } from '../../web/static/js/pbt_view.js';
import { StudyModel } from '../../web/static/js/study_model.js';

const trial = (id, number, state, value, extra = {}) => ({
  trial_id: id, number, state, value, step: 1, params: { x: number }, parent_id: null, generation: 0, ...extra,
});

function model(mode, trials) {
  const m = new StudyModel({ id: 1, metric: 'loss', mode, scheduler: 'none', spec: { space: { x: { type: 'float' } } } });
  m.setTrials(trials);
  return m;
}

test('completed trials rank best first for either mode, ties by number, others left out', () => {
  const trials = [trial(1, 0, 'completed', 3), trial(2, 1, 'completed', 1), trial(3, 2, 'running', null),
                  trial(4, 3, 'completed', 1), trial(5, 4, 'pruned', 0.5), trial(6, 5, 'completed', null)];
  assert.deepEqual(model('min', trials).ranked().map((t) => t.trial_id), [2, 4, 1]);
  assert.deepEqual(model('max', trials).ranked().map((t) => t.trial_id), [1, 2, 4]);
});

test('the best so far follows trial numbers or finish times', () => {
  const m = model('min', [trial(1, 0, 'completed', 5), trial(2, 1, 'completed', 7), trial(3, 2, 'completed', 2),
                          trial(4, 3, 'failed', null)]);
  assert.deepEqual(m.bestSoFar('number').map((r) => r.best), [5, 5, 2]);
  m.setCurves([{ trial_id: 1, finished_at: 30, points: [] }, { trial_id: 2, finished_at: 10, points: [] },
               { trial_id: 3, finished_at: null, points: [] }]);
  const byTime = m.bestSoFar('time');
  assert.deepEqual(byTime.map((r) => [r.trial.trial_id, r.best]), [[2, 7], [1, 5]]);  // trial 3's time is unknown
  m.noteEvent({ trial_id: 3, kind: 'trial.completed', time: 20 });
  assert.deepEqual(m.bestSoFar('time').map((r) => r.trial.trial_id), [2, 3, 1]);
});

test('stop steps are where paused and pruned trials stopped', () => {
  const m = model('min', [trial(1, 0, 'pruned', 1, { step: 3 }), trial(2, 1, 'paused', 1, { step: 1 }),
                          trial(3, 2, 'pruned', 1, { step: 3 }), trial(4, 3, 'completed', 1, { step: 9 })]);
  assert.deepEqual(m.stopSteps(), [1, 3]);
});

test('a trial read again replaces its row and its curve', () => {
  const m = model('min', [trial(1, 0, 'running', null)]);
  m.mergeTrial({ ...trial(1, 0, 'completed', 0.5), segments: [],
                 metrics: [{ step: 1, metrics: { loss: 0.9, acc: 0.1 } }, { step: 2, metrics: { acc: 0.2 } },
                           { step: 3, metrics: { loss: 0.5 } }] });
  assert.equal(m.trials.get(1).state, 'completed');
  assert.deepEqual(m.trials.get(1).last_metrics, { step: 3, metrics: { loss: 0.5 } });
  assert.deepEqual(m.curves.get(1), [[1, 0.9], [3, 0.5]]);
  assert.ok(m.hasCurves());
});

const seg = (id, begin, end, source, state = 'completed') => ({
  segment_id: id, step_begin: begin, step_end: end, source_trial_id: source, state, params: {}, value: 1,
});

test('members that train side by side get a lane each; exploits are edges between them', () => {
  const trials = [
    { trial_id: 1, number: 0, parent_id: null, segments: [seg(1, 0, 5, null), seg(3, 5, 10, 1)] },
    { trial_id: 2, number: 1, parent_id: 1, segments: [seg(2, 0, 5, null), seg(4, 5, 10, 1), seg(5, 10, 15, 2, 'running')] },
    { trial_id: 3, number: 2, parent_id: null, segments: [seg(6, 0, 5, null, 'failed')] },
  ];
  const { laneOf, lanes } = assignLanes(trials);
  assert.equal(lanes.length, 2);  // trial 3 drew nothing
  assert.notEqual(laneOf.get(1), laneOf.get(2));
  assert.deepEqual(exploits(trials).map((e) => [e.from, e.to, e.step]), [[1, 2, 5]]);
});

test('generations of new trials take their parents\' lanes, so lanes stay the population', () => {
  const trials = [
    { trial_id: 1, number: 0, parent_id: null, segments: [seg(1, 0, 5, null)] },
    { trial_id: 2, number: 1, parent_id: null, segments: [seg(2, 0, 5, null)] },
    { trial_id: 3, number: 2, parent_id: 2, segments: [seg(3, 5, 10, 2)] },
    { trial_id: 4, number: 3, parent_id: 2, segments: [seg(4, 5, 10, 2)] },
    { trial_id: 5, number: 4, parent_id: 4, segments: [seg(5, 10, 15, 4)] },
  ];
  const { laneOf, lanes } = assignLanes(trials);
  assert.equal(lanes.length, 2);
  assert.equal(laneOf.get(3), laneOf.get(2));
  assert.equal(laneOf.get(5), laneOf.get(4));
});

test('numbers keep four significant digits, integers and missing values read plainly', () => {
  assert.equal(num(3), '3');
  assert.equal(num(0.123456), '0.1235');
  assert.equal(num(-3.4671), '-3.467');
  assert.equal(num(1e-4), '1e-4');
  assert.equal(num(0.00057912), '5.791e-4');
  assert.equal(num(12345678.9), '1.235e+7');
  assert.equal(num(null), '—');
  assert.equal(num('adam'), 'adam');
  assert.equal(duration(3725), '1 h 2 min');
  assert.equal(duration(null), '—');
});

test('text from specs is escaped before it goes into a tooltip\'s HTML', () => {
  assert.equal(esc('<img src=x onerror="alert(1)">&\''), '&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#38;&#39;');
  assert.equal(esc('lr=0.1, opt=adam'), 'lr=0.1, opt=adam');
});
