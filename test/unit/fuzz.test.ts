/**
 * Fuzzing the real CLI bundle with damaged fixtures and examples (test/helpers/fuzz.ts):
 * truncation, deleted braces and parentheses, random bytes, repeated blocks, deep
 * nesting, goto cycles, 40-if functions, empty files, BOM and CRLF, binary, unterminated
 * comments and strings, very long lines, broken preprocessor lines.
 *
 * Every input must get an answer from the analysis itself, within its work budgets: a
 * result, or exit 2 with a one-line message; never a crash, a stack trace, a hang or the
 * wall-clock watchdog (--timeout). No test here asserts a time. The seed is printed;
 * FUZZ_SEED=N reproduces a run, and the damaged files of a failing run are kept.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/analyzer';
import { fuzzCases, fuzzSeed, KINDS } from '../helpers/fuzz';
import { ended, runCli } from '../helpers/cli';

const SEED = fuzzSeed();
const PER_KIND = Number(process.env.FUZZ_PER_KIND ?? 6);
/** The watchdog's message: an answer from it means a budget failed to bound the work. */
const WATCHDOG = /took longer than/;
const STACK = /\n\s+at .*(\(.*:\d+:\d+\)|:\d+:\d+)|\b(TypeError|RangeError|ReferenceError|SyntaxError): /;

console.log(
  `# fuzz seed ${SEED} (reproduce with FUZZ_SEED=${SEED}); ${PER_KIND} cases per kind, ${KINDS.length} kinds`,
);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-fuzz-'));
const cases = fuzzCases(SEED, PER_KIND);
for (const c of cases) fs.writeFileSync(path.join(dir, c.name), c.data);
let failed = false;
const keep = () => {
  failed = true;
};
process.on('exit', () => {
  if (failed) console.log(`# fuzz: the damaged inputs are kept in ${dir} (seed ${SEED})`);
  else fs.rmSync(dir, { recursive: true, force: true });
});

test(`all damaged inputs through one CLI run on two workers (seed ${SEED})`, (t) => {
  t.diagnostic(`seed ${SEED}, ${cases.length} inputs in ${dir}`);
  const started = Date.now();
  const r = runCli(['analyze', dir, '--format', 'json', '--jobs', '2', '--no-cache', '--timeout', '20'], {
    timeoutMs: 120000,
  });
  try {
    assert.equal(r.signal, null, `the CLI was killed (${r.signal}) after ${Date.now() - started} ms: a hang`);
    assert.ok(r.status === 0 || r.status === 1 || r.status === 2, ended(r));
    assert.doesNotMatch(r.stderr, STACK, 'a stack trace on stderr');
    for (const line of r.stderr.split('\n').filter(Boolean))
      assert.match(line, /^refcount-lens: /, `stray stderr: ${line}`);
    const out = JSON.parse(r.stdout);
    assert.equal(out.files.length, cases.length, 'every input is answered');
    let errors = 0;
    let slowest = { ms: 0, name: '' };
    for (const [i, f] of out.files.entries()) {
      assert.equal(path.basename(f.path), cases[i].name, 'in input order');
      const where = `${cases[i].name} (seed ${SEED})`;
      if (f.error) {
        errors++;
        assert.doesNotMatch(f.error, /\n/, `${where}: a one-line message`);
        assert.doesNotMatch(
          f.error,
          /crashed|took longer|out of memory|exited unexpectedly|internal error/,
          `${where}: ${f.error}`,
        );
        assert.ok(r.stderr.includes(`${f.path}: ${f.error}`), `${where}: the error is on stderr`);
      } else {
        assert.ok(Array.isArray(f.functions) && Array.isArray(f.diagnostics), where);
        const ms = f.timing.parseMs + f.timing.analyzeMs;
        if (ms > slowest.ms) slowest = { ms, name: cases[i].name };
        for (const fn of f.functions)
          if (fn.truncated) assert.ok(fn.truncatedReason, `${where}: ${fn.name} is cut without a reason`);
      }
    }
    assert.equal(r.status, errors ? 2 : r.status, 'exit 2 when an input is refused');
    t.diagnostic(
      `${cases.length} inputs, ${errors} refused with a message, ${Date.now() - started} ms;` +
        ` slowest ${slowest.name} ${Math.round(slowest.ms)} ms`,
    );
  } catch (e) {
    keep();
    throw e;
  }
});

test(`one input at a time: exit 0, 1 or 2 without the watchdog, a one-line reason for 2 (seed ${SEED})`, () => {
  // the first case of each kind, each in its own process as a user runs it
  const firsts = KINDS.map((k) => cases.find((c) => c.kind === k)!);
  try {
    for (const c of firsts) {
      const file = path.join(dir, c.name);
      const started = Date.now();
      const r = runCli(['analyze', file, '--no-cache', '--timeout', '20'], { timeoutMs: 60000 });
      const where = `${c.name} (seed ${SEED})`;
      assert.equal(r.signal, null, `${where}: killed after ${Date.now() - started} ms`);
      assert.ok([0, 1, 2].includes(r.status!), `${where}: ${ended(r)}`);
      assert.doesNotMatch(r.stderr, WATCHDOG, where);
      assert.doesNotMatch(r.stderr + r.stdout, STACK, `${where}: a stack trace`);
      if (r.status === 2) {
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `${where}: ${r.stderr}`);
        assert.match(lines[0], new RegExp(`^refcount-lens: .*${c.name.replace(/[.]/g, '\\.')}: \\S`), where);
      } else assert.match(r.stdout, /^== /, where);
    }
  } catch (e) {
    keep();
    throw e;
  }
});

test('the fixed hard cases: binary is refused, empty and BOM/CRLF are read', () => {
  const bin = fuzzCases(SEED, 1).find((c) => c.kind === 'binary')!;
  const f = path.join(dir, 'hard-' + bin.name);
  fs.writeFileSync(f, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]), bin.data]));
  const r = runCli(['analyze', f, '--no-cache'], { timeoutMs: 30000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a C source file/);
  const crlf = path.join(dir, 'hard-crlf.c');
  fs.writeFileSync(crlf, '\ufeffint\r\nf(struct cdev *d)\r\n{\r\n\tdev_ref(d);\r\n\treturn (0);\r\n}\r\n');
  const c = runCli(['analyze', crlf, '--no-cache', '--format', 'json'], { timeoutMs: 30000 });
  assert.ok(c.status === 0 || c.status === 1, c.stderr);
  const fn = JSON.parse(c.stdout).files[0].functions[0];
  assert.equal(fn.name, 'f');
  assert.equal(fn.line, 2, 'lines count CRLF as one break');
});

test('damaged syntax that makes tree-sitter recover slowly is answered by the analysis, not the CLI watchdog', () => {
  // one unclosed parenthesis before 10,000 statements of one function: tree-sitter's error
  // recovery is quadratic here (2,000: 0.3 s; 8,000: 1.7 s; 16,000: 11 s, unloaded). The
  // parser's own watchdog may give up on it (an error result that says so) or not,
  // depending on the machine's load; either way the file is answered
  const f = path.join(dir, 'slow-recovery.c');
  fs.writeFileSync(f, 'void\nf(void)\n{\n\tg(0, 1\n' + '\tx = x + 1;\n'.repeat(10000) + '}\n');
  const r = runCli(['analyze', f, '--no-cache', '--timeout', '30'], { timeoutMs: 60000 });
  assert.ok([0, 1, 2].includes(r.status!), ended(r));
  assert.doesNotMatch(r.stderr, WATCHDOG);
  if (r.status === 2)
    assert.match(r.stderr, /the parser gave up after \d+ ms \(a last-resort guard against badly damaged syntax\)/);
});

test('inputs that fuzzing found slow once are answered within their budgets (test/fixtures/fuzz-regressions)', () => {
  const regDir = path.join(ROOT, 'test', 'fixtures', 'fuzz-regressions');
  const files = fs.existsSync(regDir)
    ? fs
        .readdirSync(regDir)
        .filter((f) => f.endsWith('.c'))
        .map((f) => path.join(regDir, f))
    : [];
  if (!files.length) return;
  const r = runCli(['analyze', ...files, '--no-cache', '--format', 'json', '--timeout', '30'], { timeoutMs: 90000 });
  assert.ok([0, 1, 2].includes(r.status!), ended(r));
  assert.doesNotMatch(r.stderr, STACK);
  for (const f of JSON.parse(r.stdout).files) {
    assert.equal(f.error, undefined, `${f.path}: ${f.error}`);
    if (f.truncated) assert.ok(f.truncatedReason, `${f.path}: cut without a reason`);
    for (const fn of f.functions)
      if (fn.truncated)
        assert.match(fn.truncatedReason, /path states|outcomes/, `${f.path}: ${fn.name} is cut by a work budget`);
  }
});
