/** The real CLI bundle, run as a user runs it. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli as run } from '../helpers/cli';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rl-cli-'));

const LEAKY = `#include <sys/conf.h>
static int
get_unit(struct clonedevs **clones, struct cdevsw *sw, int unit)
{
	struct cdev *dev;
	int error;

	dev = NULL;
	error = clone_create(clones, sw, &unit, &dev, 0);
	if (error == 0)
		dev_ref(dev);
	return (error);
}
`;

test('exit 1 with a leak, the JSON contract and the SARIF code flow', () => {
  const dir = tmp();
  const f = path.join(dir, 'leaky.c');
  fs.writeFileSync(f, LEAKY);
  const text = run(['analyze', f]);
  assert.equal(text.status, 1, text.stderr);
  assert.match(text.stdout, /get_unit\(\)/);
  assert.match(text.stdout, /warning \[leak\] get_unit\(\): dev \(cdev\) keeps \+1 reference taken at line 11/);

  const json = run(['analyze', f, '--format', 'json']);
  assert.equal(json.status, 1);
  const out = JSON.parse(json.stdout);
  assert.equal(out.version, 1);
  const fn = out.files[0].functions.find((x: { name: string }) => x.name === 'get_unit');
  assert.equal(fn.line, 3);
  assert.equal(fn.truncated, false);
  const leakPath = fn.paths.find((p: { deltas: { delta: number }[] }) => p.deltas[0].delta === 1);
  assert.deepEqual(leakPath.exit, { line: 12, returns: 'error', returnClass: '0' });
  assert.deepEqual(
    leakPath.steps.map((s: { line: number; call: string; object: string; delta: number }) => [
      s.line,
      s.call,
      s.object,
      s.delta,
    ]),
    [[11, 'dev_ref', 'dev', 1]],
  );
  // a tested call result reads as the call, in the model's words for clone_create; the C stays beside it
  assert.deepEqual(leakPath.conditions, ['clone_create() found an existing device']);
  assert.deepEqual(leakPath.sourceConditions, ['error == 0']);
  const d = out.files[0].diagnostics.find((x: { rule: string }) => x.rule === 'leak');
  assert.equal(d.line, 11);
  assert.equal(d.function, 'get_unit');
  assert.ok(d.related.length >= 1);
  assert.ok(typeof out.files[0].timing.parseMs === 'number');

  const sarif = JSON.parse(run(['analyze', f, '--format', 'sarif']).stdout);
  assert.equal(sarif.version, '2.1.0');
  const result = sarif.runs[0].results[0];
  assert.equal(result.ruleId, 'leak');
  const locs = result.codeFlows[0].threadFlows[0].locations;
  assert.equal(locs[0].location.physicalLocation.region.startLine, 11);
  assert.deepEqual(locs[0].state, { dev: { text: '1' } });
  // every rule of the registry is described, with its default level
  const rules = sarif.runs[0].tool.driver.rules as {
    id: string;
    shortDescription: { text: string };
    fullDescription: { text: string };
    help: { text: string };
    defaultConfiguration: { level: string };
  }[];
  assert.deepEqual(
    rules.map((r) => r.id),
    ['contract', 'leak', 'over-release', 'inconsistent', 'budget', 'parse', 'model'],
  );
  for (const r of rules)
    assert.ok(
      r.shortDescription.text && r.fullDescription.text.length > r.shortDescription.text.length && r.help.text,
      r.id,
    );
  assert.equal(rules.find((r) => r.id === 'leak')!.defaultConfiguration.level, 'warning');
  assert.equal(rules.find((r) => r.id === 'budget')!.defaultConfiguration.level, 'note');
});

test('exit 0 on clean code, 2 on bad usage and unreadable input', () => {
  const dir = tmp();
  const clean = path.join(dir, 'clean.c');
  fs.writeFileSync(
    clean,
    LEAKY.replace('\t\tdev_ref(dev);\n', '\t\tdev_ref(dev);\n\tif (error == 0)\n\t\tdev_rel(dev);\n'),
  );
  assert.equal(run(['analyze', clean]).status, 0);
  const usage = run(['analyze']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^refcount-lens: analyze needs at least one FILE or DIR/);
  assert.equal(run(['analyze', clean, '--format', 'xml']).status, 2);
  assert.equal(run(['frobnicate']).status, 2);
  const missing = run(['analyze', path.join(dir, 'nope.c'), clean]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.c: no such file or directory/);
  assert.match(missing.stdout, /clean\.c/, 'the other file is still analysed');
});

test('bad input gets a clear message, never a stack trace', () => {
  const dir = tmp();
  const bin = path.join(dir, 'binary.c');
  fs.writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0, 0xff, 0xfe]));
  const empty = path.join(dir, 'empty.c');
  fs.writeFileSync(empty, '');
  const prose = path.join(dir, 'prose.c');
  fs.writeFileSync(prose, 'This is not C at all. { ( [ \n'.repeat(200));
  const deep = path.join(dir, 'deep.c');
  fs.writeFileSync(deep, `void f(void) {\n${'{'.repeat(5000)}dev_ref(d);${'}'.repeat(5000)}\n}\n`);
  for (const [f, code] of [
    [bin, 2],
    [empty, 0],
    [prose, 0],
    [deep, 0],
  ] as const) {
    const r = run(['analyze', f]);
    assert.equal(r.status, code, `${path.basename(f)}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .*\(.*:\d+:\d+\)/, `${path.basename(f)} printed a stack trace`);
  }
  assert.match(run(['analyze', bin]).stderr, /binary\.c: not a C source file: it looks binary/);
});

test('a broken model file is reported with its line; analysis goes on', () => {
  const dir = tmp();
  fs.writeFileSync(
    path.join(dir, '.refcount-lens.json'),
    '{\n  "functions": {\n    "foo_hold": { "acquire": "arg9x" }\n  }\n}\n',
  );
  const f = path.join(dir, 'x.c');
  fs.writeFileSync(f, LEAKY);
  const r = run(['analyze', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\.refcount-lens\.json:3:\d+: foo_hold: "arg9x" is not a target/);
  assert.match(r.stdout, /\[leak\]/);
});

test('the summary counts the cut functions and the path states spent in them, the same on every run', () => {
  const dir = tmp();
  const heavy = (k: number) => {
    const body = Array.from({ length: 9 }, (_, i) => `\tif (f${i}) dev_ref(d);\n`).join('');
    const params = Array.from({ length: 9 }, (_, i) => `int f${i}`).join(', ');
    return `static void\nheavy${k}(struct cdev *d, ${params})\n{\n${body}\tif (d) dev_rel(d);\n}\n`;
  };
  fs.writeFileSync(path.join(dir, 'a.c'), `#include <sys/conf.h>\n${heavy(0)}\n${heavy(1)}\n${heavy(2)}`);
  fs.writeFileSync(path.join(dir, 'b.c'), LEAKY);
  const args = [
    'analyze',
    dir,
    '--format',
    'json',
    '--no-cache',
    '--max-states',
    '300',
    '--max-states-per-file',
    '600',
  ];
  const runs = [run(args), run(args)].map((r) => JSON.parse(r.stdout));
  for (const out of runs) {
    const a = out.files.find((f: { path: string }) => f.path.endsWith('a.c'));
    const cut = a.timing.cuts.filter((c: { fileBudget?: true }) => !c.fileBudget);
    const left = a.timing.cuts.filter((c: { fileBudget?: true }) => c.fileBudget);
    assert.equal(cut.length, 2, JSON.stringify(a.timing.cuts));
    assert.equal(left.length, 1, 'the third function finds the file budget spent');
    assert.ok(cut.every((c: { states: number }) => c.states > 300));
    assert.equal(a.timing.states, cut[0].states + cut[1].states);
    const b = out.files.find((f: { path: string }) => f.path.endsWith('b.c'));
    assert.equal(b.timing.cuts, undefined);
    assert.ok(b.timing.states > 0);
    assert.deepEqual(out.summary.cuts, {
      functions: 2,
      states: a.timing.states,
      ms: out.summary.cuts.ms,
      fileBudget: 1,
    });
    assert.equal(out.summary.states, a.timing.states + b.timing.states);
  }
  // work is counted, never timed: the counts agree on both runs
  const work = (o: { summary: { states: number; cuts: { functions: number; states: number } } }) => [
    o.summary.states,
    o.summary.cuts.functions,
    o.summary.cuts.states,
  ];
  assert.deepEqual(work(runs[0]), work(runs[1]));
  const text = run([...args.filter((x) => x !== '--format' && x !== 'json'), '--summary']);
  assert.match(
    text.stderr + text.stdout,
    new RegExp(
      'budget: 2 functions cut, [\\d,]+ of [\\d,]+ path states and [\\d.]+ s spent in them; ' +
        '1 function not analysed \\(file budget spent\\)',
    ),
  );
});
