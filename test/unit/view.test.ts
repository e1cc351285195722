/**
 * The view layer as data: every C file under test/fixtures/view is analysed by the real
 * analyser and its view (lens titles, hint labels and tooltips, hovers, problem texts, the
 * CLI's text report) compared with the `.view.json` beside it (UPDATE_EXPECT=1 refreshes).
 * Markdown and text are kept as arrays of lines so a change reads as a diff of lines.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzer, ROOT } from '../helpers/analyzer';
import type { FileResult } from '../../src/analysis/result';
import { fileView } from '../../src/view/file-view';
import { callHover, functionHover, siteTooltip } from '../../src/view/markdown';
import { editorMessage, relatedLine } from '../../src/view/problems';
import { colors, formatFile } from '../../src/cli/format-text';

const DIR = path.join(ROOT, 'test', 'fixtures', 'view');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.c'))
  .sort();
const lines = (s: string) => s.split('\n');

function viewSnapshot(r: FileResult) {
  return {
    functions: fileView(r)
      .functions.filter(({ fn }) => !fn.quiet)
      .map(({ fn, lenses, cut, sites }) => ({
        name: fn.name,
        lenses: [...lenses, ...(cut ? [cut] : [])].map((l) =>
          l.path === undefined ? l.title : `${l.title} → path #${l.path}`,
        ),
        hover: lines(functionHover(fn, r.diagnostics)),
        sites: sites.map((s) => ({
          at: `${s.line} ${s.call}() ${s.object}`,
          label: s.label,
          tooltip: lines(siteTooltip(s)),
          hover: lines(callHover(s)),
        })),
      })),
    problems: r.diagnostics
      .filter((d) => d.rule !== 'parse')
      .map((d) => ({
        at: `${d.line} ${d.rule} ${d.severity}`,
        message: editorMessage(d),
        related: d.related.map((x) => `${x.line}: ${relatedLine(x)}`),
      })),
    text: lines(formatFile({ ...r, path: path.basename(r.path), timing: { parseMs: 0, analyzeMs: 0 } }, colors(false))),
  };
}

for (const file of files) {
  test(`view of ${file}`, async () => {
    const full = path.join(DIR, file);
    const r = (await analyzer()).analyzeText(full, fs.readFileSync(full, 'utf8'));
    assert.equal(r.error, undefined, r.error);
    const snap = viewSnapshot(r);
    const snapFile = full.replace(/\.c$/, '.view.json');
    if (process.env.UPDATE_EXPECT) fs.writeFileSync(snapFile, JSON.stringify(snap, null, 1) + '\n');
    else if (!fs.existsSync(snapFile))
      assert.fail(
        `${file}: no ${path.basename(snapFile)} beside it` +
          ' (UPDATE_EXPECT=1 npm test writes it; review it before committing)',
      );
    else
      assert.deepEqual(
        snap,
        JSON.parse(fs.readFileSync(snapFile, 'utf8')),
        `${file}: the view differs from ${path.basename(snapFile)} (UPDATE_EXPECT=1 npm test refreshes it)`,
      );
  });
}

test('the view is computed once per result', async () => {
  const full = path.join(DIR, files[0]);
  const r = (await analyzer()).analyzeText(full, fs.readFileSync(full, 'utf8'));
  assert.equal(fileView(r), fileView(r));
  assert.notEqual(fileView(r), fileView({ ...r }));
});

test('the view layer knows nothing of LSP or VS Code', () => {
  for (const f of fs.readdirSync(path.join(ROOT, 'src', 'view'))) {
    const text = fs.readFileSync(path.join(ROOT, 'src', 'view', f), 'utf8');
    assert.doesNotMatch(text, /from '(vscode|vscode-languageserver[^']*|vscode-jsonrpc)'/, f);
  }
});
