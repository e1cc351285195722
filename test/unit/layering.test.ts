/**
 * The analysis core does no I/O (issue 15, item 4): no module under src/analysis imports a
 * Node built-in or reads its own location; model files and the parser's wasm come from the
 * caller (src/files/). It knows nothing of the editor or the protocol either.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { ROOT } from '../helpers/analyzer';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const analysisIsPure =
  'no module under src/analysis imports a Node built-in, the editor or the protocol, or reads where it lives';
test(analysisIsPure, () => {
  const files = sources(path.join(ROOT, 'src', 'analysis'));
  assert.ok(files.length > 20);
  const forbidden = new Set([
    ...builtinModules,
    ...builtinModules.map((m) => `node:${m}`),
    'vscode',
    'vscode-languageserver',
    'vscode-languageclient',
  ]);
  const found: string[] = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^;]*?from\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/g,
    )) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (forbidden.has(spec) || spec.includes('/shared/') || spec.includes('/server/') || spec.includes('/cli/'))
        found.push(`${path.relative(ROOT, f)}: ${spec}`);
    }
    if (/\b__dirname\b|\b__filename\b|\bprocess\.(env|cwd)\b/.test(text))
      found.push(`${path.relative(ROOT, f)}: reads its location or the process environment`);
  }
  assert.deepEqual(found, []);
});
