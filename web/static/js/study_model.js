// StudyModel: what the study page knows of one study, merged from the API
// (the study, its trials' pages, their curves, single trials read again
// after events). Pure data: no DOM, no requests, so it can be tested alone.

export class StudyModel {
  // study: GET /api/v1/studies/{id}.
  constructor(study) {
    this.study = study;
    this.trials = new Map();  // trial_id -> trial item (GET .../trials)
    this.curves = new Map();  // trial_id -> [[step, value of the objective], ...]
    this.finishedAt = new Map();  // trial_id -> unix seconds the trial finished
  }

  get metric() { return this.study.metric; }
  get mode() { return this.study.mode; }
  // name -> {type, low, high, log, choices} from the stored spec.
  get space() { return (this.study.spec && this.study.spec.space) || {}; }
  get paramNames() { return Object.keys(this.space); }
  get isPbt() {
    return this.study.scheduler === 'pbt' || [...this.trials.values()].some((t) => t.parent_id !== null);
  }

  // Whether value a is better than b (numbers; null never wins).
  better(a, b) {
    if (a === null || a === undefined || Number.isNaN(a)) return false;
    if (b === null || b === undefined || Number.isNaN(b)) return true;
    return this.mode === 'max' ? a > b : a < b;
  }

  setTrials(items) {
    this.trials = new Map(items.map((t) => [t.trial_id, t]));
  }

  // items: GET .../curves items.
  setCurves(items) {
    for (const c of items) {
      this.curves.set(c.trial_id, c.points);
      if (c.finished_at !== null) this.finishedAt.set(c.trial_id, c.finished_at);
      else this.finishedAt.delete(c.trial_id);
    }
  }

  // detail: GET /api/v1/trials/{id} (a trial with segments and metrics).
  mergeTrial(detail) {
    const { segments, metrics, ...trial } = detail;
    trial.last_metrics = metrics.length ? metrics[metrics.length - 1] : null;
    this.trials.set(trial.trial_id, trial);
    this.curves.set(trial.trial_id, metrics.filter((p) => this.metric in p.metrics)
      .map((p) => [p.step, p.metrics[this.metric]]));
    if (!isFinished(trial.state)) this.finishedAt.delete(trial.trial_id);
  }

  // An event of the study's stream ({trial_id, kind, time}): a trial that
  // finished is known to have finished at the event's (server) time.
  noteEvent(e) {
    if (e.trial_id !== null && FINISH_EVENTS.has(e.kind)) this.finishedAt.set(e.trial_id, e.time);
  }

  // Trials by number.
  trialList() {
    return [...this.trials.values()].sort((a, b) => a.number - b.number);
  }

  // Completed trials with a value, best first.
  ranked() {
    return this.trialList().filter((t) => t.state === 'completed' && typeof t.value === 'number')
      .sort((a, b) => (this.better(a.value, b.value) ? -1 : this.better(b.value, a.value) ? 1 : a.number - b.number));
  }

  // Pruned trials with a value (where they stopped), by number.
  pruned() {
    return this.trialList().filter((t) => t.state === 'pruned' && typeof t.value === 'number');
  }

  // The completed trials in order of `by` ('number', or 'time': when they
  // finished; trials whose time is unknown are left out), each with the
  // best value up to it: [{trial, time, value, best}].
  bestSoFar(by = 'number') {
    const time = (t) => this.finishedAt.get(t.trial_id) ?? null;
    let done = this.trialList().filter((t) => t.state === 'completed' && typeof t.value === 'number');
    if (by === 'time') done = done.filter((t) => time(t) !== null).sort((a, b) => time(a) - time(b) || a.number - b.number);
    let best = null;
    return done.map((t) => {
      if (this.better(t.value, best)) best = t.value;
      return { trial: t, time: time(t), value: t.value, best };
    });
  }

  // Steps at which trials stopped short of the study's end (paused or
  // pruned, as ASHA leaves them at its rungs), ascending.
  stopSteps() {
    const steps = new Set();
    for (const t of this.trials.values()) if ((t.state === 'paused' || t.state === 'pruned') && t.step > 0) steps.add(t.step);
    return [...steps].sort((a, b) => a - b);
  }

  // Whether any trial reported more than one step (a curve worth drawing).
  hasCurves() {
    for (const points of this.curves.values()) if (points.length > 1) return true;
    return false;
  }
}

const FINISH_EVENTS = new Set(['trial.completed', 'trial.pruned', 'trial.failed']);

function isFinished(state) {
  return state === 'completed' || state === 'pruned' || state === 'failed';
}
