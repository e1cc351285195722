/**
 * An analysis worker thread (bundled to dist/worker.js), for `refcount-lens analyze` and
 * for the language server alike. It creates one Analyzer (two when tree visits take other
 * options: `treeOptions`), then answers each request with {type: 'result', id, result}: a
 * one-shot analysis (the CLI's job: detail budget, result cache), a tree visit (the CLI's
 * tree mode, the server's index: the reply also carries the file's summaries) or a
 * document's next version (the editor: the parse tree is kept for the next incremental parse
 * until the pool says `forget`). It never decides what to print.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Analyzer, type ParsedDocument, type Prepassed } from '../analysis/analyzer';
import { prepass } from '../analysis/parse/prepass';
import { errorResult } from '../analysis/result';
import { ResultCache } from '../cli/cache';
import { parserWasm } from '../files/parser-wasm';
import { injectFault, runJob, runTreeJob } from '../cli/job';
import type { FileResult } from '../analysis/result';
import type { TreeVisit } from '../analysis/tree/context';
import { analyseWithChecks } from '../server/analysis-run';
import { packHandover, RevisitResults, type PackedHandover, unpackHandover } from './revisits';
import { shardOf, type TreeShard } from '../analysis/tree/shard';
import type { AnalyzeRequest, WorkerReply, WorkerRequest, WorkerSetup } from './protocol';

async function start(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker.js runs as a worker thread of refcount-lens or of its language server');
  const setup = workerData as WorkerSetup;
  const analyzer = await Analyzer.create(setup.options, parserWasm());
  const treeAnalyzer = setup.treeOptions ? await Analyzer.create(setup.treeOptions, parserWasm()) : analyzer;
  const cache = setup.cacheDir ? new ResultCache(setup.cacheDir) : undefined;
  const documents = new Map<string, ParsedDocument>();
  const revisits = new RevisitResults();
  const replies = setup.replies ?? port;
  const reply = (m: WorkerReply) => replies.postMessage(m);

  type Answer =
    | FileResult
    | { result: FileResult; visit: TreeVisit; handover?: PackedHandover }
    | { result: FileResult; shard: TreeShard; prepassed?: Prepassed };
  const analyse = (m: AnalyzeRequest): Answer => {
    if (m.shard) {
      const model = treeAnalyzer.modelFor(m.shard).model;
      const pre = prepass(m.text, { defines: model.defines });
      const shard = shardOf(pre, m.text, model);
      const prepassed = m.withPrepass ? { preset: m.shard, pre } : undefined;
      return { result: errorResult(m.path, 'only its shard was made'), shard, prepassed };
    }
    if (m.tree && m.doc === undefined) {
      if (!m.again) {
        revisits.drop(m.path);
        return runTreeJob(treeAnalyzer, m.path, m.text, m.tree, undefined, m.prepassed);
      }
      const earlier = revisits.take(m.path, unpackHandover(m.handed));
      const { kept, ...answer } = runTreeJob(treeAnalyzer, m.path, m.text, m.tree, earlier, m.prepassed);
      if (!kept) return answer;
      revisits.keep(m.path, kept);
      return { ...answer, handover: packHandover(kept.functions) };
    }
    if (m.doc === undefined) return runJob(analyzer, { id: m.id, path: m.path, text: m.text, key: m.cacheKey }, cache);
    const previous = documents.get(m.doc);
    documents.delete(m.doc); // the parse consumes the previous tree, whatever happens next
    const visit: TreeVisit | undefined = m.tree ? { exports: {} } : undefined;
    const run = analyseWithChecks(analyzer, m.path, m.text, previous, m.tree, visit);
    if (run.parsed) documents.set(m.doc, run.parsed);
    return visit ? { result: run.result, visit } : run.result;
  };

  let numbers: Record<string, string> | undefined;
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'numbers') {
      numbers = m.numbers;
      return;
    }
    if (m.type === 'forget') {
      documents.get(m.doc)?.tree.delete();
      documents.delete(m.doc);
      return;
    }
    if (m.type === 'settled') {
      revisits.drop(m.path);
      return;
    }
    if (m.numbersSent && m.tree) m.tree = { ...m.tree, numbers };
    // the test hook runs outside the try below, so an injected crash is a real uncaught one
    if (!m.shard) injectFault(m.path);
    let result: Answer;
    try {
      result = analyse(m);
    } catch (e) {
      // the analysis never throws; this is the last line of defence
      result = errorResult(m.path, `internal error while analysing: ${(e as Error).message}`);
    }
    if (!('result' in result)) reply({ type: 'result', id: m.id, result });
    // the handover's bytes are moved to the pool, not copied
    else if ('handover' in result && result.handover)
      replies.postMessage({ type: 'result', id: m.id, ...result } satisfies WorkerReply, [
        result.handover.buffer as ArrayBuffer,
      ]);
    else reply({ type: 'result', id: m.id, ...result });
  });
  reply({ type: 'ready' });
}

start().catch((e) =>
  parentPort?.postMessage({ type: 'init-error', message: (e as Error).message } satisfies WorkerReply),
);
