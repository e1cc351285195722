/**
 * The diff as Markdown: a comment a reviewer pastes into a code review or a bot posts (and a
 * GitHub job summary). A headline, the changed counts as a table, the fixed and introduced
 * problems, the ones left folded away, and the lifecycle verdicts before and after.
 */
import type { DiagnosticChange, Review } from '../analysis/review/types';
import { escapeCell, escapeText } from './markdown';
import { deltaSet, functionHeading, objectName, outcomesLine, verdictWords } from './review';

export function reviewToMarkdown(review: Review): string {
  const d = review.diagnostics;
  const out: string[] = [`### Refcount Lens: \`${tick(review.base)}\` → \`${tick(review.head)}\``, ''];
  out.push(headline(review), '');

  if (review.functions.length) {
    out.push('#### Reference counts', '');
    out.push('| function | object | before | after | per path outcome |', '|---|---|---|---|---|');
    for (const f of review.functions) {
      const where = `${escapeCell(functionHeading(f))}<br>${escapeCell(f.file)}`;
      if (!f.objects.length) out.push(`| ${where} | | | | ${problemsNote(f.fixed, f.introduced)} |`);
      for (const o of f.objects)
        out.push(
          `| ${where} | \`${escapeTick(objectName(o))}\` | ${deltaSet(o.before)} | ${deltaSet(o.after)} | ` +
            `${escapeCell(outcomesLine(o))} |`,
        );
    }
    out.push('');
  }

  out.push('#### Problems', '');
  out.push(...list('Introduced', d.introduced, '❌'), ...list('Fixed', d.fixed, '✅', review.base));
  if (d.updated.length) out.push(...list('Reworded (the same problem, other counts or paths)', d.updated, '✏️'));
  if (d.unchanged.length) {
    out.push(`<details><summary>Left as they were (${d.unchanged.length})</summary>`, '');
    for (const x of d.unchanged) out.push(item(x, '•'));
    out.push('', '</details>', '');
  }

  if (review.trace.length) {
    out.push('#### Lifecycle', '', '| scenario | before | after |', '|---|---|---|');
    for (const t of review.trace) {
      const cell = (v: typeof t.before) => verdictWords(v).map(escapeCell).join('<br>');
      const mark = t.regressed ? ' ❌' : t.changed ? ' ✅' : '';
      out.push(`| ${escapeCell(t.scenario)}${mark}<br>${escapeCell(t.file)} | ${cell(t.before)} | ${cell(t.after)} |`);
    }
    out.push('');
  }

  const notes = review.problems;
  if (notes.length) {
    out.push('#### Notes', '');
    for (const p of notes) {
      const side = p.side ? ` (${p.side})` : '';
      out.push(`- ${p.severity === 'error' ? '⚠️ ' : ''}\`${tick(p.file)}\`${side}: ${escapeText(p.message)}`);
    }
    out.push('');
  }
  return out.join('\n');
}

function headline(review: Review): string {
  const d = review.diagnostics;
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  const left = d.unchanged.length + d.updated.length;
  const parts = [
    d.introduced.length ? `**${n(d.introduced.length, 'problem')} introduced**` : 'no problem introduced',
    d.fixed.length ? `**${n(d.fixed.length, 'problem')} fixed**` : 'none fixed',
    `${left} left`,
  ];
  const turned = review.trace.filter((t) => t.regressed);
  if (turned.length) parts.push(`**${n(turned.length, 'lifecycle verdict')} turned bad**`);
  return `${review.introducesProblems ? '❌' : '✅'} ${parts.join(', ')}.`;
}

function list(title: string, ds: DiagnosticChange[], mark: string, base?: string): string[] {
  if (!ds.length) return [`**${title}**: none`, ''];
  return [`**${title}** (${ds.length})`, '', ...ds.map((x) => item(x, mark, base)), ''];
}

/** `base`: the revision the diagnostic's line is in (a fixed one's). */
function item(d: DiagnosticChange, mark: string, base?: string): string {
  const fn = d.function ? ` in \`${tick(d.function)}()\`` : '';
  const was = d.baseFunction ? ` (was \`${tick(d.baseFunction)}()\`)` : '';
  const file = base ? (d.baseFile ?? d.file) : d.file;
  const where = `\`${tick(file)}:${d.line}\`${base ? ` in \`${tick(base)}\`` : ''}`;
  return `- ${mark} **${d.severity}** \`${d.rule}\`${fn}${was}, ${where}: ${escapeText(d.message)}`;
}

function problemsNote(fixed: number, introduced: number): string {
  return [fixed ? `${fixed} fixed` : '', introduced ? `${introduced} introduced` : ''].filter(Boolean).join(', ');
}

/** Text inside a code span: a backtick would end it. */
function tick(s: string): string {
  return s.replace(/`/g, "'");
}

function escapeTick(s: string): string {
  return tick(s).replace(/\|/g, '\\|');
}
