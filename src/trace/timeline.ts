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

export function timelineSvg(t: TraceResult, opts: TimelineOptions = {}): string {
  const ls = lanes(t);
  const counts = countsByStep(t);
  const n = t.steps.length;
  const dx = opts.dx ?? 26, lh = opts.laneHeight ?? 46, labelW = 118, top = 34, right = 40;
  const width = labelW + (n + 1) * dx + right;
  const height = top + Math.max(1, ls.length) * lh + 10;
  const x = (k: number) => labelW + k * dx + dx / 2;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="rl-timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="reference counts per object, step by step">`);
  // event bands
  for (const e of t.events) {
    if (e.firstSeq > e.lastSeq) continue;
    const x0 = x(e.firstSeq) - dx / 2, x1 = x(e.lastSeq) + dx / 2;
    parts.push(`<g class="rl-event" data-event="${e.index}"><rect class="rl-event-band rl-event-${e.index % 2}" x="${x0}" y="${top - 6}" width="${x1 - x0}" height="${height - top}"/>`
      + `<text class="rl-event-label" x="${x0 + 3}" y="${top - 22}">${esc(truncate(e.text, Math.max(4, Math.floor((x1 - x0) / 6.2))))}</text><title>${esc(e.text)}</title></g>`);
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
      const xx = k === 0 ? x(0) : x(k);
      if (prev === undefined) d += `M${xx - dx / 2} ${y(v)} `;
      else d += `L${xx - dx / 2} ${y(prev)} L${xx - dx / 2} ${y(v)} `;
      d += `L${xx + dx / 2} ${y(v)} `;
      prev = v;
    }
    if (d) parts.push(`<path class="rl-count" d="${d.trim()}"/>`);
    for (const s of t.steps) {
      if (s.object !== lane.id) continue;
      const cls = `rl-point rl-op-${s.op}${s.after > s.before ? ' rl-up' : s.after < s.before ? ' rl-down' : ''}${opts.current === s.seq ? ' rl-current' : ''}`;
      parts.push(`<g class="rl-step" data-seq="${s.seq}" tabindex="-1"><circle class="${cls}" cx="${x(s.seq)}" cy="${y(s.after)}" r="5"/>`
        + `<text class="rl-count-label" x="${x(s.seq)}" y="${y(s.after) - 8}" text-anchor="middle">${s.after}</text>`
        + `<title>${esc(`#${s.seq} ${s.function}${s.kernel ? '' : '()'}${s.line ? ` line ${s.line}` : ''}: ${s.call} ${s.object} ${s.before} -> ${s.after}${s.note ? ` (${s.note})` : ''}`)}</title></g>`);
    }
    if (final) parts.push(`<text class="rl-final rl-final-${final.state}" x="${x(n) + dx / 2 + 4}" y="${y(final.count) + 4}">${final.state === 'freed' ? '✓' : final.state === 'leaked' ? `✗ ${final.count}` : final.count}</text>`);
    parts.push('</g>');
  });
  if (opts.current) parts.push(`<line class="rl-cursor" x1="${x(opts.current)}" x2="${x(opts.current)}" y1="${top - 6}" y2="${height}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

function truncate(s: string, n: number): string { return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…'; }
