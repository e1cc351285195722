/**
 * A worker thread of the language server (bundled to dist/worker.js). Large documents are
 * parsed and analysed here so the server's request loop keeps answering while they run.
 * It keeps each document's ParsedDocument between runs, so edits still parse incrementally.
 *
 * Messages in:  {type:'analyze', id, uri, text} | {type:'forget', uri}
 * Messages out: {type:'ready'} | {type:'init-error', message} | {type:'result', id, result}
 */
import { parentPort, workerData } from 'worker_threads';
import { Analyzer, type AnalyzerOptions, type ParsedDocument } from '../analysis/analyzer';
import { analyseWithChecks } from './analysis-run';

export interface WorkerSetup { options: AnalyzerOptions }

export type WorkerRequest =
  | { type: 'analyze'; id: number; uri: string; path: string; text: string }
  | { type: 'forget'; uri: string };

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker.js runs as a worker thread of the Refcount Lens server');
  const analyzer = await Analyzer.create((workerData as WorkerSetup).options);
  const parsed = new Map<string, ParsedDocument>();
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'forget') {
      parsed.get(m.uri)?.tree.delete();
      parsed.delete(m.uri);
      return;
    }
    const previous = parsed.get(m.uri);
    parsed.delete(m.uri); // parse consumes the previous tree, whatever happens next
    const run = analyseWithChecks(analyzer, m.path, m.text, previous);
    if (run.parsed) parsed.set(m.uri, run.parsed);
    port.postMessage({ type: 'result', id: m.id, result: run.result });
  });
  port.postMessage({ type: 'ready' });
}

start().catch((e) => parentPort?.postMessage({ type: 'init-error', message: (e as Error).message }));
