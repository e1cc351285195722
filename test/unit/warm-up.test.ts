/**
 * The server's warm-up (src/server/warm-up.ts) through a real LSP connection: a server started
 * before any C file is open analyses its built-in driver, one that gets a file with its start
 * does not, and what either says about the file is the same.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileUri, hintText, LspClient, ROOT } from '../helpers/lsp-client';

const FILE = path.join(ROOT, 'examples/clonedev/clonedev_buggy.c');
const text = fs.readFileSync(FILE, 'utf8');
const uri = fileUri(FILE);
const WARMED = /warmed up in \d+ ms/;

/** What the editor gets for the file: diagnostics and hints, as comparable text. */
async function whatItSays(client: LspClient): Promise<{ diagnostics: string[]; hints: string[] }> {
  const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length > 0);
  const hints = (await client.inlayHints(uri)) ?? [];
  return {
    diagnostics: diagnostics.map((d) => `${d.range.start.line}:${d.code} ${d.message}`),
    hints: hints.map((h) => `${h.position.line}:${h.position.character} ${hintText(h)}`),
  };
}

test('a server with no file open warms up; its answers are those of a server that did not', async () => {
  const idle = await LspClient.start({ rootDir: path.dirname(FILE) });
  const busy = await LspClient.start({ rootDir: path.dirname(FILE) });
  try {
    // the open follows `initialized` at once: the server has a document before it is ready to warm up
    busy.open(uri, text);
    await idle.waitFor(() => idle.logs.some((l) => WARMED.test(l)), 60_000, 'the warm-up');
    idle.open(uri, text);
    const [warm, cold] = await Promise.all([whatItSays(idle), whatItSays(busy)]);
    assert.ok(warm.hints.length > 0 && warm.diagnostics.length > 0, 'the example has hints and problems');
    assert.deepEqual(warm, cold);
    assert.ok(!busy.logs.some((l) => WARMED.test(l)), 'the server with a document did not warm up');
  } finally {
    await Promise.all([idle.stop(), busy.stop()]);
  }
});
