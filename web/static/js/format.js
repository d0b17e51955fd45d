// Formatting of values the API returns. Pure functions; no DOM except chip().
import { h } from './dom.js';

// A metric or param value: integers as they are, other numbers with 4
// significant digits (exponent form when very large or small); null/NaN "—".
export function num(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return Number(v.toPrecision(4)).toExponential();  // "1e-4", "5.791e-4"
  return String(Number(v.toPrecision(4)));
}

// {lr: 0.01, opt: "adam"} -> "lr=0.01, opt=adam"
export function params(p) {
  return Object.entries(p || {}).map(([k, v]) => `${k}=${num(v)}`).join(', ');
}

// Text made safe inside HTML (ECharts tooltips are HTML): param names,
// categorical values and metric names come from users' specs.
export function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Seconds as "1 h 4 min", "3 min 5 s", "12 s".
export function duration(s) {
  if (s === null || s === undefined || s < 0) return '—';
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// Unix seconds as local date and time ("2024-05-01 14:03:07").
export function when(t) {
  if (!t) return '—';
  const d = new Date(t * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// Unix seconds as local time of day ("14:03:07").
export function clock(t) {
  return when(t).slice(11);
}

// The trial states in the order the dashboard lists them.
export const TRIAL_STATES = ['running', 'pending', 'paused', 'completed', 'pruned', 'failed'];

// A coloured state label; the text carries the meaning, the colour only repeats it.
export function chip(state, text = state) {
  return h('span', { class: `chip ${state}` }, text);
}

// Chips "3 completed", "1 running", ... for a counts object.
export function countChips(counts) {
  const present = TRIAL_STATES.filter((s) => counts && counts[s] > 0);
  if (present.length === 0) return h('span', { class: 'muted', text: 'no trials yet' });
  return h('span', { class: 'counts' }, present.map((s) => chip(s, `${counts[s]} ${s}`)));
}

// "minimise loss" / "maximise val_acc".
export function objective(metric, mode) {
  return `${mode === 'max' ? 'maximise' : 'minimise'} ${metric}`;
}
