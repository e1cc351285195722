/**
 * Hover and tooltip texts, in Markdown: on a function's name its path table (path,
 * conditions, exit line, return, one delta cell per object); on a counted call what it does
 * on each path through it, then those paths' table; an inlay hint's tooltip lists the paths
 * through its call with their change there and their total.
 */
import type { Diagnostic, FunctionResult, PathClass } from '../analysis/result';
import type { CallSite } from './sites';
import { deltaCell, objectColumn, signed } from './format';
import { describeSource } from './sources';

export function functionHover(fn: FunctionResult, diagnostics: readonly Diagnostic[] = []): string {
  const roles = fn.roles?.length ? ` — ${fn.roles.join(', ')}` : '';
  const out = [`**${fn.name}()**${roles}`, ''];
  if (fn.truncated) out.push(`⚠ ${fn.truncatedReason ?? 'analysis cut short'}`, '');
  if (!fn.paths.length) {
    out.push(fn.truncated ? 'No paths to show.' : 'Touches no counted object.');
    return out.join('\n');
  }
  out.push(pathTable(fn, fn.paths));
  const problems = diagnostics.filter((d) => d.function === fn.name && d.rule !== 'parse');
  if (problems.length) out.push('', ...problems.map((d) => `- **${d.rule}** (line ${d.line}): ${escapeText(d.message)}`));
  return out.join('\n');
}

export function callHover(site: CallSite): string {
  const origin = site.sources.map(describeSource).filter(Boolean).join(', ');
  const out = [
    `**${site.call}()** → \`${site.object}\` (${site.kind}): **${site.label}**${origin ? ` · model: ${origin}` : ''}`,
    '',
  ];
  const through = new Set(site.paths.map((p) => p.id));
  const paths = site.fn.paths.filter((p) => through.has(p.id));
  for (const p of paths) out.push(`- #${p.id}: ${stepsText(p, site.object)}`);
  out.push('', pathTable(site.fn, paths));
  return out.join('\n');
}

/** `line 101 tun_create_device MAKEDEV_REF +2 → +2 · line 104 dev_ref +1 → +3` */
function stepsText(p: PathClass, object: string): string {
  return p.steps
    .filter((s) => s.object === object && s.delta !== 0)
    .map((s) => `line ${s.line} ${s.call}${s.note ? ` ${s.note}` : ''} ${signed(s.delta)}${s.after !== undefined ? ` → ${signed(s.after)}` : ''}${s.inferred ? ' (inferred)' : ''}`)
    .join(' · ');
}

/** The inlay hint's tooltip: the path classes through the call, with their change here and their total. */
export function siteTooltip(site: CallSite): string {
  const lines = [`**${site.call}()** on \`${site.object}\` (${site.kind}${site.counter ? `, ${site.counter}` : ''})`];
  const origin = site.sources.map(describeSource).filter(Boolean);
  if (origin.length) lines.push(`model: ${origin.join(', ')}${site.inferred ? ' · inferred' : ''}`);
  else if (site.inferred) lines.push('inferred from the names of a get/put pair (no model entry)');
  lines.push('', `Paths through this call in ${site.fn.name}():`, '');
  for (const { id, here } of site.paths) {
    const path = site.fn.paths.find((p) => p.id === id);
    if (path) lines.push(`- ${pathLine(path, site, here)}`);
  }
  return lines.join('\n');
}

function pathLine(path: PathClass, site: CallSite, here: number): string {
  const total = path.deltas.find((d) => d.object === site.object && d.counter === site.counter)?.delta;
  const cond = path.conditions.length ? path.conditions.join(' ∧ ') : 'always';
  const merged = path.merged > 1 ? ` (${path.merged} paths)` : '';
  return `#${path.id}${merged}: ${signed(here)} here, ${total === undefined ? '?' : signed(total)} at exit line ${path.exit.line} (returns ${path.exit.returns}) · ${cond}`;
}

/** The Markdown path table: one row per path class, one delta column per counted object. */
export function pathTable(fn: FunctionResult, paths: PathClass[]): string {
  const objects = [...new Set(fn.paths.flatMap((p) => p.deltas.map(objectColumn)))];
  const head = ['path', 'conditions', 'exit line', 'returns', ...objects.map((k) => `\`${k}\``)];
  const rows = paths.map((p) => [
    `#${p.id}${p.merged > 1 ? ` (${p.merged})` : ''}`,
    p.conditions.length ? p.conditions.map(escapeCell).join(' ∧ ') : 'always',
    `${p.exit.line}`,
    escapeCell(p.exit.returns === p.exit.returnClass || p.exit.returnClass === 'unknown' ? p.exit.returns : `${p.exit.returns} (${p.exit.returnClass})`),
    ...objects.map((k) => deltaCell(p.deltas.find((d) => objectColumn(d) === k))),
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function escapeCell(s: string): string {
  return escapeText(s).replace(/\|/g, '\\|');
}

function escapeText(s: string): string {
  return s.replace(/([\\`*_[\]<>])/g, '\\$1');
}
