/**
 * Fingerprints: a hash of everything besides a file's text that decides its result (the
 * analysis code, the result format, the model files, the options), so that a cache keyed by
 * it never serves a result computed otherwise.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, type AnalyzerOptions } from '../analysis/analyzer';
import { RESULT_VERSION } from '../analysis/result';
import { SHARD_VERSION } from '../analysis/tree/shard';
import { INDEX_FORMAT } from './store';

/** Hash of the code files' bytes, the model files' paths and bytes, the options and a version. */
export function fingerprint(parts: { code: string[]; models: string[]; options: unknown; version: string }): string {
  const h = createHash('sha256');
  h.update(`refcount-lens ${parts.version}\0`);
  for (const f of parts.code) {
    try {
      h.update(fs.readFileSync(f));
    } catch {
      h.update(`missing ${f}`);
    }
    h.update('\0');
  }
  for (const f of parts.models) {
    h.update(path.resolve(f) + '\0');
    try {
      h.update(fs.readFileSync(f));
    } catch {
      h.update('unreadable');
    }
    h.update('\0');
  }
  h.update(JSON.stringify(parts.options));
  return h.digest('hex');
}

/**
 * The fingerprint of a tree run, the same for the CLI's tree mode and the language server's
 * index, so that they share the index: the analysis code is the worker script (every visit
 * runs there; what the front ends compute themselves, shards and groups, is versioned by
 * SHARD_VERSION and INDEX_FORMAT), and the options are the ones that change a result, with
 * their defaults filled in (the model files' contents are hashed, not their parsed form).
 */
export function treeFingerprint(parts: { code: string; modelFiles: string[]; options: AnalyzerOptions }): string {
  const o = parts.options;
  return fingerprint({
    version: `tree ${RESULT_VERSION}/${SHARD_VERSION}/${INDEX_FORMAT}`,
    code: [parts.code],
    models: parts.modelFiles,
    options: {
      preset: o.preset ?? 'auto',
      defines: o.defines ?? {},
      undefines: o.undefines ?? [],
      inference: o.inference ?? true,
      maxStatesPerFunction: o.maxStatesPerFunction ?? DEFAULTS.maxStatesPerFunction,
      maxStatesPerFile: o.maxStatesPerFile ?? DEFAULTS.maxStatesPerFile,
      maxStatesPerNode: o.maxStatesPerNode ?? DEFAULTS.maxStatesPerNode,
      maxStatesAfterCut: o.maxStatesAfterCut ?? 'an eighth',
      maxOutcomesPerExpression: o.maxOutcomesPerExpression ?? DEFAULTS.maxOutcomesPerExpression,
      maxFileSize: o.maxFileSize ?? DEFAULTS.maxFileSize,
    },
  });
}
