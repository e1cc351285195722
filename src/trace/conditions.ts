/**
 * Reading a path class's branch conditions (in the analyser's source words) against what the
 * simulation knows: the scenario's facts, the values the kernel passed for parameters, the
 * looked-up name and whether the device exists now.
 */
import type { ConditionRule } from './environment';
import type { SourceText } from './source';
import { splitTopLevel } from './source';
import { stripParens } from '../analysis/model/compiled';
import { remembered } from '../analysis/memo';
import { pattern } from './patterns';

/** zero: returns 0/NULL; equals: a known constant; success: succeeds (0 for an int, non-NULL for a pointer). */
export type Value = { zero: boolean } | { equals: string } | { success: boolean };

export interface EvalEnv {
  facts: Record<string, string>;
  /** Known values of parameter expressions on entry: "*dev" -> NULL, "type" -> MOD_UNLOAD. */
  params: Map<string, Value>;
  /** Names of parameters (conditions on them are hard constraints). */
  paramNames: Set<string>;
  /** The name devfs or ifconfig passes ("tun"). */
  lookupName?: string;
  /** Does the device being looked up exist now (the simulation's answer)? */
  deviceExists?: boolean;
  fileFunctions: Set<string>;
  rules: ConditionRule[];
  src: SourceText;
  /** Case labels in the function's switch statements (for "x: default"). */
  caseLabels: Set<string>;
}

export interface Reading {
  /** The condition holds (true), fails (false). */
  value: boolean;
  /** How sure: 100 a parameter the kernel passes, 10 a fact or the simulation, 3 a convention, 1 a guess. */
  weight: number;
  why: string;
}

const isZeroLit = (s: string) => /^(0|NULL|false|0[xX]0+|\(\s*void\s*\*\s*\)\s*0)$/.test(s.trim());

/** A condition's syntax, which the simulation reads again at every call: what `readCondition` needs of it. */
type ConditionShape =
  | { neg: boolean; kind: 'default'; lhs: string }
  | { neg: boolean; kind: 'compare'; lhs: string; op: string; rhs: string }
  | { kind: 'unread' };

const shapes = new Map<string, ConditionShape>();

function conditionShape(cond: string): ConditionShape {
  return remembered(shapes, cond, 8192, () => parseCondition(cond));
}

function parseCondition(cond: string): ConditionShape {
  let c = stripParens(cond);
  let neg = false;
  while (c.startsWith('!') && !c.startsWith('!=')) {
    neg = !neg;
    c = stripParens(c.slice(1));
  }
  const def = /^(.+?)\s*:\s*default$/.exec(c);
  if (def) return { neg, kind: 'default', lhs: def[1].trim() };
  const m = /^(.*?[^=!<>])\s*(==|!=|<=|>=|<|>)\s*([^=].*)$/.exec(c);
  if (m && !/\|\||&&/.test(c.replace(/\([^()]*\)/g, '')))
    return { neg, kind: 'compare', lhs: m[1].trim(), op: m[2], rhs: m[3].trim() };
  if (/\|\||&&/.test(c)) return { kind: 'unread' };
  return { neg, kind: 'compare', lhs: c, op: '!=', rhs: '0' };
}

export function readCondition(cond: string, env: EvalEnv): Reading | undefined {
  const shape = conditionShape(cond);
  if (shape.kind === 'unread') return undefined;
  const { neg, lhs } = shape;
  const v = expressionValue(lhs, env);
  if (shape.kind === 'default') {
    if (v && 'equals' in v.value && env.caseLabels.has(v.value.equals))
      return flip({ value: false, weight: v.weight, why: `${lhs} is ${v.value.equals}` }, neg);
    if (v && 'equals' in v.value)
      return flip({ value: true, weight: v.weight, why: `${lhs} is ${v.value.equals}` }, neg);
    return undefined;
  }
  if (!v) return undefined;
  const r = compare(v.value, shape.op, shape.rhs);
  if (r === undefined) return undefined;
  return flip({ value: r, weight: v.weight, why: v.why }, neg);
}

function flip(r: Reading, neg: boolean): Reading {
  return neg ? { ...r, value: !r.value } : r;
}

function compare(v: Value, op: string, rhs: string): boolean | undefined {
  const zero = isZeroLit(rhs);
  if ('success' in v) {
    // a pointer compared with NULL succeeds when non-NULL; an int compared with 0 when 0
    const pointer = /^NULL$/.test(rhs.trim());
    return compare({ zero: pointer ? !v.success : v.success }, op, rhs);
  }
  if ('zero' in v) {
    if (zero) {
      if (op === '==') return v.zero;
      if (op === '!=') return !v.zero;
      if (op === '<' || op === '>') return v.zero ? false : undefined;
      if (op === '<=' || op === '>=') return v.zero ? true : undefined;
      return undefined;
    }
    if (/^-?\d+$/.test(rhs) && v.zero) {
      const n = Number(rhs);
      if (op === '==') return n === 0;
      if (op === '!=') return n !== 0;
      if (op === '<') return 0 < n;
      if (op === '>') return 0 > n;
      if (op === '<=') return 0 <= n;
      if (op === '>=') return 0 >= n;
    }
    if (/^-?\d+$/.test(rhs) && !v.zero && (op === '==' || op === '!=')) return undefined;
    return undefined;
  }
  const eq = v.equals;
  if (zero) {
    const isZero = isZeroLit(eq);
    if (op === '==') return isZero;
    if (op === '!=') return !isZero;
    return undefined;
  }
  if (op === '==') return eq === rhs;
  if (op === '!=') return eq !== rhs;
  if (/^-?\d+$/.test(eq) && /^-?\d+$/.test(rhs)) {
    const a = Number(eq),
      b = Number(rhs);
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  return undefined;
}

/** A value the kernel passes, as a comparison: "== NULL", "= MOD_UNLOAD". */
function knownWords(v: Value): string {
  if ('zero' in v) return v.zero ? '== NULL' : '!= NULL';
  return 'equals' in v ? '= ' + v.equals : '';
}

/** What `expressionValue` reads off an expression's text, whatever the simulation knows. */
interface ExpressionShape {
  /** The text without blanks (a parameter expression written with spaces). */
  compact: string;
  /** The name it would be a parameter by (`*dev` -> `dev`). */
  paramName: string;
  callee?: string;
  args: string[];
}

const expressions = new Map<string, ExpressionShape>();

function expressionShape(lhs: string): ExpressionShape {
  return remembered(expressions, lhs, 8192, () => {
    const shape: ExpressionShape = { compact: lhs.replace(/\s+/g, ''), paramName: lhs.replace(/^\*+/, ''), args: [] };
    const ann = /^(.+?)\s*\[([A-Za-z_]\w*)\]$/.exec(lhs);
    if (ann) shape.callee = ann[2];
    else {
      const call = /^([A-Za-z_]\w*)\s*\(([\s\S]*)\)$/.exec(lhs);
      if (call) {
        shape.callee = call[1];
        shape.args = splitTopLevel(call[2]);
      }
    }
    return shape;
  });
}

/** The rules whose call pattern names `callee`, in their order (per rule list: the environment's is one). */
const rulesByCallee = new WeakMap<ConditionRule[], Map<string, ConditionRule[]>>();

function rulesFor(rules: ConditionRule[], callee: string): ConditionRule[] {
  let byCallee = rulesByCallee.get(rules);
  if (!byCallee) rulesByCallee.set(rules, (byCallee = new Map()));
  return remembered(byCallee, callee, 8192, () => rules.filter((r) => pattern(r.call).test(callee)));
}

function expressionValue(lhs: string, env: EvalEnv): { value: Value; weight: number; why: string } | undefined {
  const shape = expressionShape(lhs);
  const known = env.params.get(lhs) ?? env.params.get(shape.compact);
  if (known)
    return {
      value: known,
      weight: env.paramNames.has(shape.paramName) ? 100 : 10,
      why: `the kernel passes ${lhs} ${knownWords(known)}`,
    };
  const { callee, args } = shape;
  if (!callee) return undefined;
  for (const rule of rulesFor(env.rules, callee)) {
    if (rule.dynamic === 'device-exists' && env.deviceExists !== undefined) {
      return {
        value: { zero: env.deviceExists },
        weight: 10,
        why: env.deviceExists ? `${callee}() finds the existing device` : `${callee}() finds no device (a new unit)`,
      };
    }
    if (rule.zeroWhen) {
      const fact = env.facts[rule.zeroWhen.fact];
      if (fact === undefined) continue;
      const zero = fact === rule.zeroWhen.value;
      return { value: { zero }, weight: 10, why: `fact ${rule.zeroWhen.fact}: ${fact}` };
    }
    if (rule.succeedsWhen) {
      const fact = env.facts[rule.succeedsWhen.fact];
      if (fact === undefined) continue;
      return {
        value: { success: fact === rule.succeedsWhen.value },
        weight: 10,
        why: `fact ${rule.succeedsWhen.fact}: ${fact}`,
      };
    }
    if (rule.oneWhenNameMatches !== undefined && env.lookupName !== undefined) {
      const base = env.src.stringValue(args[rule.oneWhenNameMatches]);
      if (base === undefined) continue;
      const match = env.lookupName === base || pattern(`^${base.replace(/[^\w]/g, '\\$&')}\\d+$`).test(env.lookupName);
      return {
        value: { equals: match ? '1' : '0' },
        weight: 10,
        why: `"${env.lookupName}" ${match ? 'is' : 'is not'} ${base} or ${base}N`,
      };
    }
    if (rule.zeroWhenNameEquals !== undefined && env.lookupName !== undefined) {
      const s = env.src.stringValue(args[rule.zeroWhenNameEquals]) ?? env.src.stringValue(args[0]);
      if (s === undefined) continue;
      return {
        value: { zero: env.lookupName === s },
        weight: 10,
        why: `"${env.lookupName}" ${env.lookupName === s ? '==' : '!='} "${s}"`,
      };
    }
  }
  if (env.fileFunctions.has(callee)) {
    const takesName = args.some((a) => /\bname\b/.test(a));
    const nameOk = (env.facts['name matches'] ?? 'yes') === 'yes';
    const allocOk = (env.facts['allocation fails'] ?? 'no') === 'no';
    return {
      value: { success: takesName ? nameOk && allocOk : allocOk },
      weight: 3,
      why: `${callee}() succeeds${takesName ? ` (fact name matches: ${env.facts['name matches'] ?? 'yes'})` : ''}`,
    };
  }
  return { value: { success: true }, weight: 1, why: `${callee}() is taken to succeed` };
}
