// The PBT view of the study page: the population's lineage over steps (one
// lane per member, a bar per segment coloured by its value, an arrow per
// exploit from the member copied to the member that continued from it) and
// the schedule the best member learned (each param over steps along its
// lineage across exploits, with the objective below), as charts and as a
// table. Data: GET /api/v1/studies/{id}/lineage and /trials/{best}/lineage.
import { Chart, FADED, PALETTE, axisValue, betterDarker, paramAxis, valueAxis } from './charts.js';
import { fill, h } from './dom.js';
import { esc, num, params } from './format.js';
import { trialHref } from './trials_table.js';

const EXPLOIT = PALETTE[2];  // arrows
const BEST = PALETTE[1];     // the outline of the best member's lineage

// The segments that trained a model: completed ones, and the one running.
function drawn(segments) {
  return segments.filter((s) => s.state === 'completed' || s.state === 'running');
}

// Lanes for the members: each trial takes the lane of the trial it
// continued from when that lane is free by then (PBT with explore=searcher
// starts a new trial per generation), else the first free lane, else a new
// one; so a population of N takes N lanes. Returns {laneOf: Map(trial_id ->
// lane), lanes: [[trial, ...], ...]}. `trials`: lineage items.
export function assignLanes(trials) {
  const spans = trials.map((t) => {
    const segs = drawn(t.segments);
    return { t, begin: Math.min(...segs.map((s) => s.step_begin)), end: Math.max(...segs.map((s) => s.step_end)) };
  }).filter((s) => Number.isFinite(s.begin));
  spans.sort((a, b) => a.begin - b.begin || a.t.number - b.t.number);
  const laneEnd = [];
  const lanes = [];
  const laneOf = new Map();
  for (const { t, begin, end } of spans) {
    const parentLane = t.parent_id === null ? undefined : laneOf.get(t.parent_id);
    let lane = parentLane !== undefined && laneEnd[parentLane] <= begin ? parentLane
      : laneEnd.findIndex((e) => e <= begin);
    if (lane < 0) {
      lane = laneEnd.length;
      lanes.push([]);
    }
    laneEnd[lane] = end;
    lanes[lane].push(t);
    laneOf.set(t.trial_id, lane);
  }
  return { laneOf, lanes };
}

// Exploits: segments that resumed from another trial's checkpoint, as
// {from, to, step, segment}.
export function exploits(trials) {
  const out = [];
  for (const t of trials) {
    for (const s of drawn(t.segments)) {
      if (s.source_trial_id !== null && s.source_trial_id !== t.trial_id) {
        out.push({ from: s.source_trial_id, to: t.trial_id, step: s.step_begin, segment: s });
      }
    }
  }
  return out;
}

function laneLabel(lane) {
  const names = lane.map((t) => `#${t.number}`);
  return names.length > 3 ? `${names.slice(0, 2).join(' ')} … ${names[names.length - 1]}` : names.join(' ');
}

function lineageOption(model, trials, bestSegments) {
  const { laneOf, lanes } = assignLanes(trials);
  const number = new Map(trials.map((t) => [t.trial_id, t.number]));
  const bars = [];
  for (const t of trials) {
    for (const s of drawn(t.segments)) {
      bars.push({ value: [s.step_begin, s.step_end, laneOf.get(t.trial_id), s.value ?? NaN],
                  trial: t, segment: s, best: bestSegments.has(s.segment_id) });
    }
  }
  const values = bars.map((b) => b.value[3]).filter(Number.isFinite);
  const edges = exploits(trials).filter((e) => laneOf.has(e.from) && laneOf.has(e.to)).map((e) => ({
    coords: [[e.step, laneOf.get(e.from)], [e.step, laneOf.get(e.to)]],
    edge: e,
  }));
  const tip = (p) => {
    if (p.seriesType === 'lines') {
      const e = p.data.edge;
      return `#${number.get(e.to)} continues from #${number.get(e.from)} at step ${e.step}<br>${esc(params(e.segment.params))}`;
    }
    const { trial, segment } = p.data;
    return `trial #${trial.number}, steps ${segment.step_begin}–${segment.step_end} (${segment.state})<br>` +
      `${esc(model.metric)} = ${num(segment.value)}<br>${esc(params(segment.params))}` +
      (segment.source_trial_id !== null && segment.source_trial_id !== trial.trial_id
        ? `<br>from #${number.get(segment.source_trial_id)}'s checkpoint` : '');
  };
  return {
    tooltip: { trigger: 'item', formatter: tip },
    grid: { left: 96, right: 90, top: 16, bottom: 44 },
    xAxis: valueAxis('step', { nameGap: 28, scale: false, min: 0 }),
    yAxis: { type: 'category', inverse: true, data: lanes.map(laneLabel), axisTick: { show: false } },
    visualMap: values.length === 0 ? undefined : {
      type: 'continuous', seriesIndex: 0, dimension: 3, min: Math.min(...values), max: Math.max(...values),
      right: 0, top: 'middle', itemHeight: 120, ...betterDarker(model.mode), outOfRange: { color: FADED },
    },
    series: [
      {
        type: 'custom', name: 'segments', data: bars, encode: { x: [0, 1], y: 2 },
        renderItem: (params, api) => {
          const start = api.coord([api.value(0), api.value(2)]);
          const end = api.coord([api.value(1), api.value(2)]);
          const height = api.size([0, 1])[1] * 0.6;
          const item = bars[params.dataIndex];
          return {
            type: 'rect',
            shape: { x: start[0], y: start[1] - height / 2, width: Math.max(1, end[0] - start[0] - 1), height },
            style: { fill: api.visual('color'), stroke: item.best ? BEST : '#fff',
                     lineWidth: item.best ? 2.5 : 0.5, lineDash: item.segment.state === 'running' ? [4, 3] : null },
          };
        },
      },
      {
        type: 'lines', name: 'exploits', coordinateSystem: 'cartesian2d', data: edges, z: 5,
        symbol: ['circle', 'arrow'], symbolSize: [5, 11],
        lineStyle: { color: EXPLOIT, width: 2.2, opacity: 0.95, curveness: 0.3 },
      },
    ],
  };
}

// The learned schedule along `lineage` (GET /trials/{id}/lineage): one grid
// per param (its value from each link's first step to its last) and one for
// the objective; dashed lines where the lineage passes to another trial.
function scheduleOption(model, lineage) {
  const links = lineage.links;
  const names = model.paramNames;
  const last = links.length ? links[links.length - 1].step_end : 0;
  const switches = links.filter((l, i) => i > 0 && l.trial_id !== links[i - 1].trial_id)
    .map((l) => ({ xAxis: l.step_begin, label: { formatter: `#${l.number}` } }));
  const rowH = 70;
  const gap = 26;
  const objectiveH = 130;
  const grids = [];
  const xAxes = [];
  const yAxes = [];
  const series = [];
  const mark = (withLabel) => ({
    symbol: 'none', silent: true, data: switches, lineStyle: { type: 'dashed', color: '#8a6d3b' },
    label: withLabel ? { color: '#8a6d3b', position: 'end' } : { show: false },
  });
  names.forEach((name, i) => {
    const spec = model.space[name];
    // Fixed rects (outerBoundsMode none), so every grid's x axis lines up.
    grids.push({ left: 96, right: 24, top: 24 + i * (rowH + gap), height: rowH, outerBoundsMode: 'none' });
    xAxes.push({ type: 'value', gridIndex: i, min: 0, max: last, axisLabel: { show: false } });
    yAxes.push(paramAxis(name, spec, { gridIndex: i, nameLocation: 'middle', nameGap: 60, nameRotate: 0,
                                      nameTextStyle: { fontWeight: 600, width: 36, overflow: 'truncate' }, splitNumber: 2 }));
    const data = links.map((l) => [l.step_begin, axisValue(spec, l.params[name])]);
    if (links.length) data.push([last, axisValue(spec, links[links.length - 1].params[name])]);
    series.push({ type: 'line', name, step: 'end', xAxisIndex: i, yAxisIndex: i, data, symbolSize: 5,
                  itemStyle: { color: PALETTE[i % PALETTE.length] }, markLine: mark(i === 0) });
  });
  const o = names.length;
  grids.push({ left: 96, right: 24, top: 24 + o * (rowH + gap), height: objectiveH, outerBoundsMode: 'none' });
  xAxes.push(valueAxis('step', { gridIndex: o, min: 0, max: last, scale: false, nameGap: 26 }));
  yAxes.push(valueAxis(model.metric, { gridIndex: o, nameGap: 60, nameRotate: 0,
                                       nameTextStyle: { fontWeight: 600, width: 36, overflow: 'truncate' } }));
  series.push({ type: 'line', name: model.metric, xAxisIndex: o, yAxisIndex: o, showSymbol: false,
                itemStyle: { color: '#333' }, markLine: mark(names.length === 0),
                data: lineage.points.filter((p) => model.metric in p.metrics).map((p) => [p.step, p.metrics[model.metric]]) });
  return {
    height: 24 + o * (rowH + gap) + objectiveH + 48,
    option: {
      tooltip: { trigger: 'axis' },
      axisPointer: { link: [{ xAxisIndex: 'all' }] },
      grid: grids, xAxis: xAxes, yAxis: yAxes, series,
    },
  };
}

function scheduleTable(studyId, lineage, names, metric) {
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', { class: 'muted' }, 'The learned schedule: the segments along the best member\'s lineage'),
    h('thead', {}, h('tr', {}, ['steps', 'trained by', ...names, metric].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, lineage.links.map((l) => h('tr', {},
      h('td', { class: 'num' }, `${l.step_begin}–${l.step_end}`),
      h('td', {}, h('a', { href: trialHref(studyId, l.trial_id) }, `#${l.number}`)),
      names.map((n) => h('td', { class: 'num' }, num(l.params[n]))),
      h('td', { class: 'num' }, num(l.value)))))));
}

export class PbtView {
  constructor(studyId) {
    this.studyId = studyId;
    this.el = h('section', { class: 'card', 'aria-labelledby': 'pbt-heading', id: 'pbt' });
    this.lineageChart = new Chart('Population lineage: a lane per member, a bar per segment coloured by its value, arrows where a member continued from another member\'s checkpoint', { tall: true });
    this.scheduleChart = new Chart('The best member\'s learned schedule: each param over steps along its lineage, and the objective below');
  }

  // trials: every lineage item; best: the best trial (or null) and its
  // lineage (GET /trials/{id}/lineage).
  update(model, trials, best, bestLineage) {
    const bestSegments = new Set((bestLineage?.links || []).map((l) => l.segment_id));
    const exploitCount = exploits(trials).length;
    const lanes = assignLanes(trials).lanes.length;
    this.lineageChart.el.style.height = `${Math.max(260, 48 + lanes * 30)}px`;
    const parts = [
      h('h2', { id: 'pbt-heading' }, 'Population-based training'),
      h('p', { class: 'note' }, `${trials.length} members in ${lanes} lanes, ${exploitCount} exploit${exploitCount === 1 ? '' : 's'}. ` +
        'Green arrows: a member continued from another\'s checkpoint. Orange outline: the best member\'s lineage.'),
      this.lineageChart.el,
    ];
    const withSchedule = best && bestLineage && bestLineage.links.length > 0;
    if (withSchedule) {
      const members = bestLineage.links.filter((l, i, all) => i === 0 || all[i - 1].trial_id !== l.trial_id)
        .map((l) => `#${l.number}`);
      parts.push(
        h('h3', {}, 'Learned schedule of the best member, ',
          h('a', { href: trialHref(this.studyId, best.trial_id) }, `trial #${best.number}`)),
        h('p', { class: 'note' }, `Its lineage runs through ${members.join(' → ')}; dashed lines mark where it passes to another member's checkpoint.`),
        this.scheduleChart.el,
        scheduleTable(this.studyId, bestLineage, model.paramNames, model.metric));
    } else {
      parts.push(h('p', { class: 'note' }, 'No member has completed a segment yet, so there is no learned schedule to show.'));
    }
    fill(this.el, parts);
    this.lineageChart.set(lineageOption(model, trials, bestSegments));
    if (withSchedule) {
      const { height, option } = scheduleOption(model, bestLineage);
      this.scheduleChart.el.style.height = `${height}px`;
      this.scheduleChart.set(option);
    }
  }
}
