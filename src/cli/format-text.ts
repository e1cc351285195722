/** The human-readable report: a table per function, then the problems (cells and words from src/view/). */
import type { FileResult, FunctionResult } from '../analysis/result';
import { tableCell } from '../view/format';
import { problemLine } from '../view/problems';
import { pathStory } from '../view/steps';

export interface Colors {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

export function colors(enabled: boolean): Colors {
  const wrap = (code: number) => (s: string) => (enabled ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap(1), dim: wrap(2), red: wrap(31), yellow: wrap(33), green: wrap(32), cyan: wrap(36) };
}

function pad(s: string, n: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  const visible = s.replace(/\u001b\[\d+m/g, '');
  return visible.length >= n ? s : s + ' '.repeat(n - visible.length);
}

export function formatFunction(f: FunctionResult, c: Colors): string[] {
  const lines: string[] = [];
  const roles = f.roles?.length ? c.cyan(`  [${f.roles.join(', ')}]`) : '';
  lines.push(
    `${c.bold(f.name + '()')} ${c.dim(`line ${f.line}`)}${roles}` +
      (f.truncated ? c.yellow(`  truncated: ${f.truncatedReason}`) : ''),
  );
  if (!f.paths.length) return lines;
  const objects = f.paths[0].deltas.map((d) => `${d.object} (${d.kind})`);
  const header = [pad('path', 5), pad('exit', 6), pad('returns', 14), ...objects.map((o) => pad(o, 18)), 'conditions'];
  lines.push('  ' + c.dim(header.join(' ')));
  for (const p of f.paths) {
    const row = [
      pad(`#${p.id}`, 5),
      pad(String(p.exit.line), 6),
      pad(p.exit.returns === 'void' ? 'void' : `${p.exit.returns}`.slice(0, 14), 14),
      ...p.deltas.map((d) =>
        pad(d.delta > 0 ? c.yellow(tableCell(d)) : d.delta < 0 ? c.red(tableCell(d)) : tableCell(d), 18),
      ),
      c.dim(p.conditions.slice(-3).join(' ∧ ') + (p.merged > 1 ? ` (${p.merged} paths)` : '')),
    ];
    lines.push('  ' + row.join(' '));
  }
  for (const p of f.paths) {
    const story = pathStory(p);
    if (!story.length) continue;
    lines.push(
      `  ${c.dim(`#${p.id} steps:`)} ${story.join('; ')}` +
        (p.stepsOmitted ? c.dim(` … ${p.stepsOmitted} more not shown`) : ''),
    );
  }
  return lines;
}

export function formatFile(r: FileResult, c: Colors): string {
  const out: string[] = [c.bold(`== ${r.path}`)];
  if (r.error) {
    out.push(c.red(`  ${r.error}`));
    return out.join('\n');
  }
  if (r.skipped) {
    out.push(c.dim(`  ${r.skipped}`));
    return out.join('\n');
  }
  const shown = r.functions.filter((f) => !f.quiet || f.truncated);
  out.push(
    c.dim(
      `  ${r.functions.length} functions, ${shown.length} of them touch counted objects;` +
        ` parse ${r.timing.parseMs} ms, analysis ${r.timing.analyzeMs} ms`,
    ),
  );
  for (const f of shown) {
    out.push('');
    out.push(...formatFunction(f, c).map((l) => '  ' + l));
  }
  if (r.detailOmitted) out.push(c.dim(`  (${r.detailOmitted})`));
  const problems = r.diagnostics.filter((d) => d.rule !== 'parse');
  out.push('');
  if (!problems.length) out.push(c.green('  no problems found'));
  for (const d of problems) {
    const sev =
      d.severity === 'error' ? c.red('error') : d.severity === 'warning' ? c.yellow('warning') : c.cyan('info');
    out.push(`${r.path}:${d.line}: ${sev} [${d.rule}] ${problemLine(d)}`);
    for (const rel of d.related) out.push(c.dim(`    ${r.path}:${rel.line}: ${rel.message}`));
  }
  return out.join('\n');
}
