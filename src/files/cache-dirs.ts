/**
 * Where Refcount Lens keeps what it computes between runs: under `$XDG_CACHE_HOME` (when it is
 * an absolute path) or `~/.cache`, in `refcount-lens/`. The CLI's result cache and the tree
 * index live there; the CLI's tree mode and the language server share the index.
 */
import * as os from 'node:os';
import * as path from 'node:path';

function cacheBase(env: NodeJS.ProcessEnv): string {
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'refcount-lens');
}

/** The CLI's content-hash result cache (src/cli/cache.ts). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheBase(env), 'results');
}

/** The tree index (src/index/store.ts), beside the result cache. */
export function defaultIndexDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheBase(env), 'index');
}
