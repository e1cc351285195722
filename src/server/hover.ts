/**
 * Hovers: on a function's name, its path table (path, conditions, exit line, return,
 * deltas); on a counted call, what the call does on each path through it, then the table
 * of those paths.
 */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Delta, FileResult, FunctionResult, PathClass } from '../analysis/result';
import { callSites, siteLabel, type CallSite } from './hints';
import { describeSource } from './model-sources';
import { LineIndex, signed } from './positions';

export function hover(result: FileResult, text: string, pos: Position): Hover | null {
  const line1 = pos.line + 1;
  for (const fn of result.functions) {
    if (line1 < fn.range.line || line1 > fn.range.endLine) continue;
    if (onName(fn, pos)) return markdown(functionHover(fn, result));
    const site = siteAt(fn, new LineIndex(text), pos);
    if (site) return markdown(callHover(site));
  }
  return null;
}

function markdown(value: string): Hover {
  return { contents: { kind: MarkupKind.Markdown, value } };
}

function onName(fn: FunctionResult, pos: Position): boolean {
  const r = fn.nameRange;
  return pos.line === r.line - 1 && pos.character >= r.column && pos.character <= r.endColumn;
}

/** The call site whose name or argument list is under the cursor. */
function siteAt(fn: FunctionResult, index: LineIndex, pos: Position): CallSite | undefined {
  for (const site of callSites(fn)) {
    if (site.line !== pos.line + 1) continue;
    const where = index.callEnd(site.line, site.column, site.call);
    if (!where) continue;
    const endsLater = where.end.line > pos.line || where.end.character >= pos.character;
    if (pos.character >= where.start.character && endsLater) return site;
  }
  return undefined;
}

export function functionHover(fn: FunctionResult, result?: FileResult): string {
  const roles = fn.roles?.length ? ` — ${fn.roles.join(', ')}` : '';
  const out = [`**${fn.name}()**${roles}`, ''];
  if (fn.truncated) out.push(`⚠ ${fn.truncatedReason ?? 'analysis cut short'}`, '');
  if (!fn.paths.length) {
    out.push(fn.truncated ? 'No paths to show.' : 'Touches no counted object.');
    return out.join('\n');
  }
  out.push(pathTable(fn, fn.paths));
  const problems = (result?.diagnostics ?? []).filter((d) => d.function === fn.name && d.rule !== 'parse');
  if (problems.length) out.push('', ...problems.map((d) => `- **${d.rule}** (line ${d.line}): ${escapeText(d.message)}`));
  return out.join('\n');
}

export function callHover(site: CallSite): string {
  const origin = [...site.sources].map(describeSource).filter(Boolean).join(', ');
  const out = [
    `**${site.call}()** → \`${site.object}\` (${site.kind}): **${siteLabel(site)}**${origin ? ` · model: ${origin}` : ''}`,
    '',
  ];
  const paths = site.fn.paths.filter((p) => site.perPath.has(p.id));
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

/** The Markdown path table: one row per path class, one delta column per counted object. */
export function pathTable(fn: FunctionResult, paths: PathClass[]): string {
  const objects = [...new Set(fn.paths.flatMap((p) => p.deltas.map((d) => objectKey(d))))];
  const head = ['path', 'conditions', 'exit line', 'returns', ...objects.map((k) => `\`${k}\``)];
  const rows = paths.map((p) => [
    `#${p.id}${p.merged > 1 ? ` (${p.merged})` : ''}`,
    p.conditions.length ? p.conditions.map(escapeCell).join(' ∧ ') : 'always',
    `${p.exit.line}`,
    escapeCell(p.exit.returns === p.exit.returnClass || p.exit.returnClass === 'unknown' ? p.exit.returns : `${p.exit.returns} (${p.exit.returnClass})`),
    ...objects.map((k) => deltaCell(p.deltas.find((d) => objectKey(d) === k))),
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function objectKey(d: Delta): string {
  return `${d.object} (${d.kind}${d.counter ? `, ${d.counter}` : ''})`;
}

/** `+3 (+1 existence, +2 refs)`, or the plain number when only one part is non-zero. */
function deltaCell(d: Delta | undefined): string {
  if (!d) return '0';
  const parts = [d.existence ? `${signed(d.existence)} existence` : '', d.refs ? `${signed(d.refs)} refs` : ''].filter(Boolean);
  const transferred = d.transferred ? ' handed on' : '';
  return parts.length > 1 ? `${signed(d.delta)} (${parts.join(', ')})${transferred}` : `${signed(d.delta)}${transferred}`;
}

function escapeCell(s: string): string {
  return escapeText(s).replace(/\|/g, '\\|');
}

function escapeText(s: string): string {
  return s.replace(/([\\`*_[\]<>])/g, '\\$1');
}
