/**
 * The lifecycle trace's requests.
 * - `refcountLens/trace` {uri, scenario (a built-in name or scenario text), whatIf?} ->
 *   TraceResult: runs the scenario over the document's latest analysis, remembers the trace
 *   for hints and lenses (trace-state.ts) and asks the client to refresh them.
 * - `refcountLens/traceView` (src/shared/protocol.ts): the same run with its timeline, the
 *   built-in scenarios and what-ifs, and the SARIF and HTML exports, so that the VS Code
 *   view renders nothing of the trace itself.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import type { FileResult } from '../analysis/result';
import { runTrace } from '../trace/simulator';
import { BUILTIN_SCENARIOS } from '../trace/builtin-scenarios';
import { WHAT_IFS, describeWhatIf } from '../trace/whatif';
import { timelineSvg } from '../trace/timeline';
import { traceToSarif } from '../trace/sarif';
import { traceToHtml } from '../trace/html';
import { TRACE_VERSION, type TraceResult } from '../trace/types';
import {
  TraceViewRequest,
  type TraceCatalogue,
  type TraceExport,
  type TraceRun,
  type TraceViewParams,
  type WireComparedTrace,
} from '../shared/protocol';
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
  /** While a document is compared with a revision: the same run over that revision. */
  compared?: (
    uri: string,
    run: { scenario: string; scenarioName?: string; whatIf?: string[] },
  ) => WireComparedTrace | undefined,
): void {
  const sources: Sources = { getAnalysis, getText };
  const traceOf = async (params: TraceParams): Promise<TraceResult> => {
    try {
      return await handle(connection, params, sources);
    } catch (e) {
      return failedTrace(params, `the trace failed: ${(e as Error).message}`);
    }
  };
  connection.onRequest(TRACE_METHOD, traceOf);
  connection.onRequest(
    TraceViewRequest.type,
    async (p: TraceViewParams): Promise<TraceCatalogue | TraceRun | TraceExport | ResponseError<void>> => {
      switch (p?.kind) {
        case 'catalogue':
          return catalogue();
        case 'run': {
          const trace = await traceOf(p);
          const before =
            typeof p.uri === 'string' && typeof p.scenario === 'string'
              ? compared?.(p.uri, { scenario: p.scenario, scenarioName: p.scenarioName, whatIf: trace.whatIf })
              : undefined;
          return {
            trace,
            svg: timelineSvg(trace),
            whatIfLabels: trace.whatIf.map(describeWhatIf),
            ...(before ? { compared: before } : {}),
          };
        }
        case 'export':
          return exportTrace(p, sources);
        default:
          return new ResponseError(
            ErrorCodes.InvalidParams,
            `${TraceViewRequest.type.method}: "kind" is catalogue, run or export`,
          );
      }
    },
  );
}

interface Sources {
  getAnalysis: (uri: string) => AnalysisLike | Promise<AnalysisLike>;
  getText?: (uri: string) => string | undefined;
}

function catalogue(): TraceCatalogue {
  return {
    scenarios: BUILTIN_SCENARIOS.map(({ name, title }) => ({ name, title })),
    // what-ifs with an argument (drop-line:N, fact:KEY=VALUE) need more than a button
    whatIfs: WHAT_IFS.filter((w) => !w.id.includes(':')).map(({ id, label, title }) => ({ id, label, title })),
  };
}

async function exportTrace(
  p: Extract<TraceViewParams, { kind: 'export' }>,
  sources: Sources,
): Promise<TraceExport | ResponseError<void>> {
  const method = TraceViewRequest.type.method;
  if (!isTrace(p.trace))
    return new ResponseError(ErrorCodes.InvalidParams, `${method}: an export needs the trace to export`);
  const t = p.trace;
  if (p.format === 'sarif')
    return { text: JSON.stringify(traceToSarif(t, String(p.toolVersion ?? '')), null, 1) + '\n' };
  if (p.format !== 'html')
    return new ResponseError(
      ErrorCodes.InvalidParams,
      `${method}: the export format is sarif or html, not "${p.format}"`,
    );
  // the source lines beside the steps, when the server has the text
  const text = typeof p.uri === 'string' ? await textOf(p.uri, sources).catch(() => undefined) : undefined;
  return { text: traceToHtml(t, text) };
}

/** A whole trace as a run returned it (the client sends back what it got). */
function isTrace(t: unknown): t is TraceResult {
  const x = t as Partial<TraceResult> | undefined;
  return (
    !!x &&
    typeof x === 'object' &&
    typeof x.file === 'string' &&
    Array.isArray(x.steps) &&
    Array.isArray(x.verdicts) &&
    Array.isArray(x.events) &&
    !!x.final &&
    Array.isArray(x.final.objects) &&
    Array.isArray(x.whatIf)
  );
}

/** The document's analysed text: the snapshot's, the open document's, or the file's. */
async function textOf(uri: string, sources: Sources, got?: AnalysisLike): Promise<string | undefined> {
  got ??= await sources.getAnalysis(uri);
  const text = got && 'result' in got ? got.text : sources.getText?.(uri);
  if (text !== undefined) return text;
  try {
    return fs.readFileSync(fileURLToPath(uri), 'utf8');
  } catch {
    return undefined;
  }
}

async function handle(connection: Connection, params: TraceParams, sources: Sources): Promise<TraceResult> {
  if (!params || typeof params.uri !== 'string') return failedTrace(params, 'the request needs a document uri');
  if (typeof params.scenario !== 'string' || !params.scenario.trim())
    return failedTrace(params, 'the request needs a scenario (a built-in name or scenario text)');
  const got = await sources.getAnalysis(params.uri);
  if (!got)
    return failedTrace(params, 'this document has no analysis (is it an open C file, with Refcount Lens enabled?)');
  const result = 'result' in got ? got.result : got;
  const text = await textOf(params.uri, sources, got);
  if (text === undefined) return failedTrace(params, 'the text of this document is not available to the server');
  const trace = runTrace({
    result,
    text,
    scenario: params.scenario,
    scenarioName: params.scenarioName,
    whatIf: Array.isArray(params.whatIf) ? params.whatIf.map(String) : [],
  });
  trace.file = result.path || params.uri;
  setLastTrace(params.uri, trace, text);
  refresh(connection);
  return trace;
}

function refresh(connection: Connection): void {
  // clients that do not support the refresh requests reject them: nothing to do then
  try {
    void connection.languages.inlayHint.refresh().catch(() => undefined);
  } catch {
    /* unsupported */
  }
  try {
    void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  } catch {
    /* unsupported */
  }
}

/** A trace that only says why it could not run (never an exception to the client). */
export function failedTrace(params: Partial<TraceParams> | undefined, message: string): TraceResult {
  return {
    version: TRACE_VERSION,
    file: params?.uri ?? '',
    scenario:
      typeof params?.scenario === 'string' && !/\s/.test(params.scenario)
        ? params.scenario
        : (params?.scenarioName ?? 'scenario'),
    whatIf: params?.whatIf ?? [],
    facts: {},
    events: [],
    steps: [],
    calls: [],
    final: { objects: [], jails: [] },
    verdicts: [{ subject: 'scenario', state: 'inconclusive', reason: message, good: false }],
    problems: [{ severity: 'error', message }],
    ok: false,
    summary: message,
    roles: [],
  };
}
