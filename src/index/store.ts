/**
 * The tree index on disk: one JSON file per entry, named by the hash of everything the entry
 * depends on (content-addressed, as clangd's background index keeps a shard per file). Two
 * processes that compute the same entry write the same bytes; each write goes to a
 * temporary file first and is renamed into place, so a reader sees a whole entry or none.
 * Every entry carries its key and a checksum of its payload: a file that was cut short, or
 * written by another version, does not verify and is taken as missing (and removed), never
 * trusted. Nothing here ever throws: an index that cannot be read or written only costs time.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const INDEX_FORMAT = 4;

export type EntryKind = 'shard' | 'group' | 'visit' | 'result';

export function sha256(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex');
}

export interface StoreStats {
  hits: number;
  misses: number;
  torn: number;
  writes: number;
  writeErrors: number;
}

export class IndexStore {
  readonly stats: StoreStats = { hits: 0, misses: 0, torn: 0, writes: 0, writeErrors: 0 };

  /** Directories this store made or found: a cold run writes thousands of entries into 256 of them per kind. */
  private readonly dirs = new Set<string>();

  constructor(readonly dir: string) {}

  private file(kind: EntryKind, key: string): string {
    return path.join(this.dir, `v${INDEX_FORMAT}`, kind, key.slice(0, 2), `${key}.json`);
  }

  get<T>(kind: EntryKind, key: string): T | undefined {
    const f = this.file(kind, key);
    let text: string;
    try {
      // a missing entry (every entry of a cold run) without the cost of an exception
      if (!fs.statSync(f, { throwIfNoEntry: false })) {
        this.stats.misses++;
        return undefined;
      }
      text = fs.readFileSync(f, 'utf8');
    } catch {
      this.stats.misses++;
      return undefined;
    }
    // the payload's own bytes are checked before anything is parsed
    const head = /^\{"format":(\d+),"kind":"([a-z]+)","key":"([0-9a-f]+)","sum":"([0-9a-f]{64})","payload":/.exec(text);
    if (head && Number(head[1]) === INDEX_FORMAT && head[2] === kind && head[3] === key && text.endsWith('}')) {
      const body = text.slice(head[0].length, -1);
      if (sha256(body) === head[4]) {
        try {
          this.stats.hits++;
          return JSON.parse(body) as T;
        } catch {
          this.stats.hits--;
        }
      }
    }
    this.stats.torn++;
    try {
      fs.unlinkSync(f);
    } catch {
      /* another process got there first */
    }
    return undefined;
  }

  put(kind: EntryKind, key: string, payload: unknown): boolean {
    const f = this.file(kind, key);
    const tmp = `${f}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const dir = path.dirname(f);
    try {
      if (!this.dirs.has(dir)) fs.mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
      const body = JSON.stringify(payload);
      const head = `{"format":${INDEX_FORMAT},"kind":${JSON.stringify(kind)},"key":${JSON.stringify(key)}`;
      const envelope = `${head},"sum":"${sha256(body)}","payload":${body}}`;
      try {
        fs.writeFileSync(tmp, envelope);
      } catch (e) {
        // the directory went away since (the index was cleared while the run went on): made again
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(tmp, envelope);
      }
      fs.renameSync(tmp, f);
      this.stats.writes++;
      return true;
    } catch {
      this.stats.writeErrors++;
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* not there */
      }
      return false;
    }
  }

  /** Can entries be written here? Undefined when they can, else the reason. */
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
