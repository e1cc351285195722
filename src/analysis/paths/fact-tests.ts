/**
 * Tests on a value (`== c`, `& FLAG`, `< 0`), what the facts of a path state decide of
 * them, and the fact a path learns when it takes one way.
 */
import type { Atom } from '../model/compiled';
import type { Fact, Signs } from './state';
import { CONST_NAME, ERRNO, isZeroConst } from './values';

export type Test =
  | { op: 'eq' | 'ne'; c: string }
  | { op: 'lt0' | 'ge0' | 'gt0' | 'le0' }
  | { op: 'has' | 'lacks'; flag: string };

/** What a fact says of a test: true, false or undefined (unknown). */
export function decide(f: Fact | undefined, t: Test): boolean | undefined {
  if (!f) return undefined;
  switch (t.op) {
    case 'eq':
    case 'ne': {
      let r: boolean | undefined;
      if (f.eq !== undefined) {
        if (f.eq === t.c) r = true;
        else if (/^-?\d+$/.test(f.eq) && /^-?\d+$/.test(t.c)) r = false;
        else if (isZeroConst(t.c) && (ERRNO.test(f.eq) || /^-?[1-9]\d*$/.test(f.eq))) r = false;
        else if (isZeroConst(f.eq) && ERRNO.test(t.c)) r = false;
        else if (distinctErrnos(f.eq, t.c)) r = false;
        else if (f.flags?.length && isZeroConst(t.c)) r = false;
      }
      if (r === undefined && f.ne?.includes(t.c)) r = false;
      if (r === undefined && isZeroConst(t.c) && f.ne?.some((x) => isZeroConst(x))) r = false;
      if (r === undefined && f.flags && isZeroConst(t.c)) r = f.flags.length === 0;
      if (r === undefined && isZeroConst(t.c) && f.has?.length) r = false;
      if (r === undefined && isZeroConst(t.c) && f.signs !== undefined) {
        if (!f.signs.includes('0')) r = false;
        else if (f.signs === '0') r = true;
      }
      if (r === undefined) return undefined;
      return t.op === 'eq' ? r : !r;
    }
    case 'has':
    case 'lacks': {
      let r: boolean | undefined;
      if (f.flags) r = f.flags.includes(t.flag);
      else if (f.has?.includes(t.flag)) r = true;
      else if (f.lacks?.includes(t.flag)) r = false;
      else if (f.eq !== undefined && isZeroConst(f.eq)) r = false;
      else if (f.eq !== undefined && CONST_NAME.test(f.eq)) r = f.eq === t.flag;
      if (r === undefined) return undefined;
      return t.op === 'has' ? r : !r;
    }
    default:
      return decideSign(f, t.op);
  }
}

/**
 * Names of the errno family stand for distinct numbers (`EACCES` is not `ESRCH`, nor `-EACCES`), but for the
 * few that are another's second name on some kernel: a test of one against the other stays undecided.
 */
const ERRNO_ALIASES: readonly (readonly string[])[] = [
  ['EAGAIN', 'EWOULDBLOCK'],
  ['EDEADLK', 'EDEADLOCK'],
  ['ENOTSUP', 'EOPNOTSUPP'],
  ['ENOATTR', 'ENODATA'],
  ['EFSCORRUPTED', 'EUCLEAN'],
  ['EFSBADCRC', 'EBADMSG'],
];

function distinctErrnos(a: string, b: string): boolean {
  if (a === b || !ERRNO.test(a) || !ERRNO.test(b)) return false;
  const negative = a.startsWith('-');
  if (negative !== b.startsWith('-')) return true;
  const [x, y] = negative ? [a.slice(1), b.slice(1)] : [a, b];
  return !ERRNO_ALIASES.some((names) => names.includes(x) && names.includes(y));
}

type SignTest = 'lt0' | 'ge0' | 'gt0' | 'le0';
const SIGNS_OF_TEST: Record<SignTest, string> = { lt0: '-', ge0: '0+', gt0: '+', le0: '-0' };

/** The signs a value with this fact may have (`-0+` when nothing is known). */
export function signsOf(f: Fact | undefined): string {
  if (!f) return '-0+';
  const e = f.eq;
  if (e !== undefined) {
    if (/^-?\d+$/.test(e)) return Number(e) < 0 ? '-' : Number(e) > 0 ? '+' : '0';
    if (isZeroConst(e)) return '0';
    if (e.startsWith('-E')) return '-';
    if (ERRNO.test(e)) return '+';
  }
  if (f.flags?.length === 0) return '0';
  let s = f.signs ?? '-0+';
  if (f.ne?.some(isZeroConst) || f.flags?.length || f.has?.length) s = s.replace('0', '');
  return s;
}

function decideSign(f: Fact, op: SignTest): boolean | undefined {
  const can = signsOf(f);
  // an error code tested for its sign: the caller tests the sign its API's errors have
  if (f.errno && can === '-+') return op === 'lt0' || op === 'gt0';
  const want = SIGNS_OF_TEST[op];
  if ([...can].every((c) => want.includes(c))) return true;
  if (![...can].some((c) => want.includes(c))) return false;
  return undefined;
}

/** Keeps the signs in `-0+` order, as `Signs`; undefined when any sign is possible. */
function toSigns(s: string): Signs | undefined {
  const ordered = ['-', '0', '+'].filter((c) => s.includes(c)).join('');
  return ordered === '-0+' || ordered === '' ? undefined : (ordered as Signs);
}

/** The fact that makes a test true. */
export function factFor(t: Test, prior: Fact | undefined, truth: boolean): Fact {
  const f: Fact = { ...(prior ?? {}) };
  const positive = (t.op === 'eq' || t.op === 'has') === truth || ((t.op === 'ne' || t.op === 'lacks') && !truth);
  switch (t.op) {
    case 'eq':
    case 'ne':
      if (positive) {
        f.eq = t.c;
        f.ne = undefined;
        f.signs = undefined;
      } else {
        f.ne = [...(f.ne ?? []).filter((x) => x !== t.c), t.c];
        if (isZeroConst(t.c) && f.signs) f.signs = toSigns(f.signs.replace('0', ''));
      }
      break;
    case 'has':
    case 'lacks':
      if (positive) f.has = union(f.has, [t.flag]);
      else f.lacks = union(f.lacks, [t.flag]);
      break;
    default: {
      const want = SIGNS_OF_TEST[t.op];
      const can = signsOf(prior);
      const signs = [...can].filter((c) => want.includes(c) === truth).join('');
      f.signs = toSigns(signs);
      if (!signs.includes('0') && !f.ne?.some(isZeroConst)) f.ne = [...(f.ne ?? []), '0'];
      if (signs === '0') {
        f.eq = '0';
        f.ne = undefined;
      }
    }
  }
  return f;
}

export function negateOp(op: string): string {
  return ({ '==': '!=', '!=': '==', '<': '>=', '>=': '<', '>': '<=', '<=': '>' } as Record<string, string>)[op] ?? op;
}
export function mirrorOp(op: string): string {
  return ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=' } as Record<string, string>)[op] ?? op;
}

/** Condition words for an argument atom, as [holds, fails]. */
export function atomText(a: Atom, subject: string): [string, string] {
  if (a.kind === 'flag')
    return a.negated
      ? [`!(${subject} & ${a.flag})`, `${subject} & ${a.flag}`]
      : [`${subject} & ${a.flag}`, `!(${subject} & ${a.flag})`];
  if (a.kind === 'null')
    return a.isNull ? [`${subject} == NULL`, `${subject} != NULL`] : [`${subject} != NULL`, `${subject} == NULL`];
  if (a.kind === 'const') {
    const [eq, ne] = [`${subject} == ${a.name}`, `${subject} != ${a.name}`];
    return a.equal ? [eq, ne] : [ne, eq];
  }
  return ['', ''];
}

export function atomTest(a: Atom & { kind: 'ret' }): Test {
  switch (a.test) {
    case 'eq0':
      return { op: 'eq', c: '0' };
    case 'ne0':
      return { op: 'ne', c: '0' };
    default:
      return { op: a.test };
  }
}

export function retClassFact(cls: string): Fact {
  switch (cls) {
    case '0':
    case 'NULL':
      return { eq: '0' };
    case 'nonzero':
    case 'non-NULL':
      return { ne: ['0'] };
    case 'negative':
      return { ne: ['0'], signs: '-' };
    case 'non-negative':
      return { signs: '0+' };
    case 'void':
    case 'unknown':
      return {};
    default:
      return cls.startsWith(NOT) ? { ne: [cls.slice(NOT.length)] } : { eq: cls };
  }
}

/** The return class of a value known to differ from one named constant (`not INVALID_MFN`). */
export const NOT = 'not ';

/** Flag sets: `x |= F` twice still has F once, so the states of two trips round a loop are equal. */
export function union(a: readonly string[] | undefined, b: readonly string[]): string[] {
  const out = [...(a ?? [])];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/** A named value an out-parameter holds, or the named values it does not (SummaryPath.sentinels). */
export function sentinelOf(f: Fact | undefined): { eq: string } | { ne: string[] } | undefined {
  if (!f) return undefined;
  if (f.eq !== undefined) {
    // cleared (`*vpp = NULL` after giving back what it held): the caller holds nothing there
    if (isZeroConst(f.eq)) return { eq: '0' };
    return CONST_NAME.test(f.eq) ? { eq: f.eq } : undefined;
  }
  const ne = (f.ne ?? []).filter((c) => !isZeroConst(c) && CONST_NAME.test(c));
  return ne.length ? { ne } : undefined;
}
