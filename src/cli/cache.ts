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
import * as path from 'node:path';
import type { FileResult } from '../analysis/result';
import { PARSE_WATCHDOG_ERROR } from '../analysis/analyzer';

export { defaultCacheDir, defaultIndexDir } from '../files/cache-dirs';
export { fingerprint } from '../index/fingerprint';

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
