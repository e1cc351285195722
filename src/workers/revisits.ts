/**
 * What a worker keeps of the files a tree run will visit again (the files of a cycle, visited in
 * rounds until their summaries settle), between the visits: the per-function results, so that a
 * round recomputes only the functions whose callees' summaries changed, and the parse without its
 * tree (the pre-pass, the definitions, the copies of the bodies analysed), so that a round neither
 * pre-passes, parses nor copies a file again unless its context leaves out other bodies or needs one
 * not copied. Each file keeps its latest visit's alone, and the files least recently visited go
 * first past `maxFunctions`, their parses past `maxParseChars` characters of text, so a long-lived
 * worker (the language server's) holds a bounded amount.
 */
import { deserialize, serialize } from 'node:v8';
import type { CachedFunction, FunctionCache, KeptParse } from '../analysis/analyzer';

/**
 * The costly per-function results of a file's last visit, by their keys, as the reply of a tree visit carries
 * them: the pool hands them to the next visit when another worker makes it (the one that kept them was busy, or
 * is gone), so that worker does not analyse again the functions whose inputs did not change. A result is a
 * function of its key, so the output is the same whichever worker analysed it.
 */
export type HandedFunctions = [key: string, entry: CachedFunction][];

/**
 * Path states below which a function is analysed again rather than handed over: the structured clone of a
 * result costs about what the analysis of a few dozen states does.
 */
export const HANDOVER_STATES = 100;

/** The entries of `functions` worth handing to another worker (without the copy last moved to a line). */
export function handedOver(functions: FunctionCache, minStates = HANDOVER_STATES): HandedFunctions {
  const out: HandedFunctions = [];
  for (const [key, { at: _moved, ...entry }] of functions) if (entry.visits >= minStates) out.push([key, entry]);
  return out;
}

/**
 * Handed-over results as the reply carries them: serialised by the worker that made them (what posting them cost
 * anyway) and moved, not copied, to the pool, which keeps the bytes and posts them on only when another worker
 * makes the file's next visit (1 reply in 14 on a cold xen run). Decoding them on the pool's thread at every
 * reply cost 0.4-0.5 s of a cold xen run's CPU, for 18.4 MB of results of which 1.3-2.6 MB were handed on.
 */
export type PackedHandover = Uint8Array;

/** `handedOver(functions)`, serialised (undefined when there is nothing worth handing over). */
export function packHandover(functions: FunctionCache, minStates = HANDOVER_STATES): PackedHandover | undefined {
  const handed = handedOver(functions, minStates);
  if (!handed.length) return undefined;
  const bytes = serialize(handed);
  // a Buffer of its own (not a slice of a shared pool), so that its memory can be moved to the other thread
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

export function unpackHandover(packed: PackedHandover | undefined): HandedFunctions | undefined {
  return packed ? (deserialize(packed) as HandedFunctions) : undefined;
}

/** What a file's last visit left for its next. */
export interface Revisit {
  functions: FunctionCache;
  parse?: KeptParse;
}

export class RevisitResults {
  private readonly files = new Map<string, Revisit>();
  private functions = 0;
  private parseChars = 0;

  constructor(
    private readonly maxFunctions = 50000,
    private readonly maxParseChars = 4 << 20,
  ) {}

  /**
   * What `path`'s previous visit left (nothing when none), handed over to the next visit, with the results
   * another worker's visit handed over (`handed`) where this worker kept none under the same key.
   */
  take(path: string, handed?: HandedFunctions): Revisit {
    const kept = this.files.get(path);
    if (!kept) return { functions: new Map(handed) };
    this.files.delete(path);
    this.functions -= kept.functions.size;
    this.parseChars -= kept.parse?.text.length ?? 0;
    for (const [key, entry] of handed ?? []) if (!kept.functions.has(key)) kept.functions.set(key, entry);
    return kept;
  }

  /** Keeps `path`'s functions and parse of this visit for its next. */
  keep(path: string, kept: Revisit): void {
    this.take(path);
    this.files.set(path, kept);
    this.functions += kept.functions.size;
    this.parseChars += kept.parse?.text.length ?? 0;
    for (const [oldest, other] of this.files) {
      if (this.functions <= this.maxFunctions && this.parseChars <= this.maxParseChars) break;
      if (oldest === path) break;
      if (this.functions > this.maxFunctions) {
        this.take(oldest);
        continue;
      }
      this.parseChars -= other.parse?.text.length ?? 0;
      other.parse = undefined;
    }
  }

  /** `path` will not be visited again: what its last visit left is let go. */
  drop(path: string): void {
    this.take(path);
  }
}
