/**
 * SARIF 2.1.0 export of a trace: one result per bad verdict (or one note when all is well),
 * each with a codeFlow that walks every step of the trace; each location's `state` holds the
 * count of every object after that step ({"tun0": {"text": "3"}}).
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import type { TraceResult, TraceVerdict } from './types';
import { countsByStep } from './json';

const RULES: Record<string, string> = {
  'lifecycle/jail-dying': 'After the scenario a removed jail stays DYING: references keep its prison alive.',
  'lifecycle/leak': 'After the scenario an object keeps references that nothing releases.',
  'lifecycle/inconclusive': 'The scenario could not exercise the file (no registration, unknown device, bad scenario).',
  'lifecycle/ok': 'The scenario ends with every object freed and every removed jail gone.',
};

function ruleOf(v: TraceVerdict): string {
  if (v.good) return 'lifecycle/ok';
  if (v.state === 'dying') return 'lifecycle/jail-dying';
  if (v.state === 'leaked') return 'lifecycle/leak';
  return 'lifecycle/inconclusive';
}

export function traceToSarif(t: TraceResult, version = '0.1.0'): object {
  const uri = pathToFileURL(path.resolve(t.file)).href;
  const counts = countsByStep(t);
  const loc = (line: number, text: string) =>
    line > 0
      ? { physicalLocation: { artifactLocation: { uri }, region: { startLine: line } }, message: { text } }
      : { message: { text } };
  const flow = {
    message: { text: `scenario ${t.scenario}${t.whatIf.length ? ` (what-if ${t.whatIf.join(', ')})` : ''}` },
    threadFlows: [
      {
        locations: t.steps.map((s) => ({
          location: loc(
            s.line,
            `${s.event}: ${s.where}: ${s.call}: ${s.object} ${s.before} → ${s.after}${s.note ? ` (${s.note})` : ''}`,
          ),
          state: Object.fromEntries(Object.entries(counts[s.seq]).map(([k, v]) => [k, { text: String(v) }])),
          nestingLevel: Math.max(0, s.via.length - 1),
          executionOrder: s.seq,
          kinds: [s.op],
          properties: {
            event: s.event,
            function: s.function,
            object: s.object,
            kind: s.kind,
            before: s.before,
            after: s.after,
          },
        })),
      },
    ],
  };
  const bad = t.verdicts.filter((v) => !v.good);
  const shown = bad.length ? bad : t.verdicts.slice(0, 1);
  const lineFor = (v: TraceVerdict): number => {
    const name = v.subject.replace(/^(cdev|ucred|ifnet|prison|jail) /, '');
    const o = t.final.objects.find((x) => x.id === name || x.id === v.subject);
    const held = o?.heldBy.map((h) => /at line (\d+)/.exec(h)?.[1]).find(Boolean);
    if (held) return Number(held);
    const chain = /← cdev (\S+?),/.exec(v.reason)?.[1];
    const leaf = chain ? t.final.objects.find((x) => x.id === chain) : undefined;
    const l = leaf?.heldBy
      .map((h) => /at line (\d+)/.exec(h)?.[1])
      .filter(Boolean)
      .pop();
    if (l) return Number(l);
    return t.steps.find((s) => s.line > 0)?.line ?? 1;
  };
  const results = shown.map((v) => ({
    ruleId: ruleOf(v),
    level: v.good ? 'note' : v.state === 'inconclusive' ? 'warning' : 'error',
    message: { text: v.reason },
    locations: [loc(lineFor(v), v.subject)],
    ...(t.steps.length ? { codeFlows: [flow] } : {}),
    properties: { subject: v.subject, state: v.state, scenario: t.scenario, whatIf: t.whatIf },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'refcount-lens trace',
            version,
            informationUri: 'https://github.com/refcount-lens/refcount-lens',
            rules: Object.entries(RULES).map(([id, text]) => ({ id, shortDescription: { text } })),
          },
        },
        artifacts: [{ location: { uri } }],
        results,
        properties: { scenario: t.scenario, facts: t.facts, final: t.final },
      },
    ],
  };
}
