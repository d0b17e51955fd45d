// ECharts (the global `echarts`, from /static/vendor/echarts.min.js) behind
// one small interface: a chart lives in a <div>, is redrawn with set(option)
// and follows its container's size.
import { h } from './dom.js';
import { num } from './format.js';

// The palette of highlighted series (colour-blind safe, Okabe-Ito).
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
export const FADED = 'rgba(110, 120, 135, 0.35)';

export function chartsAvailable() {
  return typeof window.echarts !== 'undefined';
}

// What to show instead of charts when ECharts was not copied into
// web/static/vendor (README: Dashboard).
export function chartsMissingNote() {
  return h('p', { class: 'card error', role: 'alert' },
    'Charts are unavailable: /static/vendor/echarts.min.js is missing. Run scripts/setup (npm ci in web/) and build again; the build copies ECharts there.');
}

// A chart in a new <div class="chart">, labelled for screen readers
// (role="img"). Draw it once the element is in the page, which gives it its
// size; it follows later size changes itself.
export class Chart {
  constructor(label, { tall = false } = {}) {
    this.el = h('div', { class: tall ? 'chart tall' : 'chart', role: 'img', 'aria-label': label });
    this.chart = null;
    this.resize = new ResizeObserver(() => this.chart && this.chart.resize());
    this.resize.observe(this.el);
  }

  // Draws `option`; replace: drop series and components the new option lacks.
  set(option, replace = true) {
    if (!chartsAvailable()) return;
    if (!this.chart) this.chart = window.echarts.init(this.el, null, { renderer: 'canvas' });
    this.chart.setOption({ animation: false, ...option }, { notMerge: replace, lazyUpdate: true });
  }
}

// Axis settings shared by the charts: readable labels, no zero baseline.
export function valueAxis(name, extra = {}) {
  return { type: 'value', name, nameLocation: 'middle', nameGap: 40, scale: true,
           axisLine: { onZero: false }, axisLabel: { hideOverlap: true }, ...extra };
}

// A continuous visualMap's colours for an objective: dark is better (low
// values when minimising), labelled at each end.
export function betterDarker(mode) {
  const light = '#d3dbe6';
  const dark = '#08306b';
  return mode === 'max' ? { inRange: { color: [light, dark] }, text: ['better', 'worse'] }
                        : { inRange: { color: [dark, light] }, text: ['worse', 'better'] };
}

// An ECharts axis for a search-space param ({type, low, high, log, choices}).
export function paramAxis(name, spec, extra = {}) {
  if (spec && spec.type === 'categorical') {
    return { type: 'category', name, data: spec.choices.map(String), ...extra };
  }
  const common = { name, axisLine: { onZero: false }, axisLabel: { formatter: num, hideOverlap: true } };
  if (spec && spec.log) return { type: 'log', ...common, ...extra };
  return { type: 'value', scale: true, ...common, ...extra };
}

// A param value as its axis takes it (categories by their text).
export function axisValue(spec, v) {
  return spec && spec.type === 'categorical' ? String(v) : v;
}
