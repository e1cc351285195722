/**
 * Each function's parameters (name and declared type) and the calls in its body with their
 * argument texts, read from the copied syntax. The lifecycle trace runs on them beside the
 * path classes: which parameters the kernel fills (by declared type), which kernel and
 * in-file calls the lines of a path hold and what they pass. Only the analyzer's `callSites`
 * option asks for them, so `analyze` output is unchanged.
 */
import type { Syn } from './parse/syntax';
import { declaratorInfo } from './cfg/cfg';
import type { CallSite, FunctionResult, Parameter } from './result';

/** The texts a function's syntax points into (the same offsets in each). */
export interface CallSiteTexts {
  /** The file as written: parameter types and argument texts are cut from it. */
  text: string;
  /** The pre-passed text with comments and string contents blanked: where the commas are. */
  masked: string;
}

/** `r` with the parameters and calls of its definition `fn`. */
export function withCallSites(r: FunctionResult, fn: Syn, texts: CallSiteTexts): FunctionResult {
  return { ...r, params: parametersOf(fn, texts), calls: callsOf(fn, texts) };
}

export function parametersOf(fn: Syn, texts: CallSiteTexts): Parameter[] {
  const list = declaratorInfo(fn.fields.declarator).params;
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

/** Calls of named functions (and function-like macros) in the body, in the order they are written. */
export function callsOf(fn: Syn, texts: CallSiteTexts): CallSite[] {
  const out: CallSite[] = [];
  const walk = (n: Syn) => {
    if (n.type === 'call_expression') {
      const f = n.fields.function;
      const args = n.fields.arguments;
      if (f?.type === 'identifier' && f.text && args)
        out.push({ line: f.line, callee: f.text, args: argumentTexts(args, texts) });
    }
    for (let i = 0; i < n.children.length; i++) walk(n.children[i]);
  };
  if (fn.fields.body) walk(fn.fields.body);
  return out;
}

/**
 * The arguments as written, cut at the list's top-level commas. The commas are found in the
 * masked pre-passed text, so one inside a comment or a string does not cut.
 */
export function argumentTexts(list: Syn, texts: CallSiteTexts): string[] {
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
