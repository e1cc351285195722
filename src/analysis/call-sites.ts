/**
 * Each function's parameters (name and declared type) and the calls in its body with their
 * argument texts, read from the copied syntax. The lifecycle trace runs on them beside the
 * path classes: which parameters the kernel fills (by declared type), which kernel and
 * in-file calls the lines of a path hold and what they pass. Only the analyzer's `callSites`
 * option asks for them, so `analyze` output is unchanged.
 */
import type { CallSpan, Syn } from './parse/syntax';
import { declaratorInfo } from './cfg/cfg';
import type { CallSite, FunctionResult, Parameter } from './result';

/** The texts a function's syntax points into (the same offsets in each). */
export interface CallSiteTexts {
  /** The file as written: parameter types and argument texts are cut from it. */
  text: string;
  /** The pre-passed text with comments and string contents blanked: where the commas are. */
  masked: string;
}

/** What a definition gives for its call sites: its declarator, and the calls in its body (`FunctionHead`). */
export interface CallSiteSource {
  declarator?: Syn;
  calls(): CallSpan[];
}

/** `r` with the parameters and calls of its definition `fn`. */
export function withCallSites(r: FunctionResult, fn: CallSiteSource, texts: CallSiteTexts): FunctionResult {
  return { ...r, params: parametersOf(fn.declarator, texts), calls: callsOf(fn.calls(), texts) };
}

/** The parameters of a definition's declarator. */
export function parametersOf(declarator: Syn | undefined, texts: CallSiteTexts): Parameter[] {
  const list = declaratorInfo(declarator).params;
  const out: Parameter[] = [];
  for (const p of list?.children ?? []) {
    if (p.type === 'variadic_parameter') out.push({ name: '', type: '...' });
    if (p.type !== 'parameter_declaration') continue;
    const nameNode = declaratorInfo(p.fields.declarator).nameNode;
    // the type is the declaration without its name: `struct cdev **`, `const char *`
    const type = nameNode
      ? `${texts.masked.slice(p.start, nameNode.start)} ${texts.masked.slice(nameNode.end, p.end)}`
      : texts.masked.slice(p.start, p.end);
    out.push({ name: nameNode?.text ?? '', type: normalType(type) });
  }
  // `f(void)` takes nothing
  if (out.length === 1 && !out[0].name && out[0].type === 'void') return [];
  return out;
}

/** Spaces collapsed, one before each run of stars: `struct cdev **`, `int (*)(void *)`. */
function normalType(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .replace(/\*\s+(?=\*)/g, '*')
    .replace(/([^\s(*])\*/g, '$1 *')
    .replace(/\s+(?=[\])])/g, '')
    .trim();
}

/** Calls of named functions (and function-like macros) in a body, in the order they are written. */
export function callsOf(calls: readonly CallSpan[], texts: CallSiteTexts): CallSite[] {
  return calls.map((c) => ({ line: c.line, callee: c.callee, args: argumentTexts(c.args, texts) }));
}

/**
 * The arguments as written, cut at the list's top-level commas. The commas are found in the
 * masked pre-passed text, so one inside a comment or a string does not cut.
 */
export function argumentTexts(list: { start: number; end: number }, texts: CallSiteTexts): string[] {
  const { masked, text } = texts;
  const open = list.start,
    close = masked[list.end - 1] === ')' ? list.end - 1 : list.end;
  const out: string[] = [];
  let depth = 0,
    from = open + 1;
  const cut = (to: number) => {
    const a = text.slice(from, to).replace(/\s+/g, ' ').trim();
    if (a) out.push(a);
  };
  for (let i = open + 1; i < close; i++) {
    const c = masked[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      cut(i);
      from = i + 1;
    }
  }
  cut(close);
  return out;
}
