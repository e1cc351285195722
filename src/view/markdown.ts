/**
 * Hover and tooltip texts, in Markdown: on a function's name its path table (path,
 * conditions, exit line, return, one delta cell per object); on a counted call what it does
 * and the count it leaves on each path through it; an inlay hint's tooltip lists the paths
 * through its call with their change there and their total.
 */
import type { Diagnostic, FunctionResult, PathClass } from '../analysis/result';
import { what, type CallSite } from './sites';
import { deltaCell, objectColumn, signed } from './format';
import { describeSource } from './sources';
import { stepWords } from './steps';

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
  if (problems.length)
    out.push('', ...problems.map((d) => `- **${d.rule}** (line ${d.line}): ${escapeText(d.message)}`));
  return out.join('\n');
}

/** At most this many paths are listed in a call's hover; the function name's hover has them all. */
const HOVER_PATHS = 6;

/**
 * A counted call's hover, short enough to read under the diagnostic the editor shows first:
 * what the call does and the count after it on each path through it (first line), then each
 * path's counted steps on the object, each with the count it leaves (`+1, now +3`).
 */
export function callHover(site: CallSite): string {
  const extras = site.extras.length ? `, ${site.extras.join(', ')}` : '';
  const out = [
    `**${site.call}()** ${site.values} on \`${site.object}\` (${what(site)}${extras}): ${countsAfter(site)}`,
    '',
  ];
  const through = new Set(site.paths.map((p) => p.id));
  const paths = site.fn.paths.filter((p) => through.has(p.id));
  for (const p of paths.slice(0, HOVER_PATHS)) out.push(`- #${p.id}: ${stepsText(p, site)}`);
  if (paths.length > HOVER_PATHS)
    out.push(`- and ${paths.length - HOVER_PATHS} more paths (hover ${site.fn.name}() for all)`);
  const origin = site.sources.map(describeSource).filter(Boolean).join(', ');
  if (origin) out.push('', `model: ${origin}`);
  return out.join('\n');
}

/** `the count after it: +1 on path #3; +3 on paths #4, #5`. */
function countsAfter(site: CallSite): string {
  const byCount = new Map<number, number[]>();
  for (const p of site.paths) if (p.after !== undefined) byCount.set(p.after, [...(byCount.get(p.after) ?? []), p.id]);
  if (!byCount.size) return `${site.paths.length} path${site.paths.length === 1 ? '' : 's'} through it`;
  const ids = (xs: number[]) =>
    `path${xs.length > 1 ? 's' : ''} ${xs
      .slice(0, 4)
      .map((x) => `#${x}`)
      .join(', ')}${xs.length > 4 ? ', …' : ''}`;
  return `the count after it: ${[...byCount].map(([n, xs]) => `${signed(n)} on ${ids(xs)}`).join('; ')}`;
}

/**
 * `line 91 xun_make() +2 (MAKEDEV_REF), now +2 · line 93 dev_ref() +1, now +3`, and the count at
 * the exit when it is not the last one shown (something after changed it, or handed it on).
 */
function stepsText(p: PathClass, site: CallSite): string {
  const steps = p.steps.filter((s) => s.object === site.object && s.counter === site.counter && s.delta !== 0);
  const total = p.deltas.find((d) => d.object === site.object && d.counter === site.counter);
  const last = steps.at(-1)?.after;
  const exit =
    total && (total.delta !== last || total.transferred)
      ? `; at the exit (line ${p.exit.line}): ${deltaCell(total)}`
      : '';
  return `${steps.map(stepWords).join(' · ')}${exit}`;
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
  const exit = `at exit line ${path.exit.line} (returns ${path.exit.returns})`;
  return `#${path.id}${merged}: ${signed(here)} here, ${total === undefined ? '?' : signed(total)} ${exit} · ${cond}`;
}

/** The Markdown path table: one row per path class, one delta column per counted object. */
export function pathTable(fn: FunctionResult, paths: PathClass[]): string {
  const objects = [...new Set(fn.paths.flatMap((p) => p.deltas.map(objectColumn)))];
  const head = ['path', 'conditions', 'exit line', 'returns', ...objects.map((k) => `\`${k}\``)];
  const rows = paths.map((p) => [
    `#${p.id}${p.merged > 1 ? ` (${p.merged})` : ''}`,
    p.conditions.length ? p.conditions.map(escapeCell).join(' ∧ ') : 'always',
    `${p.exit.line}`,
    escapeCell(
      p.exit.returns === p.exit.returnClass || p.exit.returnClass === 'unknown'
        ? p.exit.returns
        : `${p.exit.returns} (${p.exit.returnClass})`,
    ),
    ...objects.map((k) => deltaCell(p.deltas.find((d) => objectColumn(d) === k))),
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function escapeCell(s: string): string {
  return escapeText(s).replace(/\|/g, '\\|');
}

export function escapeText(s: string): string {
  return s.replace(/([\\`*_[\]<>])/g, '\\$1');
}
