// A finished PBT study written straight into a store with the sqlite3 CLI,
// for servers whose POST /api/v1/studies refuses scheduler "pbt" (a branch
// without the PBT scheduler). Its history comes from running PBT's rules on
// the same model pbt_trial.py trains: 4 members, an exploit every 5 steps
// (the worst member continues from the best member's checkpoint with lr
// times 0.8 or 1.2), 25 steps. Ids start at FIRST_ID so they cannot collide
// with rows the server writes.
import { execFileSync } from 'node:child_process';

const FIRST_ID = 900000;
const POPULATION = 4;
const INTERVAL = 5;
const MAX_STEPS = 25;

// pbt_trial.py's model: one step of training and the loss it reports.
function train(w, lr) {
  return w + Math.min(lr, 1.9) * (1 - w) * 0.3;
}
function loss(w, lr) {
  return (1 - w) ** 2 + 0.1 * lr ** 2;
}

// The PBT history: members [{id, number, lr, w, parent, generation,
// segments: [{id, begin, end, lr, source, points: [[step, loss]]}]}].
export function simulatePbt() {
  const lrs = [0.05, 0.4, 0.9, 1.6];
  let nextSegment = FIRST_ID + 100;
  const members = lrs.map((lr, i) => ({
    id: FIRST_ID + 1 + i, number: i, lr, w: 0, parent: null, generation: 0, segments: [], source: null,
  }));
  for (let begin = 0, round = 0; begin < MAX_STEPS; begin += INTERVAL, ++round) {
    for (const m of members) {
      const seg = { id: nextSegment++, begin, end: begin + INTERVAL, lr: m.lr, source: m.source, points: [] };
      for (let step = begin + 1; step <= seg.end; ++step) {
        m.w = train(m.w, m.lr);
        seg.points.push([step, loss(m.w, m.lr)]);
      }
      m.segments.push(seg);
      m.source = m.id;  // the next segment resumes from its own checkpoint...
    }
    if (begin + INTERVAL >= MAX_STEPS) break;
    const ranked = [...members].sort((a, b) => loss(a.w, a.lr) - loss(b.w, b.lr));
    const [best, worst] = [ranked[0], ranked[ranked.length - 1]];
    worst.w = best.w;  // ...unless it copies the best member's
    worst.lr = best.lr * (round % 2 === 0 ? 0.8 : 1.2);
    worst.parent = best.id;
    worst.generation += 1;
    worst.source = best.id;
  }
  return members;
}

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

// SQL that inserts the study named `name` (completed) with the history.
export function pbtSql(name) {
  const now = Date.now() / 1000;
  const studyId = FIRST_ID;
  const spec = {
    name, objective: { metric: 'loss', mode: 'min' },
    space: { lr: { type: 'float', low: 0.001, high: 2, log: true } },
    searcher: { algorithm: 'random' },
    scheduler: { algorithm: 'pbt', population: POPULATION, perturbation_interval: INTERVAL, mode: 'sync' },
    trial: { command: ['python3', 'pbt_trial.py'], max_steps: MAX_STEPS },
    budget: { max_trials: POPULATION, max_parallel: POPULATION }, seed: 0,
  };
  const out = ['.timeout 10000', 'BEGIN;',
    `INSERT INTO studies (id, name, spec_json, state, created_at, finished_at) VALUES (${studyId}, ${q(name)}, ${q(JSON.stringify(spec))}, 'completed', ${now - 60}, ${now});`];
  for (const m of simulatePbt()) {
    const last = m.segments[m.segments.length - 1];
    const value = last.points[last.points.length - 1][1];
    out.push(`INSERT INTO trials (id, study_id, number, state, has_value, value, step, parent_id, generation, created_at, updated_at) VALUES (${m.id}, ${studyId}, ${m.number}, 'completed', 1, ${value}, ${MAX_STEPS}, ${m.parent ?? 'NULL'}, ${m.generation}, ${now - 60}, ${now});`);
    out.push(`INSERT INTO params (trial_id, name, type, value) VALUES (${m.id}, 'lr', 'float', ${m.lr});`);
    for (const s of m.segments) {
      const end = s.points[s.points.length - 1][1];
      out.push(`INSERT INTO segments (id, trial_id, attempt, step_begin, step_end, params_json, state, exit_code, started_at, finished_at, has_value, value, source_trial_id) VALUES (${s.id}, ${m.id}, 0, ${s.begin}, ${s.end}, ${q(JSON.stringify({ lr: s.lr }))}, 'completed', 0, ${now - 60}, ${now - 30}, 1, ${end}, ${s.source ?? 'NULL'});`);
      for (const [step, v] of s.points) out.push(`INSERT INTO metrics (segment_id, step, name, value) VALUES (${s.id}, ${step}, 'loss', ${v});`);
      if (s.source !== null && s.source !== m.id) {
        out.push(`INSERT INTO events (study_id, trial_id, kind, detail, time) VALUES (${studyId}, ${m.id}, 'trial.exploited', ${q(`trial ${m.number} continues from trial ${s.source - FIRST_ID - 1} at step ${s.begin} with lr=${s.lr}`)}, ${now - 30});`);
      }
    }
  }
  out.push('COMMIT;');
  return out.join('\n');
}

// Inserts the study into the store file `db`; returns its id.
export function insertPbtStudy(db, name) {
  execFileSync('sqlite3', [db], { input: pbtSql(name) });
  return FIRST_ID;
}
