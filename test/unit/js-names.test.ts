/**
 * C names that are also JavaScript names. Every member of Object.prototype (`constructor`,
 * `toString`, `__proto__`, `hasOwnProperty`, `valueOf`...) is used as a function, a parameter,
 * a local, a struct tag, a field, a macro, a label, a model row, a counter and a kind, and
 * goes through the real CLI (analyze and trace) and the real language server. A table keyed
 * by a C name that is a plain object would find the inherited member instead of nothing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ended, runCli } from '../helpers/cli';
import { LspClient, fileUri, hintText } from '../helpers/lsp-client';
import type { AnalysisOutput, FileResult } from '../../src/analysis/result';

const JS_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

/** A model row, a parameter, a local, a label, a struct tag and field, all named `n`. */
function modelRowFile(n: string): string {
  return `#include <sys/param.h>
struct ${n} { int ${n}; struct ${n} *next; };
static int ${n}_count;

int
leaky_${n}(struct ${n} *p, int ${n})
{
	${n}(p);
	if (${n})
		goto ${n};
	put_${n}(p);
	return (0);
${n}:
	return (EINVAL);
}
`;
}

/** A function of the file named `n`, called by another: its summary is applied. */
function calleeFile(n: string): string {
  return `#include <sys/param.h>
#include <sys/conf.h>
static void
${n}(struct cdev *${n})
{
	dev_ref(${n});
}

int
use_${n}(struct cdev *d)
{
	${n}(d);
	return (0);
}
`;
}

/** A macro named `n` that wraps a counted call, tested with #ifdef; a registered dev_clone handler named `n`. */
function macroFile(n: string): string {
  return `#include <sys/param.h>
#include <sys/conf.h>
#define ${n}(x) dev_ref(x)
#ifdef ${n}
int
macro_${n}(struct cdev *d)
{
	${n}(d);
	return (0);
}
#endif

static void
clone_${n}(void *arg, struct ucred *cred, char *name, int namelen, struct cdev **dev)
{
	if (*dev != NULL)
		return;
	*dev = NULL;
}
static void
init_${n}(void)
{
	EVENTHANDLER_REGISTER(dev_clone, clone_${n}, 0, 1000);
}
`;
}

function modelRows(): string {
  const functions: Record<string, unknown> = {};
  for (const n of JS_NAMES) {
    Object.defineProperty(functions, n, { value: { acquire: 'arg0', kind: n }, enumerable: true });
    Object.defineProperty(functions, `put_${n}`, { value: { release: 'arg0' }, enumerable: true });
  }
  return JSON.stringify({ extends: ['freebsd'], functions }, null, 1);
}

function makeTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-jsnames-'));
  fs.writeFileSync(path.join(dir, '.refcount-lens.json'), modelRows());
  JS_NAMES.forEach((n, i) => {
    fs.writeFileSync(path.join(dir, `model_${i}.c`), modelRowFile(n));
    fs.writeFileSync(path.join(dir, `callee_${i}.c`), calleeFile(n));
    fs.writeFileSync(path.join(dir, `macro_${i}.c`), macroFile(n));
  });
  return dir;
}

const deltasOf = (r: FileResult, fn: string, object: string): number[] =>
  [
    ...new Set(
      r.functions.find((f) => f.name === fn)?.paths.map((p) => p.deltas.find((d) => d.object === object)?.delta ?? 0) ??
        [],
    ),
  ].sort();

test('every Object.prototype member, in every role, analyses like any other name (CLI)', () => {
  const dir = makeTree();
  try {
    const r = runCli(['analyze', dir, '--format', 'json', '--no-cache', '--jobs', '1', '--no-summary']);
    assert.equal(r.status, 1, ended(r));
    assert.doesNotMatch(r.stderr, /internal error|is not|TypeError/, r.stderr);
    const out = JSON.parse(r.stdout) as AnalysisOutput;
    const byName = new Map(out.files.map((f) => [path.basename(f.path), f]));
    JS_NAMES.forEach((n, i) => {
      const model = byName.get(`model_${i}.c`)!;
      assert.equal(model.error, undefined, `${n}: ${model.error}`);
      assert.deepEqual(
        deltasOf(model, `leaky_${n}`, 'p'),
        [0, 1],
        `${n}: the model row ${n} acquires, put_${n} releases`,
      );
      assert.ok(
        model.diagnostics.some((d) => d.function === `leaky_${n}` && d.object === 'p'),
        `${n}: the error path keeps p's reference`,
      );
      assert.equal(
        model.functions.find((f) => f.name === `leaky_${n}`)?.paths[0].deltas[0].kind,
        n,
        `${n}: the row's kind`,
      );
      const callee = byName.get(`callee_${i}.c`)!;
      assert.deepEqual(deltasOf(callee, `use_${n}`, 'd'), [1], `${n}: the summary of ${n}() is applied`);
      const macro = byName.get(`macro_${i}.c`)!;
      assert.deepEqual(deltasOf(macro, `macro_${n}`, 'd'), [1], `${n}: the macro ${n}() wraps dev_ref`);
      assert.ok(
        macro.facts.registrations.some((g) => g.callback === `clone_${n}`),
        `${n}: the registration`,
      );
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the lifecycle trace takes files and scenario facts named like Object.prototype members (CLI)', () => {
  const dir = makeTree();
  try {
    JS_NAMES.forEach((n, i) => {
      const r = runCli(['trace', path.join(dir, `macro_${i}.c`), '--format', 'json']);
      assert.ok(r.status === 0 || r.status === 1, `${n}: ${ended(r)}`);
      assert.doesNotMatch(r.stderr, /internal error|TypeError/, r.stderr);
      const scenario = path.join(dir, `s_${i}.rlscenario`);
      fs.writeFileSync(scenario, `scenario ${n}\nfact ${n}: yes\njail create ${n} vnet\nlookup /dev/${n} in ${n}\n`);
      const s = runCli([
        'trace',
        path.join(dir, `macro_${i}.c`),
        '--scenario',
        scenario,
        '--format',
        'json',
        '--what-if',
        `fact:${n}=yes`,
      ]);
      assert.ok(s.status !== null && s.status <= 2, `${n}: ${ended(s)}`);
      assert.doesNotMatch(s.stderr, /internal error|TypeError|stack/i, s.stderr);
      assert.match(s.stderr + s.stdout, new RegExp(`fact|${n}`), `${n}: the unknown fact is named`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the language server answers for files and model rows named like Object.prototype members', async () => {
  const dir = makeTree();
  const client = await LspClient.start({ rootDir: dir });
  try {
    for (const [i, n] of JS_NAMES.entries()) {
      for (const [file, make] of [
        [`model_${i}.c`, modelRowFile],
        [`callee_${i}.c`, calleeFile],
        [`macro_${i}.c`, macroFile],
      ] as const) {
        const uri = fileUri(path.join(dir, file));
        client.open(uri, make(n));
        const hints = (await client.inlayHints(uri)) ?? [];
        assert.ok(
          hints.some((h) => /^\+1 /.test(hintText(h))),
          `${n} ${file}: a +1 hint (${hints.map(hintText).join(', ')})`,
        );
        const lenses = (await client.codeLenses(uri)) ?? [];
        assert.ok(lenses.length > 0, `${n} ${file}: code lenses`);
        const hover = await client.hover(uri, { line: 5, character: 2 });
        assert.ok(hover === null || typeof hover.contents.value === 'string', `${n} ${file}: hover`);
        await client.request('textDocument/codeAction', {
          textDocument: { uri },
          range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } },
          context: { diagnostics: [] },
        });
        if (file.startsWith('model_')) {
          const diags = await client.waitForDiagnostics(uri, (d) => d.length > 0);
          assert.ok(
            diags.some((d) => /\bp\b/.test(d.message)),
            `${n}: diagnostic on p`,
          );
        }
        client.close(uri);
      }
    }
    assert.ok(client.alive, 'the server is still running');
    assert.doesNotMatch(client.logs.join('\n'), /internal error|TypeError/);
  } finally {
    await client.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
