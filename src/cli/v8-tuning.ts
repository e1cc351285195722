/**
 * V8 settings for a batch run. Measured on the generated 100-file tree (docs/performance.md,
 * "fourth pass"): with V8's default interrupt budget, TurboFan compiles some 400 functions
 * per thread, 3 to 4 CPU-seconds each time on a background thread, which is more than the
 * analysis itself (about 2.2 s per 100 files); every worker pays it again. A larger budget
 * optimises only what stays hot: about 30% less CPU and wall time with two workers, and no
 * loss on long runs. Process-wide, so it reaches the worker threads; set before they start.
 * The language server keeps the defaults: it runs long and wants its first answers fast.
 */
import * as v8 from 'node:v8';

export const BATCH_V8_FLAGS = ['--interrupt-budget=1000000'];

export function tuneV8ForBatch(): void {
  if (process.env.REFCOUNT_LENS_V8_DEFAULTS) return;
  for (const flag of BATCH_V8_FLAGS) v8.setFlagsFromString(flag);
}
