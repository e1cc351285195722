/**
 * The tree index on disk: one JSON file per entry, named by the hash of everything the entry
 * depends on (content-addressed, as clangd's background index keeps a shard per file). Two
 * processes that compute the same entry write the same bytes; each write goes to a
 * temporary file first and is renamed into place, so a reader sees a whole entry or none.
 * Every entry carries its key and a checksum of its payload: a file that was cut short, or
 * written by another version, does not verify and is taken as missing (and removed), never
 * trusted. Nothing here ever throws: an index that cannot be read or written only costs time.
 *
 * Entries are written by libuv's threads, not the caller's: a tree run's main thread feeds the workers, and a
 * synchronous write held them up. Until its write ends, an entry is read from memory; `flush` waits for them.
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

  /** Directories this store made or found (or is making): a cold run writes thousands of entries into 256 per kind. */
  private readonly dirs = new Map<string, Promise<unknown>>();
  /** Entries being written, by file: their envelopes. */
  private readonly writing = new Map<string, string>();
  private readonly writes = new Set<Promise<void>>();

  constructor(readonly dir: string) {}

  private file(kind: EntryKind, key: string): string {
    return path.join(this.dir, `v${INDEX_FORMAT}`, kind, key.slice(0, 2), `${key}.json`);
  }

  get<T>(kind: EntryKind, key: string): T | undefined {
    const f = this.file(kind, key);
    let text: string | undefined = this.writing.get(f);
    if (text === undefined)
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

  /** Writes an entry (false when it cannot be made); it is read from memory until its write ends. */
  put(kind: EntryKind, key: string, payload: unknown): boolean {
    const f = this.file(kind, key);
    let envelope: string;
    try {
      const body = JSON.stringify(payload);
      const head = `{"format":${INDEX_FORMAT},"kind":${JSON.stringify(kind)},"key":${JSON.stringify(key)}`;
      envelope = `${head},"sum":"${sha256(body)}","payload":${body}}`;
    } catch {
      this.stats.writeErrors++;
      return false;
    }
    this.writing.set(f, envelope);
    const done = this.write(f, envelope).then((ok) => {
      if (ok) this.stats.writes++;
      else this.stats.writeErrors++;
      if (this.writing.get(f) === envelope) this.writing.delete(f);
      this.writes.delete(done);
    });
    this.writes.add(done);
    return true;
  }

  /** Every entry put so far is on disk (or failed). */
  async flush(): Promise<void> {
    while (this.writes.size) await Promise.all([...this.writes]);
  }

  private async write(f: string, envelope: string): Promise<boolean> {
    const tmp = `${f}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const dir = path.dirname(f);
    try {
      let made = this.dirs.get(dir);
      if (!made) this.dirs.set(dir, (made = fs.promises.mkdir(dir, { recursive: true })));
      await made;
      try {
        await fs.promises.writeFile(tmp, envelope);
      } catch (e) {
        // the directory went away since (the index was cleared while the run went on): made again
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        await fs.promises.mkdir(dir, { recursive: true });
        await fs.promises.writeFile(tmp, envelope);
      }
      await fs.promises.rename(tmp, f);
      return true;
    } catch {
      this.dirs.delete(dir);
      await fs.promises.unlink(tmp).catch(() => undefined);
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
