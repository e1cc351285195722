/** The trace for a terminal: events with their steps, the final objects, the verdicts. */
import type { TraceResult } from './types';

export interface TextColors {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const plain: TextColors = {
  bold: (s) => s,
  dim: (s) => s,
  red: (s) => s,
  yellow: (s) => s,
  green: (s) => s,
  cyan: (s) => s,
};

export function traceToText(t: TraceResult, c: TextColors = plain, opts: { notes?: boolean } = {}): string {
  const out: string[] = [];
  out.push(
    c.bold(`trace ${t.scenario}`) +
      c.dim(` over ${t.file}`) +
      (t.whatIf.length ? c.cyan(`  what-if: ${t.whatIf.join(', ')}`) : ''),
  );
  if (t.description) out.push(c.dim(`  ${t.description}`));
  const facts = Object.entries(t.facts)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  out.push(c.dim(`  facts: ${facts}`));
  out.push('');
  for (const e of t.events) {
    out.push(c.bold(`${e.scenarioLine ? `[${e.scenarioLine}] ` : ''}${e.text}`));
    const steps = t.steps.filter((s) => s.eventIndex === e.index);
    const calls = t.calls.filter((x) => x.eventIndex === e.index);
    for (const x of calls.filter((x) => x.path !== undefined)) {
      out.push(
        c.dim(`    ${'  '.repeat(x.depth)}${x.function}() path #${x.path} (exit line ${x.exitLine}): ${x.reason}`),
      );
    }
    for (const s of steps) {
      const arrow = `${s.before} → ${s.after}`;
      const col = s.after > s.before ? c.yellow(arrow) : s.after < s.before ? c.green(arrow) : arrow;
      const where = s.kernel ? c.dim(s.where) : s.where;
      const note = s.note && !s.kernel ? c.dim(`  ${s.note}`) : '';
      out.push(
        `  #${String(s.seq).padEnd(3)} ${pad(s.object, 14)} ${pad(col, 8, arrow)} ${pad(s.call, 18)} ${where}${note}`,
      );
    }
    if (opts.notes !== false) for (const n of e.notes) out.push(c.dim(`    · ${n}`));
  }
  out.push('');
  out.push(c.bold('final objects'));
  for (const o of t.final.objects) {
    const st = o.state === 'freed' ? c.green(o.state) : o.state === 'leaked' ? c.red(o.state) : c.yellow(o.state);
    const held = o.heldBy.length && o.count > 0 ? c.dim(`  held by: ${o.heldBy.join('; ')}`) : '';
    out.push(`  ${pad(o.id, 14)} ${pad(o.kind, 7)} count ${String(o.count).padEnd(3)} ${st}${held}`);
  }
  if (t.problems.length) {
    out.push('');
    out.push(c.bold('problems'));
    for (const p of t.problems) out.push(`  ${severity(p.severity, c)}: ${p.message}`);
  }
  out.push('');
  out.push(c.bold('verdicts'));
  for (const v of t.verdicts) out.push(`  ${v.good ? c.green('ok ') : c.red('BAD')} ${v.reason}`);
  return out.join('\n') + '\n';
}

function severity(s: TraceResult['problems'][number]['severity'], c: TextColors): string {
  if (s === 'error') return c.red('error');
  return s === 'warning' ? c.yellow('warning') : 'info';
}

function pad(s: string, n: number, visible = s): string {
  return visible.length >= n ? s : s + ' '.repeat(n - visible.length);
}
