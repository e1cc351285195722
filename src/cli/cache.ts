/**
 * The content-hash result cache of `refcount-lens analyze`.
 *
 * key = sha256(fingerprint, file text), where the fingerprint covers the
 * analyzer's own code (the bundle's bytes), the result format version, the model
 * (preset names, model files' contents) and every option that changes a result.
 * An entry is the FileResult's JSON; the path is put back on reading. Entries are
 * written atomically (temporary file + rename), so concurrent runs and killed
 * runs never leave half an entry; an unreadable entry is a miss.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileResult } from '../analysis/result';
import { PARSE_WATCHDOG_ERROR } from '../analysis/analyzer';

/** Where tree mode keeps its index (src/index/store.ts) by default: beside the result cache. */
export function defaultIndexDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(path.dirname(defaultCacheDir(env)), 'index');
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'refcount-lens', 'results');
}

/** Hash of everything but the file text that decides a result. */
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

export function cacheKey(fp: string, text: string): string {
  return createHash('sha256').update(fp).update('\0').update(text).digest('hex');
}

/**
 * Every budget counts work, so a result is the same on every run, cut or not. Only what a
 * watchdog or a failure gave is not kept: a re-run on a quieter machine, or after a fix, may finish.
 */
export function cacheable(r: FileResult): boolean {
  return !(
    r.error &&
    (r.error.includes(PARSE_WATCHDOG_ERROR) || /internal error|crashed|took longer|out of memory/i.test(r.error))
  );
}

export class ResultCache {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string, filePath: string): FileResult | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const r = JSON.parse(text) as FileResult;
      if (!r || !Array.isArray(r.functions) || !Array.isArray(r.diagnostics)) return undefined;
      r.path = filePath;
      return r;
    } catch {
      return undefined;
    }
  }

  /** Never throws: a cache that cannot be written is only slower. */
  put(key: string, r: FileResult): boolean {
    if (!cacheable(r)) return false;
    const f = this.file(key);
    const tmp = `${f}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify({ ...r, path: '' }));
      fs.renameSync(tmp, f);
      return true;
    } catch {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* not there */
      }
      return false;
    }
  }

  /** Can entries be written here? (Checked once, so a read-only cache is reported once.) */
  usable(): string | undefined {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.accessSync(this.dir, fs.constants.W_OK);
      return undefined;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
  }
}
