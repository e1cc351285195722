/**
 * SARIF 2.1.0: one result per diagnostic; a codeFlow per path involved whose
 * threadFlow walks the path's counted steps with the running count in `state`.
 */
import type { FileResult, PathClass } from '../analysis/result';
import type { Severity } from '../analysis/result';
import { RULES, type RuleSpec } from '../analysis/checks/registry';
import { signed } from '../view/format';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';

/** The SARIF results of one file (so a run over a tree keeps results, not whole FileResults). */
export function sarifResults(f: FileResult): object[] {
  const results: object[] = [];
  const uri = pathToFileURL(path.resolve(f.path)).href;
  const loc = (line: number, message?: string) => ({
    physicalLocation: { artifactLocation: { uri }, region: { startLine: Math.max(1, line) } },
    ...(message ? { message: { text: message } } : {}),
  });
  for (const d of f.diagnostics) {
    const fn = f.functions.find((x) => x.name === d.function);
    const flows = (d.paths ?? [])
      .map((id) => fn?.paths[id])
      .filter((p): p is PathClass => !!p)
      .map((p) => ({
        message: { text: `path #${p.id}: returns ${p.exit.returns} at line ${p.exit.line}` },
        threadFlows: [
          {
            locations: [
              ...p.steps.map((s) => ({
                location: loc(s.line, `${s.call}(): ${s.object} ${signed(s.delta)}${s.note ? ` (${s.note})` : ''}`),
                state: { [`${s.object}`]: { text: String(s.after ?? s.delta) } },
                kinds: [s.op],
              })),
              {
                location: loc(p.exit.line, `exit: ${p.deltas.map((x) => `${x.object} ${signed(x.delta)}`).join(', ')}`),
                state: Object.fromEntries(p.deltas.map((x) => [x.object, { text: String(x.delta) }])),
                kinds: ['exit'],
              },
            ],
          },
        ],
      }));
    results.push({
      ruleId: d.rule,
      level: sarifLevel(d.severity),
      message: { text: d.message },
      locations: [loc(d.line)],
      relatedLocations: d.related.map((r, i) => ({ id: i, ...loc(r.line, r.message) })),
      ...(flows.length ? { codeFlows: flows } : {}),
      properties: { function: d.function, object: d.object, inferred: d.inferred ?? false },
    });
  }
  return results;
}

function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'info' ? 'note' : s;
}

/** A SARIF log around results gathered with sarifResults(). */
export function sarifLog(results: object[], version: string, properties?: Record<string, unknown>): object {
  const rules = Object.entries(RULES).map(([id, spec]: [string, RuleSpec]) => ({
    id,
    shortDescription: { text: spec.short },
    fullDescription: { text: spec.full },
    help: { text: spec.help },
    helpUri: 'https://github.com/refcount-lens/refcount-lens/blob/main/docs/rules.md#' + id,
    defaultConfiguration: { level: sarifLevel(spec.severity) },
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'refcount-lens',
            version,
            informationUri: 'https://github.com/refcount-lens/refcount-lens',
            rules,
          },
        },
        results,
        ...(properties ? { properties } : {}),
      },
    ],
  };
}
