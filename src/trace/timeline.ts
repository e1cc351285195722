/**
 * The timeline as an SVG string: one lane per object, its count step by step, event
 * boundaries as vertical rules. Colours come from CSS classes (the webview maps them to the
 * theme's variables, the HTML export to fixed colours). Every point carries data-seq.
 */
import type { TraceResult } from './types';
import { countsByStep, lanes } from './json';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface TimelineOptions { current?: number; dx?: number; laneHeight?: number }

/** Width of an event label's character at the label's 10px size, generously: a band is never narrower than its label. */
const LABEL_CHAR_WIDTH = 6.2;

export function timelineSvg(t: TraceResult, opts: TimelineOptions = {}): string {
  const ls = lanes(t);
  const counts = countsByStep(t);
  const n = t.steps.length;
  const dx = opts.dx ?? 26, lh = opts.laneHeight ?? 46, labelW = 118, top = 34, right = 40;
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
  const width = left[n] + dx + (gapAfter.get(n) ?? 0) + right;
  const height = top + Math.max(1, ls.length) * lh + 10;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="rl-timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="reference counts per object, step by step">`);
  // event bands
  for (const e of t.events) {
    if (e.firstSeq > e.lastSeq) continue;
    const x0 = left[e.firstSeq], w = bandWidth.get(e.index)!;
    parts.push(`<g class="rl-event" data-event="${e.index}"><rect class="rl-event-band rl-event-${e.index % 2}" x="${x0}" y="${top - 6}" width="${w}" height="${height - top}"/>`
      + `<text class="rl-event-label" x="${x0 + 3}" y="${top - 22}">${esc(e.text)}</text><title>${esc(e.text)}</title></g>`);
  }
  ls.forEach((lane, i) => {
    const y0 = top + i * lh;
    const final = t.final.objects.find((o) => o.id === lane.id);
    const state = final?.state ?? 'live';
    let max = 1;
    for (const c of counts) max = Math.max(max, c[lane.id] ?? 0);
    const y = (v: number) => y0 + lh - 10 - (v / max) * (lh - 20);
    parts.push(`<g class="rl-lane rl-kind-${esc(lane.kind)} rl-state-${state}" data-object="${esc(lane.id)}">`);
    parts.push(`<line class="rl-lane-rule" x1="${labelW - 4}" x2="${width - right + 20}" y1="${y0 + lh - 10}" y2="${y0 + lh - 10}"/>`);
    parts.push(`<text class="rl-lane-label" x="4" y="${y0 + lh / 2 + 4}">${esc(truncate(lane.id, 17))}<title>${esc(`${lane.kind} ${lane.id}${final ? `: ${final.state}, count ${final.count}` : ''}`)}</title></text>`);
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
    if (prev !== undefined && gapAfter.has(n)) d += `L${x(n) + dx / 2 + gapAfter.get(n)!} ${y(prev)} `;
    if (d) parts.push(`<path class="rl-count" d="${d.trim()}"/>`);
    for (const s of t.steps) {
      if (s.object !== lane.id) continue;
      const cls = `rl-point rl-op-${s.op}${s.after > s.before ? ' rl-up' : s.after < s.before ? ' rl-down' : ''}${opts.current === s.seq ? ' rl-current' : ''}`;
      parts.push(`<g class="rl-step" data-seq="${s.seq}" tabindex="-1"><circle class="${cls}" cx="${x(s.seq)}" cy="${y(s.after)}" r="5"/>`
        + `<text class="rl-count-label" x="${x(s.seq)}" y="${y(s.after) - 8}" text-anchor="middle">${s.after}</text>`
        + `<title>${esc(`#${s.seq} ${s.where}: ${s.call} ${s.object} ${s.before} → ${s.after}${s.note ? ` (${s.note})` : ''}`)}</title></g>`);
    }
    if (final) parts.push(`<text class="rl-final rl-final-${final.state}" x="${x(n) + dx / 2 + 4 + (gapAfter.get(n) ?? 0)}" y="${y(final.count) + 4}">${final.state === 'freed' ? '✓' : final.state === 'leaked' ? `✗ ${final.count}` : final.count}</text>`);
    parts.push('</g>');
  });
  if (opts.current) parts.push(`<line class="rl-cursor" x1="${x(opts.current)}" x2="${x(opts.current)}" y1="${top - 6}" y2="${height}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

function truncate(s: string, n: number): string { return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…'; }
