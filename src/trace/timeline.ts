/**
 * The timeline as an SVG string: one lane per object, its count step by step, event
 * boundaries as vertical rules. Colours come from CSS classes (the webview maps them to the
 * theme's variables, the HTML export to fixed colours). Every point carries data-seq.
 */
import type { TraceResult } from './types';
import { countsByStep, lanes } from './json';

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface TimelineOptions {
  current?: number;
  dx?: number;
  laneHeight?: number;
}

/** Width of a label's character at its 10px size, generously: a band is never narrower than its label. */
const LABEL_CHAR_WIDTH = 6.2;

type Attributes = Record<string, string | number>;

const attributes = (attrs: Attributes) =>
  Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(String(v))}"`)
    .join('');

/** `<name a="v" ...>content</name>` (`/>` without content), every value escaped. */
function tag(name: string, attrs: Attributes, content?: string): string {
  return content === undefined ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${content}</${name}>`;
}

export function timelineSvg(t: TraceResult, opts: TimelineOptions = {}): string {
  const ls = lanes(t);
  const counts = countsByStep(t);
  const n = t.steps.length;
  const dx = opts.dx ?? 26,
    lh = opts.laneHeight ?? 46,
    labelW = 118,
    top = 34,
    right = 40;
  // columns: 0 (before any step), then one per step; an event whose label is wider than its
  // steps gets the room after its last step, so every label is whole
  const left: number[] = [labelW];
  const bandWidth = new Map<number, number>();
  const gapAfter = new Map<number, number>();
  for (const e of t.events) {
    if (e.firstSeq > e.lastSeq) continue;
    const steps = (e.lastSeq - e.firstSeq + 1) * dx;
    const label = e.text.length * LABEL_CHAR_WIDTH + 6;
    bandWidth.set(e.index, Math.max(steps, label));
    if (label > steps) gapAfter.set(e.lastSeq, label - steps);
  }
  for (let k = 1; k <= n; k++) left[k] = left[k - 1] + dx + (gapAfter.get(k - 1) ?? 0);
  const x = (k: number) => left[k] + dx / 2;
  const gapAtEnd = gapAfter.get(n) ?? 0;
  const width = left[n] + dx + gapAtEnd + right;
  const height = top + Math.max(1, ls.length) * lh + 10;
  const parts: string[] = [];
  const svg = {
    xmlns: 'http://www.w3.org/2000/svg',
    class: 'rl-timeline',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
  };
  parts.push(`<svg${attributes({ ...svg, role: 'img', 'aria-label': 'reference counts per object, step by step' })}>`);
  // event bands
  for (const e of t.events) {
    if (e.firstSeq > e.lastSeq) continue;
    const x0 = left[e.firstSeq];
    const band = {
      class: `rl-event-band rl-event-${e.index % 2}`,
      x: x0,
      y: top - 6,
      width: bandWidth.get(e.index)!,
      height: height - top,
    };
    const label = tag('text', { class: 'rl-event-label', x: x0 + 3, y: top - 22 }, esc(e.text));
    parts.push(
      tag('g', { class: 'rl-event', 'data-event': e.index }, tag('rect', band) + label + tag('title', {}, esc(e.text))),
    );
  }
  ls.forEach((lane, i) => {
    const y0 = top + i * lh;
    const final = t.final.objects.find((o) => o.id === lane.id);
    const state = final?.state ?? 'live';
    let max = 1;
    for (const c of counts) max = Math.max(max, c[lane.id] ?? 0);
    const y = (v: number) => y0 + lh - 10 - (v / max) * (lh - 20);
    const inner: string[] = [];
    const rule = y0 + lh - 10;
    inner.push(tag('line', { class: 'rl-lane-rule', x1: labelW - 4, x2: width - right + 20, y1: rule, y2: rule }));
    const about = `${lane.kind} ${lane.id}${final ? `: ${final.state}, count ${final.count}` : ''}`;
    const laneLabel = esc(truncate(lane.id, 17)) + tag('title', {}, esc(about));
    inner.push(tag('text', { class: 'rl-lane-label', x: 4, y: y0 + lh / 2 + 4 }, laneLabel));
    // the count as a step function, drawn only while the object exists
    let d = '';
    let prev: number | undefined;
    for (let k = 0; k <= n; k++) {
      const v = counts[k][lane.id];
      if (v === undefined) continue;
      const xx = x(k);
      if (prev === undefined) d += `M${xx - dx / 2} ${y(v)} `;
      else d += `L${xx - dx / 2} ${y(prev)} L${xx - dx / 2} ${y(v)} `;
      d += `L${xx + dx / 2} ${y(v)} `;
      prev = v;
    }
    if (prev !== undefined && gapAfter.has(n)) d += `L${x(n) + dx / 2 + gapAtEnd} ${y(prev)} `;
    if (d) inner.push(tag('path', { class: 'rl-count', d: d.trim() }));
    for (const s of t.steps) {
      if (s.object === lane.id) inner.push(stepPoint(s, x(s.seq), y(s.after), opts.current === s.seq));
    }
    if (final) {
      const leaked = final.state === 'leaked' ? `✗ ${final.count}` : String(final.count);
      const mark = final.state === 'freed' ? '✓' : leaked;
      const at = { x: x(n) + dx / 2 + 4 + gapAtEnd, y: y(final.count) + 4 };
      inner.push(tag('text', { class: `rl-final rl-final-${final.state}`, ...at }, mark));
    }
    parts.push(
      tag('g', { class: `rl-lane rl-kind-${lane.kind} rl-state-${state}`, 'data-object': lane.id }, inner.join('')),
    );
  });
  if (opts.current) {
    const at = x(opts.current);
    parts.push(tag('line', { class: 'rl-cursor', x1: at, x2: at, y1: top - 6, y2: height }));
  }
  parts.push('</svg>');
  return parts.join('');
}

/** One step on its lane: a point (data-seq for the view), the count after it, a tooltip. */
function stepPoint(s: TraceResult['steps'][number], cx: number, cy: number, current: boolean): string {
  const move = s.after > s.before ? ' rl-up' : s.after < s.before ? ' rl-down' : '';
  const cls = `rl-point rl-op-${s.op}${move}${current ? ' rl-current' : ''}`;
  const tip = `#${s.seq} ${s.where}: ${s.call} ${s.object} ${s.before} → ${s.after}${s.note ? ` (${s.note})` : ''}`;
  const point = tag('circle', { class: cls, cx, cy, r: 5 });
  const count = tag('text', { class: 'rl-count-label', x: cx, y: cy - 8, 'text-anchor': 'middle' }, String(s.after));
  return tag('g', { class: 'rl-step', 'data-seq': s.seq, tabindex: '-1' }, point + count + tag('title', {}, esc(tip)));
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
}
