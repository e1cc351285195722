/**
 * Results of pure functions, kept by their input. The inputs come from the files analysed, so a
 * long-lived process (the language server) must not keep every one: a table forgets all it holds
 * once it reaches its limit (no bookkeeping per hit; the next inputs fill it again).
 */
export function remembered<K, V>(table: Map<K, V>, key: K, limit: number, compute: () => V): V {
  const known = table.get(key);
  if (known !== undefined) return known;
  const v = compute();
  if (table.size >= limit) table.clear();
  table.set(key, v);
  return v;
}
