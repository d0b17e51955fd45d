// Live updates of a page from a study's event stream. Events are collected
// and handled in batches: at most one refresh runs at a time, and it starts
// DELAY_MS after the first event of a batch, so a burst of transitions costs
// one round of reads rather than one per event.
import { followEvents } from './api.js';

const DELAY_MS = 600;

// The status line in the page header ("live" or "reconnecting").
export function showLiveStatus(connected) {
  const el = document.getElementById('live');
  if (!el) return;
  el.textContent = connected ? 'live' : 'reconnecting…';
  el.className = connected ? 'live on' : 'live off';
}

// Follows study `studyId` from event id `after`. onEvent(e) sees each event
// as it arrives; refresh(trialIds) (async) runs after each batch with the
// ids of the trials its events named. Returns a function that stops.
export function followStudy(studyId, after, { onEvent = () => {}, refresh }) {
  const dirty = new Set();
  let timer = null;
  let running = false;
  let again = false;

  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    const ids = new Set(dirty);
    dirty.clear();
    try {
      await refresh(ids);
    } catch (e) {
      console.error('autotune: live refresh failed', e);
    } finally {
      running = false;
      if (again || dirty.size) {
        again = false;
        timer = setTimeout(run, DELAY_MS);
      }
    }
  };

  const stop = followEvents(studyId, after, (e) => {
    onEvent(e);
    if (e.trial_id !== null) dirty.add(e.trial_id);
    if (!timer) timer = setTimeout(run, DELAY_MS);
  }, showLiveStatus);
  return () => {
    stop();
    clearTimeout(timer);
  };
}

// Runs fn every `ms` while the page is visible (and once when it becomes
// visible again), each run after the previous one finished; returns a
// function that stops it. For what the event stream does not carry.
export function whileVisible(ms, fn) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    timer = null;
    if (stopped || document.visibilityState !== 'visible') return;
    try {
      await fn();
    } catch (e) {
      console.error('autotune: refresh failed', e);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible' && !timer) tick();
  };
  document.addEventListener('visibilitychange', onVisible);
  timer = setTimeout(tick, ms);
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
