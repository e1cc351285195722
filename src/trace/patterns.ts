/**
 * The environment model's patterns (role fields, parameter types, condition rules, signatures)
 * are data, read as regular expressions on every call the simulation makes: each is compiled
 * once. Only patterns without the `g` or `y` flag are kept (a kept one has no lastIndex to share).
 */
import { remembered } from '../analysis/memo';

const compiled = new Map<string, RegExp>();

/** `new RegExp(source)`, compiled once per source. */
export function pattern(source: string): RegExp {
  // the model's patterns are few; a runaway caller (patterns built from input) must not grow this forever
  return remembered(compiled, source, 4096, () => new RegExp(source));
}
