/**
 * A worker thread of `refcount-lens analyze` (bundled to dist/cli-worker.js).
 * It creates one Analyzer, then answers {id, path, text, key} jobs with
 * {type: 'result', id, result}. It never decides what to print.
 */
import { parentPort, workerData } from 'worker_threads';
import { Analyzer } from '../analysis/analyzer';
import { ResultCache } from './cache';
import { runJob, errorResult, injectFault, type Job, type WorkerSetup } from './job';

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('cli-worker.js runs as a worker thread of refcount-lens');
  const setup = workerData as WorkerSetup;
  const analyzer = await Analyzer.create(setup.options);
  const cache = setup.cacheDir ? new ResultCache(setup.cacheDir) : undefined;
  port.on('message', (job: Job) => {
    injectFault(job.path);
    let result;
    try {
      result = runJob(analyzer, job, cache);
    } catch (e) {
      // analyzeText never throws; this is the last line of defence
      result = errorResult(job.path, `internal error while analysing: ${(e as Error).message}`);
    }
    port.postMessage({ type: 'result', id: job.id, result });
  });
  port.postMessage({ type: 'ready' });
}

start().catch((e) => {
  parentPort?.postMessage({ type: 'init-error', message: (e as Error).message });
});
