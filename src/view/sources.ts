/**
 * Where a model entry comes from, as steps name it: `freebsd:dev_ref` for a preset,
 * `/abs/.refcount-lens.json:spa_open` for a user file.
 */

export function splitSource(source: string): { file: string; name: string } | undefined {
  const colon = source.lastIndexOf(':');
  if (colon <= 0) return undefined;
  return { file: source.slice(0, colon), name: source.slice(colon + 1) };
}

/** A user model file's path (absolute); a preset is a bare name. */
export function isModelFile(file: string): boolean {
  return /^(?:[a-zA-Z]:)?[\\/]/.test(file);
}

/** Short, human name of an entry's origin: "freebsd preset (dev_ref)" or ".refcount-lens.json (spa_open)". */
export function describeSource(source: string | undefined): string | undefined {
  const parts = source ? splitSource(source) : undefined;
  if (!parts) return undefined;
  return isModelFile(parts.file)
    ? `${parts.file.split(/[\\/]/).pop()} (${parts.name})`
    : `${parts.file} preset (${parts.name})`;
}
