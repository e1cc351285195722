/**
 * The tree index on disk: content-addressed entries (each named by the hash of everything it depends on, as
 * clangd's background index keeps a shard per file), appended as records to packs. Every process that writes
 * has a pack of its own (`<time>-<pid>-<random>.open`, renamed `.pack` when the process exits), so two
 * processes at once never write into one file and nothing is locked; a reader takes every pack it finds, and
 * looks again for new and grown packs when an entry is missing. A record is a header line (format, kind, key,
 * the SHA-256 of the payload, its length in bytes) and the payload's JSON: a record cut short (a writer killed,
 * or still writing) is not one yet, and a payload whose checksum fails is taken as missing and made again,
 * never trusted (the entry made again is a newer record, read before the damaged one). Nothing here ever
 * throws: an index that cannot be read or written only costs time.
 *
 * Entries are written by libuv's threads, not the caller's: a tree run's main thread feeds the workers. The
 * records put while a write is under way go in the next one, so a cold run makes a few hundred appends where
 * one file per entry cost an open, a write, a close and a rename each (s16-io in docs/performance.md). Until
 * its write ends, an entry is read from memory; `flush` waits for the writes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const writeAt = promisify((fd: number, buf: Buffer, from: number, cb: (e: Error | null, n: number) => void) =>
  fs.write(fd, buf, from, buf.length - from, null, (e, n) => cb(e, n)),
);
const openPack = promisify((file: string, cb: (e: Error | null, fd: number) => void) => fs.open(file, 'ax+', cb));

export const INDEX_FORMAT = 5;

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

/** One pack: a file of records, `.open` while its writer may append to it, `.pack` once it is done. */
interface Pack {
  id: string;
  file: string;
  /** The records up to here are known. */
  scanned: number;
  open: boolean;
  /** Something that is not a record was found at `scanned`: nothing after it is read. */
  broken?: boolean;
}

/** Where an entry's payload is. */
interface Place {
  pack: Pack;
  offset: number;
  bytes: number;
  sum: string;
}

interface Queued {
  entry: string;
  head: string;
  body: string;
  sum: string;
  bytes: number;
}

interface OwnPack {
  pack: Pack;
  /** Opened to append and read. */
  fd: number;
  size: number;
}

const HEAD = /^\{"format":(\d+),"kind":"([a-z]+)","key":"([0-9a-f]+)","sum":"([0-9a-f]{64})","bytes":(\d+)\}$/;
const PACK = /^([0-9a-z]+-\d+-[0-9a-z]+)\.(open|pack)$/;
/** A record's header is far shorter (two hashes and a few words). */
const HEAD_MAX = 512;

/** The packs this process writes, renamed `.pack` when it exits: no record is appended to them after. */
const writtenHere = new Set<Pack>();
let sealOnExit = false;

function seal(): void {
  for (const p of writtenHere) {
    const done = p.file.replace(/\.open$/, '.pack');
    try {
      fs.renameSync(p.file, done);
    } catch {
      /* the index was cleared meanwhile */
    }
  }
  writtenHere.clear();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads `bytes` bytes at `offset`, or undefined when the file ends before. */
function readAt(fd: number, offset: number, bytes: number): Buffer | undefined {
  const buf = Buffer.allocUnsafe(bytes);
  let got = 0;
  while (got < bytes) {
    const n = fs.readSync(fd, buf, got, bytes - got, offset + got);
    if (n === 0) return undefined;
    got += n;
  }
  return buf;
}

/** The records of one pack from `from` on, up to the first one cut short or damaged in its framing. */
export function packRecords(
  file: string,
  from = 0,
): {
  records: { kind: string; key: string; format: number; start: number; offset: number; bytes: number; sum: string }[];
  end: number;
  broken: boolean;
} {
  const records: ReturnType<typeof packRecords>['records'] = [];
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { records, end: from, broken: false };
  }
  let pos = from;
  let broken = false;
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(HEAD_MAX);
    while (pos < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(HEAD_MAX, size - pos), pos);
      const line = buf.subarray(0, n).indexOf(10);
      if (line < 0) {
        broken = n === HEAD_MAX;
        break;
      }
      const m = HEAD.exec(buf.toString('latin1', 0, line));
      if (!m) {
        broken = true;
        break;
      }
      const bytes = Number(m[5]);
      const end = pos + line + 1 + bytes + 1;
      if (end > size) break;
      records.push({
        format: Number(m[1]),
        kind: m[2],
        key: m[3],
        sum: m[4],
        start: pos,
        offset: pos + line + 1,
        bytes,
      });
      pos = end;
    }
  } catch {
    /* read as far as it could be */
  } finally {
    fs.closeSync(fd);
  }
  return { records, end: pos, broken };
}

export class IndexStore {
  readonly stats: StoreStats = { hits: 0, misses: 0, torn: 0, writes: 0, writeErrors: 0 };

  /** The packs found, by id. */
  private readonly packs = new Map<string, Pack>();
  /** Where each entry (`kind:key`) is, the newest record first. */
  private readonly places = new Map<string, Place[]>();
  /** Entries put and not yet written, by `kind:key`: their payloads. */
  private readonly pending = new Map<string, string>();
  private queue: Queued[] = [];
  private writing?: Promise<void>;
  private own?: OwnPack;
  private loaded = false;
  /** The directory's time of change when its listing was last read. */
  private listed = -1;

  constructor(readonly dir: string) {}

  /** The directory of this format's packs. */
  get packDir(): string {
    return path.join(this.dir, `v${INDEX_FORMAT}`);
  }

  get<T>(kind: EntryKind, key: string): T | undefined {
    const entry = `${kind}:${key}`;
    const mine = this.pending.get(entry);
    if (mine !== undefined) {
      this.stats.hits++;
      return JSON.parse(mine) as T;
    }
    if (!this.loaded) {
      this.loaded = true;
      this.look(true);
    }
    let places = this.places.get(entry);
    if (!places?.length) {
      // another process may have written it since
      this.look(false);
      places = this.places.get(entry);
    }
    while (places?.length) {
      const place = places[0];
      const body = this.read(place);
      if (body !== undefined && sha256(body) === place.sum) {
        try {
          const value = JSON.parse(body) as T;
          this.stats.hits++;
          return value;
        } catch {
          /* checksummed but not JSON: damaged all the same */
        }
      }
      // a pack that went away is no damage; a payload that is not what its header says is
      if (body !== undefined) this.stats.torn++;
      places.shift();
    }
    this.stats.misses++;
    return undefined;
  }

  /** Writes an entry (false when it cannot be made); it is read from memory until its write ends. */
  put(kind: EntryKind, key: string, payload: unknown): boolean {
    let body: string;
    try {
      body = JSON.stringify(payload);
      if (typeof body !== 'string' || !/^[0-9a-f]+$/.test(key)) throw new Error('no entry');
    } catch {
      this.stats.writeErrors++;
      return false;
    }
    const entry = `${kind}:${key}`;
    const sum = sha256(body);
    const bytes = Buffer.byteLength(body);
    const head = `{"format":${INDEX_FORMAT},"kind":"${kind}","key":"${key}","sum":"${sum}","bytes":${bytes}}\n`;
    this.pending.set(entry, body);
    this.queue.push({ entry, head, body, sum, bytes });
    // the puts of this turn of the event loop go together, and those while a write is under way with the next
    this.writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
    return true;
  }

  /** Every entry put so far is on disk (or failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      const own = await this.ownPack();
      let ok = false;
      let size = own?.size ?? 0;
      const placed: [string, Place][] = [];
      if (own) {
        const parts: string[] = [];
        for (const q of batch) {
          parts.push(q.head, q.body, '\n');
          const offset = size + Buffer.byteLength(q.head);
          placed.push([q.entry, { pack: own.pack, offset, bytes: q.bytes, sum: q.sum }]);
          size = offset + q.bytes + 1;
        }
        const buf = Buffer.from(parts.join(''));
        try {
          let done = 0;
          while (done < buf.length) done += await writeAt(own.fd, buf, done);
          ok = true;
        } catch {
          // what was written of it is not trusted: the next batch starts a pack of its own
          this.own = undefined;
          fs.close(own.fd, () => undefined);
        }
      }
      if (ok && own) {
        own.size = size;
        own.pack.scanned = size;
        for (const [entry, place] of placed) this.place(entry, place);
        this.stats.writes += batch.length;
      } else this.stats.writeErrors += batch.length;
      for (const q of batch) if (this.pending.get(q.entry) === q.body) this.pending.delete(q.entry);
    }
    this.writing = undefined;
  }

  private async ownPack(): Promise<OwnPack | undefined> {
    if (this.own) return this.own;
    const id = `${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const file = path.join(this.packDir, `${id}.open`);
    try {
      await fs.promises.mkdir(this.packDir, { recursive: true });
      const fd = await openPack(file);
      const pack: Pack = { id, file, scanned: 0, open: true };
      this.packs.set(id, pack);
      writtenHere.add(pack);
      if (!sealOnExit) {
        sealOnExit = true;
        process.once('exit', seal);
      }
      this.own = { pack, fd, size: 0 };
      return this.own;
    } catch {
      return undefined;
    }
  }

  private place(entry: string, place: Place): void {
    const places = this.places.get(entry);
    if (places) places.unshift(place);
    else this.places.set(entry, [place]);
  }

  /**
   * Finds the packs not known yet and the records appended to those still open; on the first look, packs left
   * open by a process that is gone are renamed done. The listing is read again only when the directory changed
   * (a pack made or renamed), or changed so lately that a change within the clock's grain could hide.
   */
  private look(first: boolean): void {
    const listed = fs.statSync(this.packDir, { throwIfNoEntry: false });
    if (!listed) return;
    if (listed.mtimeMs !== this.listed || Date.now() - listed.mtimeMs < 2000) {
      this.listed = listed.mtimeMs;
      this.list(first);
    }
    for (const pack of this.packs.values())
      if (pack.open && !pack.broken && this.own?.pack !== pack) {
        const size = fs.statSync(pack.file, { throwIfNoEntry: false })?.size;
        // gone: renamed done (the next listing has it) or cleared
        if (size !== undefined && size > pack.scanned) this.scan(pack);
      }
  }

  private list(first: boolean): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.packDir);
    } catch {
      return;
    }
    // oldest first: a newer record of an entry (one made again after damage) is read before an older one
    names.sort();
    for (const name of names) {
      const m = PACK.exec(name);
      if (!m) continue;
      let file = path.join(this.packDir, name);
      let open = m[2] === 'open';
      if (first && open && !alive(Number(m[1].split('-')[1]))) {
        const done = path.join(this.packDir, `${m[1]}.pack`);
        try {
          fs.renameSync(file, done);
          file = done;
          open = false;
        } catch {
          /* another process sealed it first */
        }
      }
      const pack = this.packs.get(m[1]);
      if (!pack) {
        const found: Pack = { id: m[1], file, scanned: 0, open };
        this.packs.set(m[1], found);
        this.scan(found);
      } else if (pack.file !== file) {
        // renamed done since: what its writer appended before is read by the open packs' loop or here
        pack.file = file;
        pack.open = open;
        if (!pack.broken && this.own?.pack !== pack) this.scan(pack);
      }
    }
  }

  private scan(pack: Pack): void {
    const { records, end, broken } = packRecords(pack.file, pack.scanned);
    pack.scanned = end;
    pack.broken = broken;
    for (const r of records)
      if (r.format === INDEX_FORMAT)
        this.place(`${r.kind}:${r.key}`, { pack, offset: r.offset, bytes: r.bytes, sum: r.sum });
  }

  /** A record's payload, or undefined when its pack is gone. */
  private read(place: Place): string | undefined {
    const { pack } = place;
    if (this.own?.pack === pack) {
      try {
        return readAt(this.own.fd, place.offset, place.bytes)?.toString('utf8') ?? '';
      } catch {
        return undefined;
      }
    }
    // renamed `.pack` since it was found
    for (const file of [pack.file, pack.file.replace(/\.open$/, '.pack')]) {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        continue;
      }
      try {
        pack.file = file;
        return readAt(fd, place.offset, place.bytes)?.toString('utf8') ?? '';
      } catch {
        return '';
      } finally {
        fs.closeSync(fd);
      }
    }
    return undefined;
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

/** Every record of the packs under an index directory (`--cache-dir DIR/index`), pack by pack: for tests and tools. */
export function indexRecords(
  dir: string,
): (ReturnType<typeof packRecords>['records'][number] & { file: string; end: number })[] {
  const packs = path.join(dir, `v${INDEX_FORMAT}`);
  let names: string[];
  try {
    names = fs.readdirSync(packs).filter((n) => PACK.test(n));
  } catch {
    return [];
  }
  return names.sort().flatMap((n) =>
    packRecords(path.join(packs, n)).records.map((r) => ({
      ...r,
      file: path.join(packs, n),
      end: r.offset + r.bytes + 1,
    })),
  );
}
