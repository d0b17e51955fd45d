// The study page's chart options, built from a StudyModel: best value so
// far, metric curves over steps, parallel coordinates and param-vs-value
// scatter. Pure functions of the model; the page draws what they return.
import { FADED, PALETTE, axisValue, betterDarker, paramAxis, valueAxis } from './charts.js';
import { esc, num, params } from './format.js';

const GRID = { left: 64, right: 24, top: 36, bottom: 48 };

function trialTip(t, metric) {
  return `trial #${t.number} (id ${t.trial_id})<br>${esc(metric)} = ${num(t.value)}<br>${esc(params(t.params))}`;
}

// Tooltips are HTML: text from the spec goes through esc().

// Each completed trial's value (dots) and the best so far (a step line),
// over trial number or over the time trials finished.
export function bestSoFarOption(model, by) {
  const rows = model.bestSoFar(by);
  const x = (r) => (by === 'time' ? r.time * 1000 : r.trial.number);
  return {
    grid: GRID,
    tooltip: { trigger: 'item' },
    legend: { top: 0, data: [`best ${model.metric} so far`, 'trial value'] },
    xAxis: by === 'time' ? { type: 'time', name: 'finished at', nameLocation: 'middle', nameGap: 30 }
                         : valueAxis('trial number', { nameGap: 28, minInterval: 1 }),
    yAxis: valueAxis(model.metric),
    series: [
      { name: 'trial value', type: 'scatter', symbolSize: 6, itemStyle: { color: '#9aa5b1' },
        data: rows.map((r) => ({ value: [x(r), r.value], trial: r.trial })),
        tooltip: { formatter: (p) => trialTip(p.data.trial, model.metric) } },
      { name: `best ${model.metric} so far`, type: 'line', step: 'end', showSymbol: false, lineStyle: { width: 2.5 },
        itemStyle: { color: PALETTE[0] }, data: rows.map((r) => [x(r), r.best]),
        tooltip: { formatter: (p) => `best so far: ${num(p.value[1])}` } },
    ],
  };
}

// The objective over steps for every trial: the `top` best completed trials
// in colour (named in the legend), the rest as faded lines in one series.
// Steps where trials stopped short (ASHA's rungs) are marked.
export function curvesOption(model, top = 5) {
  const best = model.ranked().slice(0, top);
  const bestIds = new Set(best.map((t) => t.trial_id));
  const background = [];
  for (const [id, points] of model.curves) {
    if (bestIds.has(id) || points.length === 0) continue;
    for (const p of points) background.push(p);
    background.push([null, null]);  // a break between trials' lines
  }
  const stops = model.stopSteps();
  const series = [{
    name: 'other trials', type: 'line', data: background, showSymbol: false, silent: true, connectNulls: false,
    lineStyle: { width: 1, color: FADED }, itemStyle: { color: FADED },
    markLine: stops.length === 0 ? undefined : {
      symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: '#8a6d3b' },
      label: { formatter: (p) => `stop ${p.value}`, color: '#8a6d3b' },
      data: stops.map((s) => ({ xAxis: s })),
    },
  }];
  best.forEach((t, i) => {
    series.push({
      name: `#${t.number}`, type: 'line', showSymbol: false, lineStyle: { width: 2.5 },
      itemStyle: { color: PALETTE[i % PALETTE.length] }, data: model.curves.get(t.trial_id) || [], z: 10 - i,
    });
  });
  return {
    grid: { ...GRID, right: 90 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'line' },
               formatter: (ps) => ps.filter((p) => p.seriesName !== 'other trials')
                 .map((p) => `${p.marker}${p.seriesName}: ${num(p.value[1])} at step ${p.value[0]}`).join('<br>') },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 20, data: best.map((t) => `#${t.number}`) },
    xAxis: valueAxis('step', { nameGap: 28, scale: false, min: 0 }),
    yAxis: valueAxis(model.metric),
    series,
  };
}

// One axis per param and one for the objective; a line per completed
// trial, coloured by its value (dark: better), and a dashed one per pruned
// trial (its value where it stopped).
export function parallelOption(model) {
  const names = model.paramNames;
  const rows = model.ranked();
  const pruned = model.pruned();
  const values = rows.map((t) => t.value);
  const line = (t) => [...names.map((n) => axisValue(model.space[n], t.params[n])), t.value];
  const dims = names.map((n, i) => ({ dim: i, ...paramAxis(n, model.space[n]) }));
  dims.push({ dim: names.length, type: 'value', name: model.metric, scale: true });
  return {
    parallel: { left: 56, right: 90, top: 56, bottom: 30, parallelAxisDefault: { nameTextStyle: { fontWeight: 600 } } },
    parallelAxis: dims,
    visualMap: values.length === 0 ? undefined : {
      type: 'continuous', dimension: names.length, min: Math.min(...values), max: Math.max(...values),
      right: 0, top: 'middle', itemHeight: 140, calculable: false, seriesIndex: 0, ...betterDarker(model.mode),
    },
    tooltip: { trigger: 'item' },
    legend: pruned.length ? { top: 0, data: ['completed', 'pruned (value where it stopped)'] } : undefined,
    series: [{
      name: 'completed', type: 'parallel', lineStyle: { width: 1.2, opacity: 0.7 }, progressive: 500, smooth: false,
      data: rows.map((t) => ({ value: line(t), trial: t })),
      tooltip: { formatter: (p) => trialTip(p.data.trial, model.metric) },
    }, {
      name: 'pruned (value where it stopped)', type: 'parallel', progressive: 500, z: 1,
      lineStyle: { width: 1, color: '#b98a4a', opacity: 0.45, type: 'dashed' }, itemStyle: { color: '#b98a4a' },
      data: pruned.map((t) => ({ value: line(t), trial: t })),
      tooltip: { formatter: (p) => `${trialTip(p.data.trial, model.metric)}<br>pruned at step ${p.data.trial.step}` },
    }],
  };
}

// The objective against one param for completed trials (the best one
// larger, in colour) and for pruned ones (hollow: their value where they
// stopped, at fewer steps).
export function scatterOption(model, param) {
  const rows = model.ranked();
  const pruned = model.pruned();
  const spec = model.space[param];
  const point = (t) => ({ value: [axisValue(spec, t.params[param]), t.value], trial: t });
  return {
    grid: GRID,
    tooltip: { trigger: 'item', formatter: (p) => trialTip(p.data.trial, model.metric) },
    legend: { top: 0, data: ['trials', 'best', ...(pruned.length ? ['pruned (value where it stopped)'] : [])] },
    xAxis: paramAxis(param, spec, { nameLocation: 'middle', nameGap: 28 }),
    yAxis: valueAxis(model.metric),
    series: [
      { name: 'trials', type: 'scatter', symbolSize: 7, itemStyle: { color: PALETTE[5], opacity: 0.75 },
        data: rows.slice(1).map(point) },
      { name: 'best', type: 'scatter', symbolSize: 13, itemStyle: { color: PALETTE[1] },
        data: rows.slice(0, 1).map(point) },
      { name: 'pruned (value where it stopped)', type: 'scatter', symbol: 'emptyCircle', symbolSize: 7,
        itemStyle: { color: '#b98a4a' }, data: pruned.map(point) },
    ],
  };
}
