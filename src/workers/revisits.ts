/**
 * The per-function results of files a tree run will visit again (the files of a cycle, visited
 * in rounds until their summaries settle), kept by the worker between the visits: a round then
 * recomputes only the functions whose callees' summaries changed. Each file keeps its latest
 * visit's functions alone, and the files least recently visited go first past `maxFunctions`,
 * so a long-lived worker (the language server's) holds a bounded amount.
 */
import type { FunctionCache } from '../analysis/analyzer';

export class RevisitResults {
  private readonly files = new Map<string, FunctionCache>();
  private functions = 0;

  constructor(private readonly maxFunctions = 50000) {}

  /** What `path`'s previous visit left (an empty cache when none), handed over to the next visit. */
  take(path: string): FunctionCache {
    const kept = this.files.get(path);
    if (!kept) return new Map();
    this.files.delete(path);
    this.functions -= kept.size;
    return kept;
  }

  /** Keeps `path`'s functions of this visit for its next. */
  keep(path: string, functions: FunctionCache): void {
    this.take(path);
    this.files.set(path, functions);
    this.functions += functions.size;
    for (const [oldest, cache] of this.files) {
      if (this.functions <= this.maxFunctions || oldest === path) break;
      this.files.delete(oldest);
      this.functions -= cache.size;
    }
  }

  /** `path` will not be visited again: its functions are let go. */
  drop(path: string): void {
    this.take(path);
  }
}
