/**
 * Registrations and function-pointer bindings found in a file: which of its
 * functions the kernel calls, and in what role. Read from the text (after the
 * pre-pass) so that file-scope macros the grammar cannot parse still count.
 */
import type { Model } from './model/compiled';
import type { FileFacts, FunctionPointerBinding, Registration } from './result';
import { splitTopLevel } from './parse/split';
import { lineIndexAt } from './parse/lines';
import { isIdentStart, isWordChar } from './parse/chars';

export interface FunctionSpan {
  name: string;
  start: number;
  end: number;
}

function lineAt(lineStarts: number[], offset: number): number {
  return lineIndexAt(lineStarts, offset) + 1;
}

export function discoverFacts(
  masked: string,
  original: string,
  model: Model,
  functions: FunctionSpan[],
  starts: number[],
): FileFacts {
  const defined = new Set(functions.map((f) => f.name));
  const inFunction = (off: number) => functions.find((f) => f.start <= off && off < f.end)?.name;
  const facts: FileFacts = {
    registrations: registrationsIn(masked, original, model, starts, inFunction),
    bindings: [],
    initCalls: [],
  };
  for (const reg of facts.registrations) {
    if (
      /SYSINIT|SYSUNINIT|module_init|module_exit/.test(reg.registrar) &&
      !facts.initCalls.some((c) => c.line === reg.line && c.callback === reg.callback)
    )
      facts.initCalls.push({ macro: reg.registrar, callback: reg.callback, line: reg.line, args: reg.args });
  }
  // designated initialisers and assignments naming a function of this file: `.create_f = tun_clone_create`
  const bind = /(?:\.|->)\s*([A-Za-z_]\w*)\s*=\s*&?\s*([A-Za-z_]\w*)\s*(?=[,;}\n])/g;
  let b: RegExpExecArray | null;
  while ((b = bind.exec(masked))) {
    if (!defined.has(b[2])) continue;
    const container = containerBefore(masked, b.index);
    facts.bindings.push({
      field: b[1],
      callback: b[2],
      line: lineAt(starts, b.index),
      container,
      inFunction: inFunction(b.index),
    });
  }
  // array slots, `methods[PR_METHOD_REMOVE] = fn`, and designated array initialisers, `[PR_METHOD_REMOVE] = fn`
  // (one scan from each `[`: a scan from each identifier cost more than all the rest of this function)
  const slots: FileFacts['bindings'] = [],
    designated: FileFacts['bindings'] = [];
  const slot = /\[\s*([A-Za-z_]\w*)\s*\]\s*=\s*&?\s*([A-Za-z_]\w*)(\s*)(?=[,;}\n])/g;
  while ((b = slot.exec(masked))) {
    if (!defined.has(b[2])) continue;
    let w = b.index;
    while (w > 0 && isWordChar(masked.charCodeAt(w - 1))) w--;
    if (w < b.index) {
      if (!isIdentStart(masked.charCodeAt(w))) continue;
      slots.push({
        field: b[1],
        callback: b[2],
        line: lineAt(starts, w),
        container: masked.slice(w, b.index),
        inFunction: inFunction(w),
      });
    } else if (masked[b.index - 1] !== ']' && (masked[b.index + b[0].length] !== ';' || b[3].includes('\n'))) {
      designated.push({
        field: b[1],
        callback: b[2],
        line: lineAt(starts, b.index),
        container: containerBefore(masked, b.index),
        inFunction: inFunction(b.index),
      });
    }
  }
  facts.bindings.push(...slots, ...designated);
  return facts;
}

/**
 * Calls of the model's registrars (`EVENTHANDLER_REGISTER(dev_clone, tunclone, ...)`): which
 * function takes which role.
 */
export function registrationsIn(
  masked: string,
  original: string,
  model: Model,
  starts: number[],
  inFunction: (offset: number) => string | undefined = () => undefined,
): Registration[] {
  const out: Registration[] = [];
  const names = [...model.registrations.keys()];
  if (!names.length) return out;
  const re = new RegExp(`\\b(${names.map((n) => n.replace(/[^\w]/g, '')).join('|')})\\s*\\(`, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(masked))) {
    const open = m.index + m[0].length - 1;
    let depth = 0,
      close = -1;
    for (let i = open; i < masked.length && i < open + 4000; i++) {
      if (masked[i] === '(') depth++;
      else if (masked[i] === ')') {
        depth--;
        if (depth === 0) {
          close = i;
          break;
        }
      }
    }
    if (close < 0) continue;
    const args = splitTopLevel(original.slice(open + 1, close).replace(/\s+/g, ' '));
    for (const spec of model.registrations.get(m[1]) ?? []) {
      const ok = Object.entries(spec.match ?? {}).every(([i, lit]) => args[Number(i)]?.replace(/^&/, '') === lit);
      if (!ok) continue;
      const cb = args[spec.callback]?.replace(/^&/, '').replace(/^\(\s*\w+\s*\)\s*/, '');
      if (!cb || !/^[A-Za-z_]\w*$/.test(cb)) continue;
      out.push({
        registrar: m[1],
        role: spec.role,
        callback: cb,
        line: lineAt(starts, m.index),
        event: spec.event,
        args,
        inFunction: inFunction(m.index),
      });
    }
  }
  return out;
}

/** The variable or type whose initialiser encloses `offset`: `struct if_clone_addreq req = {` -> req. */
function containerBefore(masked: string, offset: number): string | undefined {
  let depth = 0;
  for (let i = offset; i >= 0 && offset - i < 8000; i--) {
    const c = masked[i];
    if (c === '}') depth++;
    else if (c === '{') {
      if (depth === 0) {
        const head = masked.slice(Math.max(0, i - 200), i);
        const m = /([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*=\s*$/.exec(head) ?? /struct\s+([A-Za-z_]\w*)\s*$/.exec(head);
        if (m) return m[1];
        const dot = /\.\s*([A-Za-z_]\w*)\s*=\s*$/.exec(head);
        if (dot) return dot[1];
      } else depth--;
    }
  }
  return undefined;
}

/**
 * The callback pair a function belongs to (`irq_enable/irq_disable`): it is bound to a field the model
 * pairs (`pairedCallbacks`) in a table that binds the other field of the pair as well.
 */
export function pairedCallbackOf(
  name: string,
  bindings: readonly FunctionPointerBinding[],
  model: Model,
): string | undefined {
  if (!model.pairedCallbacks.size) return undefined;
  for (const b of bindings) {
    if (b.callback !== name) continue;
    // the field taking the reference, and the other field of its pair
    const take = model.pairedCallbacks.has(b.field)
      ? b.field
      : [...model.pairedCallbacks].find(([, drop]) => drop === b.field)?.[0];
    if (!take) continue;
    const drop = model.pairedCallbacks.get(take)!;
    const other = b.field === take ? drop : take;
    if (bindings.some((o) => o.field === other && o.container === b.container && o.inFunction === b.inFunction))
      return `${take}/${drop}`;
  }
  return undefined;
}
