/**
 * Tables keyed by C identifiers or model names. A plain object literal inherits
 * `constructor`, `toString`, `__proto__`, `hasOwnProperty`... from Object.prototype, so a
 * lookup by a C name can find a JavaScript function: these tables have no prototype.
 */

/** A prototype-free copy of `entries` (or an empty table). */
export function nameTable<T>(entries?: Readonly<Record<string, T>>): Record<string, T> {
  const t = Object.create(null) as Record<string, T>;
  if (entries) for (const k of Object.keys(entries)) t[k] = entries[k];
  return t;
}

/** The table's own entry for `key`, never one inherited from Object.prototype. */
export function own<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
