/** A path's story: its counted steps, and what it handed on or stored, in order. */
import type { PathClass, Step } from '../analysis/result';
import { signed } from './format';

/** One counted step for a hover: `line 93 dev_ref() +1, now +3`: the change, then the count it leaves. */
export function stepWords(s: Step): string {
  const notes = [s.note, s.inferred ? 'inferred' : undefined].filter(Boolean);
  const noted = notes.length ? ` (${notes.join(', ')})` : '';
  const now = s.after !== undefined ? `, now ${signed(s.after)}` : '';
  return `line ${s.line} ${s.call}() ${signed(s.delta)}${noted}${now}`;
}

/** `147 make_dev_s: *dev +1 → +1`, `153 =: *dev stored`, one entry per step. */
export function pathStory(p: PathClass): string[] {
  return p.steps
    .filter((s) => s.delta !== 0 || s.op === 'transfer' || s.op === 'store')
    .map((s) => {
      const what =
        s.delta !== 0
          ? `${s.object} ${signed(s.delta)}`
          : `${s.object} ${s.op === 'transfer' ? 'handed on' : 'stored'}`;
      const note = s.note && !s.note.startsWith('handed') && !s.note.startsWith('stored') ? ` ${s.note}` : '';
      const after = s.after !== undefined && s.delta !== 0 ? ` → ${signed(s.after)}` : '';
      return `${s.line} ${s.call}${note}: ${what}${after}${s.inferred ? ' (inferred)' : ''}`;
    });
}
