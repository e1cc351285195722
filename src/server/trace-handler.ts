/**
 * The `refcountLens/trace` request: {uri, scenario (a built-in name or scenario text), whatIf?}
 * -> TraceResult. Runs the scenario over the document's latest analysis, remembers the trace
 * for hints and lenses (trace-state.ts) and asks the client to refresh them.
 */
import * as fs from 'fs';
import { fileURLToPath } from 'url';
import type { Connection } from 'vscode-languageserver/node';
import type { FileResult } from '../analysis/result';
import { runTrace } from '../trace/simulator';
import { TRACE_VERSION, type TraceResult } from '../trace/types';
import { setLastTrace } from './trace-state';

export const TRACE_METHOD = 'refcountLens/trace';

export interface TraceParams {
  uri: string;
  /** A built-in scenario's name, or the text of a scenario (line form or JSON). */
  scenario: string;
  whatIf?: string[];
  /** Name for a scenario given as text without a `scenario` line (its file name). */
  scenarioName?: string;
}

/** What the server's analysis gives for a document: a FileResult, or a snapshot with its text. */
export type AnalysisLike = FileResult | { result: FileResult; text: string } | undefined;

export function registerTraceHandler(
  connection: Connection,
  getAnalysis: (uri: string) => AnalysisLike | Promise<AnalysisLike>,
  getText?: (uri: string) => string | undefined,
): void {
  connection.onRequest(TRACE_METHOD, async (params: TraceParams): Promise<TraceResult> => {
    try {
      return await handle(connection, params, getAnalysis, getText);
    } catch (e) {
      return failedTrace(params, `the trace failed: ${(e as Error).message}`);
    }
  });
}

async function handle(connection: Connection, params: TraceParams, getAnalysis: (uri: string) => AnalysisLike | Promise<AnalysisLike>, getText?: (uri: string) => string | undefined): Promise<TraceResult> {
  if (!params || typeof params.uri !== 'string') return failedTrace(params, 'the request needs a document uri');
  if (typeof params.scenario !== 'string' || !params.scenario.trim()) return failedTrace(params, 'the request needs a scenario (a built-in name or scenario text)');
  const got = await getAnalysis(params.uri);
  if (!got) return failedTrace(params, 'this document has no analysis (is it an open C file, with Refcount Lens enabled?)');
  const result = 'result' in got ? got.result : got;
  let text = 'result' in got ? got.text : getText?.(params.uri);
  if (text === undefined) {
    try { text = fs.readFileSync(fileURLToPath(params.uri), 'utf8'); } catch {
      return failedTrace(params, 'the text of this document is not available to the server');
    }
  }
  const trace = runTrace({ result, text, scenario: params.scenario, scenarioName: params.scenarioName, whatIf: Array.isArray(params.whatIf) ? params.whatIf.map(String) : [] });
  trace.file = result.path || params.uri;
  setLastTrace(params.uri, trace, text);
  refresh(connection);
  return trace;
}

function refresh(connection: Connection): void {
  // clients that do not support the refresh requests reject them: nothing to do then
  try { void connection.languages.inlayHint.refresh().catch(() => undefined); } catch { /* unsupported */ }
  try { void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined); } catch { /* unsupported */ }
}

/** A trace that only says why it could not run (never an exception to the client). */
export function failedTrace(params: Partial<TraceParams> | undefined, message: string): TraceResult {
  return {
    version: TRACE_VERSION, file: params?.uri ?? '', scenario: typeof params?.scenario === 'string' && !/\s/.test(params.scenario) ? params.scenario : (params?.scenarioName ?? 'scenario'),
    whatIf: params?.whatIf ?? [], facts: {}, events: [], steps: [], calls: [],
    final: { objects: [], jails: [] },
    verdicts: [{ subject: 'scenario', state: 'inconclusive', reason: message, good: false }],
    problems: [{ severity: 'error', message }], ok: false, summary: message, roles: [],
  };
}
