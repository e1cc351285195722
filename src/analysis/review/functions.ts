/**
 * Which function of the base is which function of the head: the same name (wherever it moved),
 * else, for the functions left over, a rename told by the body (most of its lines the same once
 * its own name is set aside) or, without the texts, by an identical counted result.
 */
import type { FunctionResult } from '../result';
import { objectCounts } from './outcome';

export interface FunctionPair {
  base?: FunctionResult;
  head?: FunctionResult;
  /** Matched by body, not by name. */
  renamed?: boolean;
}

/** How alike two bodies must be to be one function renamed (Dice coefficient of their lines). */
export const RENAME_SIMILARITY = 0.6;
/** Past this many candidate pairs only identical bodies count as renames (the work stays bounded). */
const MAX_FUZZY_PAIRS = 250_000;

export function matchFunctions(
  base: readonly FunctionResult[],
  head: readonly FunctionResult[],
  texts: { base?: string; head?: string } = {},
): FunctionPair[] {
  const pairs: FunctionPair[] = [];
  const headByName = new Map<string, FunctionResult[]>();
  for (const f of head) {
    const list = headByName.get(f.name);
    if (list) list.push(f);
    else headByName.set(f.name, [f]);
  }
  const leftBase: FunctionResult[] = [];
  const pairedHead = new Set<FunctionResult>();
  for (const f of base) {
    const same = headByName.get(f.name)?.shift();
    if (same) {
      pairs.push({ base: f, head: same });
      pairedHead.add(same);
    } else leftBase.push(f);
  }
  const leftHead = head.filter((f) => !pairedHead.has(f));
  const renames = findRenames(leftBase, leftHead, texts);
  const renamedBase = new Set(renames.map((p) => p.base));
  const renamedHead = new Set(renames.map((p) => p.head));
  pairs.push(...renames);
  for (const f of leftBase) if (!renamedBase.has(f)) pairs.push({ base: f });
  for (const f of leftHead) if (!renamedHead.has(f)) pairs.push({ head: f });
  return pairs;
}

function findRenames(
  base: FunctionResult[],
  head: FunctionResult[],
  texts: { base?: string; head?: string },
): FunctionPair[] {
  if (!base.length || !head.length) return [];
  const byText = texts.base !== undefined && texts.head !== undefined;
  const bodyOf = (text: string | undefined) => {
    const lines = text?.split('\n') ?? [];
    return (f: FunctionResult) => bodyLines(lines, f);
  };
  const baseBodies = byText ? base.map(bodyOf(texts.base)) : [];
  const headBodies = byText ? head.map(bodyOf(texts.head)) : [];
  const fuzzy = base.length * head.length <= MAX_FUZZY_PAIRS;
  // each body's lines counted once, not once per pair it is scored in
  const baseCounts = fuzzy ? baseBodies.map(lineCounts) : [];
  const headCounts = fuzzy ? headBodies.map(lineCounts) : [];
  const scored: { i: number; j: number; score: number }[] = [];
  for (let i = 0; i < base.length; i++)
    for (let j = 0; j < head.length; j++) {
      const score = byText
        ? fuzzy
          ? dice(baseCounts[i], headCounts[j])
          : baseBodies[i].join('\n') === headBodies[j].join('\n')
            ? 1
            : 0
        : sameCountedResult(base[i], head[j])
          ? 1
          : 0;
      if (score >= RENAME_SIMILARITY) scored.push({ i, j, score });
    }
  scored.sort((a, b) => b.score - a.score || a.i - b.i || a.j - b.j);
  const usedBase = new Set<number>();
  const usedHead = new Set<number>();
  const out: FunctionPair[] = [];
  for (const s of scored) {
    if (usedBase.has(s.i) || usedHead.has(s.j)) continue;
    usedBase.add(s.i);
    usedHead.add(s.j);
    out.push({ base: base[s.i], head: head[s.j], renamed: true });
  }
  return out;
}

/** A function's lines, trimmed, blank ones dropped, its own name set aside (a rename changes it). */
function bodyLines(lines: string[], f: FunctionResult): string[] {
  const own = new RegExp(`\\b${f.name.replace(/[^\w]/g, '')}\\b`, 'g');
  return lines
    .slice(f.range.line - 1, f.range.endLine)
    .map((l) => l.trim().replace(own, '\u0000'))
    .filter(Boolean);
}

/** A body's lines with how often each occurs, and how many there are. */
interface LineCounts {
  count: Map<string, number>;
  size: number;
}

function lineCounts(lines: string[]): LineCounts {
  const count = new Map<string, number>();
  for (const l of lines) count.set(l, (count.get(l) ?? 0) + 1);
  return { count, size: lines.length };
}

/** Dice's coefficient of two bodies as multisets of lines: 2·|common lines| / (|a| + |b|). */
function dice(a: LineCounts, b: LineCounts): number {
  if (!a.size || !b.size) return 0;
  let common = 0;
  for (const [l, n] of b.count) common += Math.min(n, a.count.get(l) ?? 0);
  return (2 * common) / (a.size + b.size);
}

/** Without the texts: a function that counts something, and counts it the same way on both sides. */
function sameCountedResult(a: FunctionResult, b: FunctionResult): boolean {
  if (!a.paths.length || a.paths.length !== b.paths.length) return false;
  return countedSignature(a) === countedSignature(b);
}

/** What a function's paths do to each object, per outcome; equal when its counted result did not change. */
export function countedSignature(f: FunctionResult): string {
  const parts: string[] = [];
  for (const [key, o] of objectCounts(f))
    parts.push(
      `${key}:${o.kind}:${[...o.byOutcome]
        .map(([k, v]) => `${k}=${v.join(',')}`)
        .sort()
        .join(';')}`,
    );
  return `${f.truncated ? 'cut|' : ''}${(f.roles ?? []).slice().sort().join(',')}|${parts.sort().join('|')}`;
}
