/**
 * The environment model's patterns (role fields, parameter types, condition rules, signatures)
 * are data, read as regular expressions on every call the simulation makes: each is compiled
 * once. Only patterns without the `g` or `y` flag are kept (a kept one has no lastIndex to share).
 */
const compiled = new Map<string, RegExp>();

/** `new RegExp(source)`, compiled once per source. */
export function pattern(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) {
    re = new RegExp(source);
    // the model's patterns are few; a runaway caller (patterns built from input) must not grow this forever
    if (compiled.size >= 4096) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}
