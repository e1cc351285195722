/**
 * refcount-lens trace FILE --scenario NAME|FILE.rlscenario [--format text|json|sarif|html] [--what-if X]
 * Runs a lifecycle scenario over the analysed file. Exit 0 when every verdict is good (removed
 * jails gone, nothing leaked), 1 when one is bad, 2 for bad usage or unreadable input (and for
 * a scenario with errors).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../analysis/analyzer';
import { readModelSources } from '../files/model-files';
import { parserWasm } from '../files/parser-wasm';
import { UsageError, type CliArgs } from './args';
import { SUBCOMMANDS } from './subcommands';
import { findWorkspaceModel, VERSION } from './analyze';
import { colors } from './format-text';
import { runTrace } from '../trace/simulator';
import { parseScenario } from '../trace/scenario';
import { BUILTIN_SCENARIOS, builtinScenario } from '../trace/builtin-scenarios';
import { traceToJson } from '../trace/json';
import { traceToSarif } from '../trace/sarif';
import { traceToHtml } from '../trace/html';
import { traceToText } from '../trace/text';
import { WHAT_IFS } from '../trace/whatif';

export const TRACE_USAGE = `usage: refcount-lens trace FILE [--scenario NAME|FILE.rlscenario] [options]
  --scenario NAME|FILE    a built-in scenario (default vnet-jail-devfs-clone) or a .rlscenario / JSON file
  --format text|json|sarif|html   (--html is the same as --format html)
  --what-if X             re-run with a change (repeatable): ${WHAT_IFS.map((w) => w.id).join(', ')}
  --list-scenarios        print the built-in scenarios
  --model, --preset, --define, --undef, --output as for analyze
built-in scenarios: ${BUILTIN_SCENARIOS.map((s) => s.name).join(', ')}
exit status: 0 all verdicts good, 1 a verdict is bad, 2 bad usage, unreadable input or a scenario with errors`;

const KNOWN = new Set([
  '--scenario',
  '--what-if',
  '--whatif',
  '--html',
  '--list-scenarios',
  '--help',
  '--trace-format',
]);

export async function traceCommand(args: CliArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  for (const [flag] of args.rest) if (!KNOWN.has(flag)) throw new UsageError(`unknown option ${flag} for trace`);
  if (args.rest.has('--help')) {
    out(TRACE_USAGE + '\n');
    return 0;
  }
  if (args.rest.has('--list-scenarios')) {
    for (const s of BUILTIN_SCENARIOS) out(`${s.name.padEnd(26)} ${s.title}\n`);
    return 0;
  }
  let format: string = args.format;
  if (args.rest.has('--html')) format = 'html';
  const tf = args.rest.get('--trace-format')?.pop();
  if (tf) format = tf;
  if (!['text', 'json', 'sarif', 'html'].includes(format))
    throw new UsageError(`--format is text, json, sarif or html, not "${format}"`);
  if (args.inputs.length !== 1)
    throw new UsageError(args.inputs.length ? `trace takes one FILE, not ${args.inputs.length}` : 'trace needs a FILE');
  const scenarios = args.rest.get('--scenario') ?? [];
  if (scenarios.length > 1) throw new UsageError('trace takes one --scenario');
  const scenarioArg = scenarios[0] ?? 'vnet-jail-devfs-clone';
  if (scenarioArg === 'true') throw new UsageError('--scenario needs a value');
  const whatIf = [...(args.rest.get('--what-if') ?? []), ...(args.rest.get('--whatif') ?? [])].filter(
    (x) => x !== 'true',
  );

  const file = args.inputs[0];
  let text: string;
  try {
    if (fs.statSync(file).isDirectory()) {
      err(`refcount-lens: ${file}: trace takes a file, not a directory`);
      return 2;
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err(
      `refcount-lens: ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`}`,
    );
    return 2;
  }

  // the scenario: a built-in name, or a file
  let scenarioText: string;
  let scenarioFile: string | undefined;
  const builtin = builtinScenario(scenarioArg);
  if (builtin) scenarioText = builtin.text;
  else if (fs.existsSync(scenarioArg) || /\.(rlscenario|json)$/.test(scenarioArg) || scenarioArg.includes(path.sep)) {
    try {
      scenarioText = fs.readFileSync(scenarioArg, 'utf8');
      scenarioFile = scenarioArg;
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      err(`refcount-lens: ${scenarioArg}: cannot read the scenario (${why})`);
      return 2;
    }
  } else {
    const names = BUILTIN_SCENARIOS.map((s) => s.name).join(', ');
    err(`refcount-lens: no built-in scenario "${scenarioArg}" and no such file (built-ins: ${names})`);
    return 2;
  }
  const fallbackName = scenarioFile ? path.basename(scenarioFile).replace(/\.(rlscenario|json)$/, '') : scenarioArg;
  const parsed = parseScenario(scenarioText, fallbackName);
  const scenarioPlace = scenarioFile ?? `scenario ${scenarioArg}`;
  for (const e of parsed.errors)
    err(`refcount-lens: ${scenarioPlace}:${e.line}:${e.column + 1}: ${e.severity}: ${e.message}`);

  const analyzer = await Analyzer.create(
    {
      preset: args.preset,
      modelSources: readModelSources([...findWorkspaceModel([file]), ...args.models]),
      defines: args.defines,
      undefines: args.undefines,
      inference: args.inference,
      maxStatesPerFunction: args.maxStates,
      maxStatesPerFile: args.maxStatesPerFile,
      maxFileSize: args.maxFileSize * 1048576,
      callSites: true,
    },
    parserWasm(),
  );
  const result = analyzer.analyzeText(file, text);
  if (result.error) {
    err(`refcount-lens: ${file}: ${result.error}`);
  }
  const trace = runTrace({ result, text, scenario: parsed.scenario, whatIf });
  // problems the scenario parse found are part of the trace too
  trace.problems.unshift(
    ...parsed.errors.map((e) => ({
      severity: e.severity,
      message: `scenario line ${e.line}: ${e.message}`,
      scenarioLine: e.line,
    })),
  );
  if (parsed.errors.some((e) => e.severity === 'error')) {
    trace.ok = false;
    const first = parsed.errors.find((e) => e.severity === 'error')!;
    trace.verdicts.unshift({
      subject: 'scenario',
      state: 'inconclusive',
      reason: `the scenario has errors (line ${first.line}: ${first.message})`,
      good: false,
    });
    trace.summary = trace.verdicts[0].reason;
  }

  switch (format) {
    case 'json':
      out(traceToJson(trace) + '\n');
      break;
    case 'sarif':
      out(JSON.stringify(traceToSarif(trace, VERSION), null, 1) + '\n');
      break;
    case 'html':
      out(traceToHtml(trace, text));
      break;
    default:
      out(traceToText(trace, colors(!!process.stdout.isTTY && !process.env.NO_COLOR && !args.output)));
  }
  if (
    result.error ||
    parsed.errors.some((e) => e.severity === 'error') ||
    trace.problems.some((p) => p.severity === 'error')
  )
    return 2;
  return trace.ok ? 0 : 1;
}

SUBCOMMANDS.set('trace', traceCommand);
