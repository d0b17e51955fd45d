// Browser tests of the dashboard: a real `autotune serve` on a free
// 127.0.0.1 port with a fresh store, real studies (Python trial programs),
// and Debian's chromium driven by playwright-core. Checks the studies list,
// the study page's charts, live updates through the event stream, the
// trials table's pages and sorting, the PBT lineage and learned schedule,
// and the trial view; saves screenshots of each page.
//
//   node tests/e2e/dashboard.test.mjs [path/to/autotune]
// Env: AUTOTUNE_E2E_SCREENSHOTS (folder for the PNGs; default: a temporary
// folder, printed). Exits 77 (ctest's SKIP_RETURN_CODE) with "SKIP: ..." when
// chromium or web/node_modules is missing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';


const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const CHROMIUM = '/usr/bin/chromium';
const BINARY = resolve(process.argv[2] || join(ROOT, 'build/tuner/autotune'));

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}
if (!existsSync(CHROMIUM)) skip(`${CHROMIUM} is missing (apt-get install chromium, or scripts/setup)`);
if (!existsSync(join(ROOT, 'web/node_modules/playwright-core'))) skip('web/node_modules is missing (scripts/setup runs npm ci in web/)');
if (!existsSync(join(ROOT, 'web/static/vendor/echarts.min.js'))) skip('web/static/vendor/echarts.min.js is missing (build autotune after scripts/setup)');
if (!existsSync(BINARY)) skip(`${BINARY} is not built`);
const { chromium } = createRequire(join(ROOT, 'web/package.json'))('playwright-core');

const work = mkdtempSync(join(tmpdir(), 'autotune-e2e-'));
const shots = process.env.AUTOTUNE_E2E_SCREENSHOTS || join(work, 'screenshots');
mkdirSync(shots, { recursive: true });
const gate = join(work, 'gate');
const db = join(work, 'store.db');
const servers = [];
let base;
let browser;
let page;
const ids = {};
const problems = [];

// Polls fn until it returns a truthy value; fails after `ms` with `what`.
async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

async function api(path, init) {
  const res = await fetch(base + path, init);
  return { status: res.status, json: await res.json() };
}

async function submit(spec) {
  return api('/api/v1/studies', { method: 'POST', body: JSON.stringify(spec), headers: { 'Content-Type': 'application/json' } });
}

const study = async (id) => (await api(`/api/v1/studies/${id}`)).json;

// Painted pixels (sampled) on the canvases under `selector`.
async function ink(selector) {
  return page.$eval(selector, (root) => {
    let painted = 0;
    for (const c of root.querySelectorAll('canvas')) {
      if (!c.width || !c.height) continue;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4 * 5) if (data[i] > 0) painted += 1;
    }
    return painted;
  });
}

// The <section> whose heading has the id.
const section = (headingId) => `section[aria-labelledby="${headingId}"]`;

async function shot(name) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

// Starts `autotune serve` on store `dbPath` on a free port; resolves to
// {process, url}.
async function serve(dbPath, extra) {
  const proc = spawn(BINARY, ['serve', '--db', dbPath, '--host', '127.0.0.1', '--port', '0', '--slots', '4',
                              '--checkpoint-dir', join(work, 'checkpoints'), '--static-dir', join(ROOT, 'web/static'),
                              ...extra], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(proc);
  proc.stderr.on('data', (d) => { if (process.env.AUTOTUNE_E2E_VERBOSE) process.stderr.write(d); });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  const url = await until('the server to listen', () => (out.match(/serving (http:\/\/127\.0\.0\.1:\d+)/) || [])[1], 20000);
  return { process: proc, url };
}

before(async () => {
  ({ url: base } = await serve(db, []));

  const python = 'python3';
  const space = { x: { type: 'float', low: -5, high: 10 }, y: { type: 'float', low: 0, high: 15 } };
  // 30 trials: more than one page of the trials table.
  let r = await submit({ name: 'branin', space, searcher: { algorithm: 'random' }, seed: 1,
    trial: { command: [python, join(ROOT, 'examples/objectives/branin.py')] }, budget: { max_trials: 30, max_parallel: 2 } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  ids.branin = r.json.id;
  // ASHA over curves: trials stop at rungs.
  r = await submit({ name: 'asha-curves', objective: { metric: 'val_acc', mode: 'max' },
    space: { lr: { type: 'float', low: 1e-4, high: 1, log: true }, depth: { type: 'int', low: 2, high: 12 },
             batch_size: { type: 'int', low: 32, high: 512, log: true }, optimizer: { type: 'categorical', choices: ['sgd', 'adam', 'adamw'] } },
    searcher: { algorithm: 'random' }, scheduler: { algorithm: 'asha', reduction_factor: 3, min_steps: 1 }, seed: 2,
    trial: { command: [python, join(ROOT, 'examples/objectives/surrogate_classifier.py')], max_steps: 9 },
    budget: { max_trials: 12, max_parallel: 2 } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  ids.asha = r.json.id;
  // Trials that finish only when the test opens the gate.
  r = await submit({ name: 'gated', space: { x: { type: 'float', low: -1, high: 1 } }, seed: 3,
    trial: { command: [python, join(HERE, 'gated_trial.py')], env: { E2E_GATE: gate } }, budget: { max_trials: 2, max_parallel: 1 } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  ids.gated = r.json.id;
  // PBT: a real population of four, exploiting every 5 steps.
  r = await submit({ name: 'pbt', objective: { metric: 'loss', mode: 'min' },
    space: { lr: { type: 'float', low: 0.001, high: 2, log: true } }, seed: 4,
    scheduler: { algorithm: 'pbt', population: 4, perturbation_interval: 5, mode: 'sync' },
    trial: { command: [python, join(HERE, 'pbt_trial.py')], max_steps: 25 }, budget: { max_trials: 4, max_parallel: 4 } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  ids.pbt = r.json.id;
  for (const s of ['branin', 'asha', 'pbt']) {
    await until(`study ${s} to finish`, async () => (await study(ids[s])).state === 'completed', 120000);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Script errors and failed requests fail the test that caused them (401:
  // the token test's first requests, answered by asking for the token).
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.status() !== 401) problems.push(`${r.status()} for ${r.url()}`);
  });
});

afterEach(() => {
  assert.deepEqual(problems.splice(0), []);
});

after(async () => {
  if (browser) await browser.close();
  for (const s of servers) s.kill('SIGTERM');
  if (!process.env.AUTOTUNE_E2E_SCREENSHOTS) console.log(`screenshots kept in ${shots}`);
  rmSync(join(work, 'checkpoints'), { recursive: true, force: true });
});

test('the studies page lists every study with its state and counts', async () => {
  await page.goto(base + '/');
  for (const name of ['branin', 'asha-curves', 'gated', 'pbt']) {
    await page.getByRole('link', { name, exact: true }).waitFor();
  }
  const branin = page.locator(`tr[data-study="${ids.branin}"]`);
  assert.match(await branin.innerText(), /completed/);
  assert.match(await branin.innerText(), /30 completed/);
  assert.match(await branin.innerText(), /30 of 30/);
  assert.match(await page.locator(`tr[data-study="${ids.asha}"]`).innerText(), /asha/);
  await shot('studies');
});

test('the study page draws its charts and the trials table pages and sorts', async () => {
  await page.goto(`${base}/studies/${ids.branin}`);
  await page.locator('#study-heading').waitFor();
  for (const chart of ['best-heading', 'parallel-heading', 'scatter-heading']) {
    await until(`the ${chart} chart to draw`, async () => (await ink(section(chart))) > 500);
  }
  assert.match(await page.locator(section('best-heading')).innerText(), /no curves over steps/);
  assert.equal(await page.locator(section('curves-heading')).isVisible(), false);
  const table = page.locator(section('trials-heading'));
  assert.match(await table.innerText(), /page 1 of 2/);
  assert.equal(await table.locator('tbody tr').count(), 25);
  const values = async () => (await table.locator('tbody tr td:nth-child(3)').allInnerTexts()).map(Number);
  const firstPage = await values();
  assert.deepEqual(firstPage, [...firstPage].sort((a, b) => a - b), 'best (lowest) value first');
  assert.equal(await table.locator('tbody tr').first().getAttribute('class'), 'best');
  await table.getByRole('button', { name: 'Next' }).click();
  assert.match(await table.innerText(), /page 2 of 2/);
  assert.equal(await table.locator('tbody tr').count(), 5);
  await table.getByRole('button', { name: '#', exact: true }).click();
  assert.equal(await table.locator('th[aria-sort="ascending"]').innerText(), '#');
  assert.equal((await table.locator('tbody tr td:first-child').allInnerTexts())[0], '#0');
  await shot('study-branin');
});

test('ASHA curves stop at the rungs', async () => {
  await page.goto(`${base}/studies/${ids.asha}`);
  await until('the curves chart to draw', async () => (await ink(section('curves-heading'))) > 500);
  assert.match(await page.locator(section('curves-heading')).innerText(), /ASHA rungs/);
  const s = await study(ids.asha);
  assert.ok(s.counts.pruned > 0, JSON.stringify(s.counts));
  await shot('study-asha');
});

test('the study page updates live when a trial completes', async () => {
  await page.goto(`${base}/studies/${ids.gated}`);
  await page.locator('#live.on').waitFor();
  const table = page.locator(section('trials-heading'));
  await until('the gated trial to be running', async () => (await table.locator('.chip.running').count()) === 1, 30000);
  assert.equal(await table.locator('.chip.completed').count(), 0);
  writeFileSync(gate, 'open');
  await until('the page to show completed trials without a reload', async () =>
    (await table.locator('.chip.completed').count()) === 2, 30000);
  await until('the header to count them', async () =>
    /2 completed/.test(await page.locator(section('study-heading')).innerText()));
  assert.ok(await page.locator('.feed li').count() >= 2, 'the event feed shows the transitions');
  await until('the best-so-far chart to draw', async () => (await ink(section('best-heading'))) > 300);
  await shot('study-live');
});

test('a PBT study shows its lineage and the learned schedule', async () => {
  await page.goto(`${base}/studies/${ids.pbt}`);
  const pbt = page.locator('#pbt');
  await pbt.getByRole('heading', { name: 'Population-based training' }).waitFor();
  await until('the lineage and schedule charts to draw', async () => (await ink('#pbt')) > 2000);
  assert.match(await pbt.innerText(), /[1-9]\d* exploits?/);
  const rows = pbt.locator('table tbody tr');
  assert.ok(await rows.count() >= 2, 'the schedule has a segment per interval');
  const trainedBy = new Set(await pbt.locator('table tbody tr td:nth-child(2)').allInnerTexts());
  const s = await study(ids.pbt);
  const lineage = (await api(`/api/v1/trials/${s.best_trial_id}/lineage`)).json;
  assert.equal(await rows.count(), lineage.links.length);
  assert.equal(trainedBy.size, new Set(lineage.links.map((l) => l.trial_id)).size);
  assert.equal(lineage.links[lineage.links.length - 1].step_end, 25);
  await shot('study-pbt');
});

test('the trial view shows segments, params history and lineage', async () => {
  const s = await study(ids.pbt);
  await page.goto(`${base}/studies/${ids.pbt}?trial=${s.best_trial_id}`);
  await page.locator('#trial-heading').waitFor();
  const detail = (await api(`/api/v1/trials/${s.best_trial_id}`)).json;
  const segments = page.locator(section('segments-heading'));
  assert.equal(await segments.locator('tbody tr').count(), detail.segments.length);
  assert.match(await segments.innerText(), /completed/);
  assert.equal(await page.locator(section('params-heading')).locator('tbody tr').count(), detail.segments.length);
  assert.ok(await page.locator(section('lineage-heading')).locator('tbody tr').count() >= 1);
  await until('the metrics chart to draw', async () => (await ink(section('metrics-heading'))) > 300);
  await shot('trial-pbt');
  // From the table of another study to its trial view.
  await page.goto(`${base}/studies/${ids.branin}`);
  await page.locator(section('trials-heading')).locator('tbody a').first().click();
  await page.locator('#trial-heading').waitFor();
  assert.match(page.url(), /\?trial=\d+$/);
  assert.equal(await page.locator(section('segments-heading')).locator('tbody tr').count(), 1);
});

test('with a bearer token the dashboard asks for it once and follows events through fetch', async () => {
  const token = 'e2e-token-0123456789abcdef';
  const tokenFile = join(work, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const { url } = await serve(join(work, 'token.db'), ['--token-file', tokenFile]);
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const post = async (path, body) => (await fetch(url + path, { method: 'POST', headers: auth, body: JSON.stringify(body) })).json();
  const { id } = await post('/api/v1/studies', { name: 'asked', space: { x: { type: 'float', low: 0, high: 1 } },
                                                 budget: { max_trials: 3, max_parallel: 1 } });
  await page.goto(`${url}/studies/${id}`);
  await page.getByLabel('Token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.locator('#study-heading').waitFor();
  await page.locator('#live.on').waitFor();
  const { trial_id: trial } = await post(`/api/v1/studies/${id}/ask`, {});
  await post(`/api/v1/trials/${trial}/tell`, { value: 0.25 });
  const table = page.locator(section('trials-heading'));
  await until('the told trial to show as completed', async () => (await table.locator('.chip.completed').count()) === 1, 30000);
  assert.match(await table.innerText(), /0\.25/);
});
