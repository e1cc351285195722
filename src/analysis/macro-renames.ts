/**
 * Object-like macros of a file that give a function another function's name
 * (`#define of_parse_phandle_with_args dt_parse_phandle_with_args` in a driver ported to another
 * kernel): after preprocessing, a call of the first name in that file is a call of the second, so
 * neither a model row nor a summary of the first name describes it. Only the file's own
 * definitions count: a header's rename (a compatibility header's `#define dev_hold batadv_dev_hold`)
 * usually names a wrapper of the same function, and the model row of the name it replaces stands.
 */
import type { MacroDefinition } from './parse/prepass';

export interface MacroRenames extends ReadonlyMap<string, string> {
  /** What the renames are, for cache keys ('' when none). */
  readonly key: string;
}

export function macroRenames(fileDefines: readonly MacroDefinition[]): MacroRenames {
  const out = new Map<string, string>() as Map<string, string> & { key: string };
  for (const d of fileDefines) {
    if (d.params || !/^[A-Za-z_]\w*$/.test(d.body) || d.body === d.name) continue;
    // a later definition of the same name wins, as the preprocessor's does
    out.set(d.name, d.body);
  }
  // a name renamed into a renamed name (`#define a b`, `#define b a`) is left as it is written
  for (const [from, to] of [...out]) if (out.has(to)) out.delete(from);
  out.key = out.size ? JSON.stringify([...out]) : '';
  return out;
}
