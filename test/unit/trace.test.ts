/** The lifecycle trace: scenarios, the simulator over real analyses, exports, the CLI. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, analyzeSource as analyzeWithoutCallSites } from '../helpers/analyzer';
import { Analyzer } from '../../src/analysis/analyzer';
import { parserWasm } from '../../src/files/parser-wasm';
import { runTrace } from '../../src/trace/simulator';
import { parseScenario } from '../../src/trace/scenario';
import { SourceText } from '../../src/trace/source';
import { BUILTIN_SCENARIOS } from '../../src/trace/builtin-scenarios';
import { traceToSarif } from '../../src/trace/sarif';
import { traceToHtml } from '../../src/trace/html';
import { traceToText } from '../../src/trace/text';
import { timelineSvg } from '../../src/trace/timeline';
import { countsByStep } from '../../src/trace/json';
import { setLastTrace, lastTrace, traceStepsAt, traceHintParts, traceLens } from '../../src/server/trace-state';
import type { TraceResult } from '../../src/trace/types';
import { LspClient, fileUri } from '../helpers/lsp-client';
import { TraceViewRequest, type TraceViewParams, type TraceViewResult } from '../../src/shared/protocol';

const TRACE_VIEW_REQUEST = TraceViewRequest.type.method;
import { CLI, runCli } from '../helpers/cli';

const FIX = path.join(ROOT, 'test', 'fixtures', 'trace');

// the trace runs on each function's parameters and calls, which the analysis gives on request
let tracing: Promise<Analyzer> | undefined;
async function analyzeSource(text: string, file: string) {
  tracing ??= Analyzer.create({ callSites: true }, parserWasm());
  return (await tracing).analyzeText(file, text);
}

async function trace(file: string, scenario: string, whatIf: string[] = []): Promise<TraceResult> {
  const text = fs.readFileSync(file, 'utf8');
  const result = await analyzeSource(text, file);
  return runTrace({ result, text, scenario, whatIf });
}

const lineOf = (file: string, needle: string, from = 0): number => {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const k = lines.findIndex((l, i) => i >= from && l.includes(needle));
  assert.ok(k >= 0, `no "${needle}" in ${file}`);
  return k + 1;
};

const LEAKY = path.join(FIX, 'vtx_leaky.c');
// the fixed variant is the one the VS Code trace test opens in its workspace
const FIXED = path.join(ROOT, 'test', 'fixtures', 'workspace', 'trace', 'vtx_trace.c');

test('seed scenario on the leaky driver: the jail stays DYING, the cdev leaks with count 3', async () => {
  const t = await trace(LEAKY, 'vnet-jail-devfs-clone');
  assert.equal(t.scenario, 'vnet-jail-devfs-clone');
  assert.equal(t.ok, false);
  const jail = t.verdicts.find((v) => v.subject === 'jail test')!;
  assert.equal(jail.state, 'dying');
  assert.equal(
    jail.reason,
    'jail test stays DYING: prison ← ucred ← cdev vtx0, count 3 (existence, plus the dev_refs in vtx_clone and ' +
      'vtx_clone_create that nothing releases), and no PR_METHOD_REMOVE method destroys it',
  );
  assert.equal(t.summary, jail.reason);
  const cdev = t.final.objects.find((o) => o.id === 'vtx0')!;
  assert.equal(cdev.kind, 'cdev');
  assert.equal(cdev.count, 3);
  assert.equal(cdev.state, 'leaked');
  const devRefClone = lineOf(LEAKY, 'dev_ref(*dev);');
  const devRefCreate = lineOf(LEAKY, 'dev_ref(dev);');
  assert.deepEqual(
    cdev.heldBy.filter((h) => h.startsWith('dev_ref')),
    [`dev_ref at line ${devRefClone} in vtx_clone`, `dev_ref at line ${devRefCreate} in vtx_clone_create`],
  );
  assert.equal(t.final.jails[0].state, 'dying');
  // the step of the example: the dev_clone handler's dev_ref takes the new device from 2 to 3
  const step = t.steps.find((s) => s.function === 'vtx_clone' && s.line === devRefClone)!;
  assert.deepEqual(
    { event: step.event, object: step.object, kind: step.kind, before: step.before, after: step.after },
    { event: 'lookup /dev/vtx in test', object: 'vtx0', kind: 'cdev', before: 2, after: 3 },
  );
  assert.deepEqual(
    t.steps.map((s) => s.seq),
    t.steps.map((_, i) => i + 1),
  );
  // devfs drops one reference after the lookup
  const devRel = t.steps.find((s) => s.kernel && s.call === 'dev_rel' && s.object === 'vtx0')!;
  assert.deepEqual([devRel.before, devRel.after], [4, 3]);
  // every step says where it is in one form; a kernel step's line is a line of this file
  assert.equal(step.where, `vtx_clone() line ${devRefClone}`);
  assert.equal(devRel.where, `devfs, at vtx_clone() line ${devRel.line}`);
  assert.ok(devRel.line > devRefClone && devRel.line <= t.calls.find((c) => c.function === 'vtx_clone')!.exitLine!);
  const crhold = t.steps.find((s) => s.call === 'crhold')!;
  assert.equal(crhold.where, `kernel, at vtx_clone() line ${lineOf(LEAKY, 'vtx_make_device(unit, cred, dev)')}`);
  assert.equal(t.steps[0].where, 'jail (kernel)');
  // the chosen paths say why
  const handler = t.calls.find((c) => c.function === 'vtx_clone')!;
  assert.match(handler.reason, /returns a device/);
  assert.match(handler.reason, /clone_create\(\) finds no device/);
  assert.equal(t.calls.find((c) => c.function === 'vtx_clone_create')!.counts.vtx0.join(), '3,4');
});

test('seed scenario on the fixed driver: the jail is removed and every object freed', async () => {
  const t = await trace(FIXED, 'vnet-jail-devfs-clone');
  assert.equal(t.ok, true, t.summary);
  assert.equal(t.summary, 'jail test removed; all objects freed');
  assert.equal(t.verdicts.find((v) => v.subject === 'jail test')!.state, 'removed');
  for (const o of t.final.objects) assert.equal(o.state, 'freed', `${o.id} is ${o.state}`);
  // the PR_METHOD_REMOVE method ran and detached the jail's cloner: destroy_dev freed vtx0
  const destroy = t.steps.find((s) => s.call === 'destroy_dev' && s.object === 'vtx0')!;
  assert.ok(destroy.via.includes('vtx_prison_remove'));
  assert.equal(destroy.after, 0);
  assert.ok(
    t.calls.some((c) => c.function === 'vnet_vtx_uninit'),
    'the VNET teardown runs the VNET_SYSUNINIT',
  );
});

test('what-if: the leaky driver with only a remove method added still leaves the jail DYING', async () => {
  const t = await trace(LEAKY, 'vnet-jail-devfs-clone', ['add-remove-method']);
  assert.deepEqual(t.whatIf, ['add-remove-method']);
  const jail = t.verdicts.find((v) => v.subject === 'jail test')!;
  assert.equal(jail.state, 'dying');
  assert.match(jail.reason, /count 2 \(the dev_refs in vtx_clone and vtx_clone_create that nothing releases\)/);
  assert.match(jail.reason, /leaked references outlive it/);
  const cdev = t.final.objects.find((o) => o.id === 'vtx0')!;
  assert.equal(cdev.destroyed, true);
  assert.equal(cdev.count, 2);
  // and with both stray dev_refs left out too, it is fixed
  const drop = [`drop-line:${lineOf(LEAKY, 'dev_ref(*dev);')}`, `drop-line:${lineOf(LEAKY, 'dev_ref(dev);')}`];
  const fixed = await trace(LEAKY, 'vnet-jail-devfs-clone', ['add-remove-method', ...drop]);
  assert.equal(fixed.ok, true, fixed.summary);
  assert.equal(fixed.verdicts.find((v) => v.subject === 'jail test')!.state, 'removed');
});

test('the other built-in scenarios: leaked vs freed', async () => {
  const leaky = await trace(LEAKY, 'ifconfig-create-destroy');
  const o = leaky.final.objects.find((x) => x.id === 'vtx0')!;
  assert.equal(o.state, 'leaked');
  assert.equal(o.count, 1);
  assert.match(leaky.summary, /cdev vtx0 is never freed: count 1 after destroy_dev\(\) in vtx_clone_destroy/);
  assert.equal((await trace(FIXED, 'ifconfig-create-destroy')).summary, 'all objects freed');

  const unload = await trace(LEAKY, 'module-unload');
  assert.equal(unload.ok, false);
  assert.ok(unload.steps.some((s) => s.call === 'destroy_dev' && s.via.includes('vnet_vtx_uninit')));
  assert.equal((await trace(FIXED, 'module-unload')).ok, true);

  const oc = await trace(LEAKY, 'open-close');
  assert.equal(oc.final.objects.find((x) => x.id === 'vtx0')!.count, 2);
  const ocFixed = await trace(FIXED, 'open-close');
  assert.equal(ocFixed.ok, true, ocFixed.summary);
  assert.ok(ocFixed.steps.some((s) => s.kernel && s.call === 'dev_ref' && /devfs_open/.test(s.note ?? '')));
});

test('runs share what is per text or per process, never a run: a trace is the same whatever ran first', async () => {
  // the implicit kldload event, each event's expansion, the role specs by id and the string
  // constants a condition rule reads (vtxname, for dev_stdclone) are kept between runs
  const text = fs.readFileSync(LEAKY, 'utf8');
  const result = await analyzeSource(text, LEAKY);
  const other = fs.readFileSync(FIXED, 'utf8');
  const otherResult = await analyzeSource(other, FIXED);
  const src = new SourceText(text);
  assert.equal(src.stringConstant('vtxname'), 'vtx');
  assert.equal(src.stringConstant('vtxname'), 'vtx');
  assert.equal(src.stringConstant('no_such_name'), undefined);
  for (const s of BUILTIN_SCENARIOS) {
    const first = JSON.stringify(runTrace({ result, text, scenario: s.name }));
    runTrace({ result: otherResult, text: other, scenario: s.name });
    runTrace({ result, text, scenario: s.name, whatIf: ['add-remove-method'] });
    assert.equal(JSON.stringify(runTrace({ result, text, scenario: s.name })), first, s.name);
  }
  const implicit = (r: typeof result, t: string) => runTrace({ result: r, text: t, scenario: 'open-close' }).events[0];
  assert.equal(implicit(result, text).text, 'kldload if_vtx (implicit: the module is loaded before the scenario)');
  assert.equal(implicit(result, text).scenarioLine, 0);
});

test('facts choose branches: unprivileged lookups create nothing, an existing device the other path', async () => {
  const text = fs.readFileSync(FIXED, 'utf8');
  const result = await analyzeSource(text, FIXED);
  const unpriv = runTrace({ result, text, scenario: 'fact privileged: no\nlookup /dev/vtx\n' });
  assert.equal(unpriv.final.objects.filter((o) => o.kind === 'cdev').length, 0);
  assert.match(unpriv.events[1].notes.join('\n'), /vtx_clone\(\) returned no device/);
  const exists = runTrace({ result, text, scenario: 'fact device exists: yes\nlookup /dev/vtx0\n' });
  const handler = exists.calls.find((c) => c.function === 'vtx_clone')!;
  assert.match(handler.reason, /finds the existing device/);
  const dev = exists.final.objects.find((o) => o.id === 'vtx0')!;
  assert.equal(dev.count, 1, 'the dev_ref for devfs is dropped by devfs: back to the existence reference');
});

test("a built-in's facts changed by a what-if hold for that run alone", async () => {
  const plain = JSON.stringify(await trace(FIXED, 'ifconfig-create-destroy'));
  const unpriv = await trace(FIXED, 'ifconfig-create-destroy', ['fact:privileged=no']);
  assert.notEqual(
    JSON.stringify({ ...unpriv, whatIf: [] }),
    plain,
    'the fact changes the trace (else this proves nothing)',
  );
  assert.equal(
    JSON.stringify(await trace(FIXED, 'ifconfig-create-destroy')),
    plain,
    'the next run has the scenario as written',
  );
});

test('the hand-written scenario file and its JSON form give the same trace', async () => {
  const lines = await trace(LEAKY, fs.readFileSync(path.join(FIX, 'seed.rlscenario'), 'utf8'));
  const json = await trace(LEAKY, fs.readFileSync(path.join(FIX, 'seed.rlscenario.json'), 'utf8'));
  assert.equal(lines.scenario, 'seed-by-hand');
  assert.equal(json.scenario, 'seed-json');
  assert.equal(lines.summary, json.summary);
  assert.deepEqual(
    lines.steps.map((s) => [s.object, s.before, s.after]),
    json.steps.map((s) => [s.object, s.before, s.after]),
  );
  assert.equal(lines.problems.length, 0);
});

test('scenario errors come with line numbers', () => {
  const { errors } = parseScenario(fs.readFileSync(path.join(FIX, 'bad.rlscenario'), 'utf8'));
  const byLine = new Map(errors.map((e) => [e.line, e.message]));
  assert.match(byLine.get(3)!, /unknown event "frobnicate"/);
  assert.match(byLine.get(4)!, /fact "privileged" is yes or no, not "maybe"/);
  assert.match(byLine.get(5)!, /lookup needs a device/);
  assert.match(byLine.get(6)!, /jail remove needs one name/);
  assert.ok(!byLine.has(2) && !byLine.has(7));
  const json = parseScenario('{\n "events": [\n  "jail create t",\n  "jail explode t"\n ]\n}');
  assert.equal(json.errors[0].line, 4);
  assert.match(json.errors[0].message, /unknown jail action "explode"/);
  assert.equal(parseScenario('{ "events": [ }').errors[0].severity, 'error');
  assert.match(parseScenario('# only a comment\n').errors[0].message, /no events/);
  assert.equal(parseScenario('fact weather: sunny\nlookup /dev/x\n').errors[0].severity, 'warning');
  assert.deepEqual(
    parseScenario('jail -c j1 vnet persist\nlookup /dev/a in j1\njls -vd').scenario.events.map((e) => e.do),
    ['jail-create', 'lookup', 'jls'],
  );
});

test('bad input gives a clear message in the trace, never an exception', async () => {
  const text = fs.readFileSync(LEAKY, 'utf8');
  const result = await analyzeSource(text, LEAKY);
  // an unknown event
  const unknown = runTrace({ result, text, scenario: 'jail create test vnet\nteleport /dev/vtx\n' });
  assert.equal(unknown.ok, false);
  assert.ok(unknown.problems.some((p) => p.scenarioLine === 2 && /unknown event "teleport"/.test(p.message)));
  assert.equal(unknown.verdicts[0].state, 'inconclusive');
  // a device the file never creates
  const foo = runTrace({ result, text, scenario: 'lookup /dev/foo\nifconfig bar0 create\n' });
  assert.equal(foo.ok, false);
  assert.ok(
    foo.verdicts.some(
      (v) => v.state === 'inconclusive' && /never creates \/dev\/foo: the devices it declares are vtxN/.test(v.reason),
    ),
  );
  assert.ok(foo.problems.some((p) => /never creates \/dev\/bar0/.test(p.message)));
  assert.equal(foo.steps.length, 0);
  // a file with no registrations
  const plainFile = path.join(FIX, 'no_registrations.c');
  const plain = await trace(plainFile, 'vnet-jail-devfs-clone');
  assert.equal(plain.ok, false);
  assert.match(plain.summary, /registers nothing the kernel calls/);
  // unknown built-in, unknown what-if, a file that failed to analyse, an empty scenario
  assert.match(
    runTrace({ result, text, scenario: 'no-such-scenario' }).summary,
    /no built-in scenario "no-such-scenario"/,
  );
  assert.match(
    runTrace({ result, text, scenario: 'vnet-jail-devfs-clone', whatIf: ['make-it-work'] }).summary,
    /unknown what-if "make-it-work"/,
  );
  assert.match(
    runTrace({ result: { ...result, error: 'binary file' }, text, scenario: 'open-close' }).summary,
    /not analysed: binary file/,
  );
  assert.equal(runTrace({ result, text, scenario: '' }).ok, false);
  // events on things that do not exist
  const odd = runTrace({
    result,
    text,
    scenario: [
      'close /dev/vtx0',
      'ifconfig vtx9 destroy',
      'process exit in nowhere',
      'jail remove nowhere',
      'kldunload if_other',
      'lookup /dev/vtx',
      '',
    ].join('\n'),
  });
  assert.ok(odd.problems.some((p) => /not open/.test(p.message)));
  assert.ok(odd.problems.some((p) => /no interface vtx9/.test(p.message)));
  assert.ok(odd.problems.some((p) => /no jail nowhere/.test(p.message)));
  assert.ok(odd.problems.some((p) => /declares module if_vtx, not if_other/.test(p.message)));
  assert.match(odd.events[odd.events.length - 1].notes.join(' '), /module is unloaded/);
  // $device and $module are the scenario's variables; a name JavaScript objects have is not one
  const js = runTrace({
    result,
    text,
    scenario: 'lookup /dev/$constructor\nkldunload $toString\nlookup /dev/$device\n',
  });
  assert.deepEqual(
    js.events.map((e) => e.text),
    [
      'kldload if_vtx (implicit: the module is loaded before the scenario)',
      'lookup /dev/$constructor',
      'kldunload $toString',
      'lookup /dev/vtx',
    ],
  );
});

test("the analysis gives the trace each function's parameters and calls, as written, only when asked", async () => {
  const text = [
    '#include <sys/conf.h>',
    'static int',
    'f(struct cdev **dev, const char *name __unused, int (*cb)(void *), char buf[], ...)',
    '{',
    '\t/* a comment, (with) commas */',
    '\tg(__DECONST(char *, name), "a, b", /* c, d */ buf[1],',
    '\t    h(1, 2));',
    '#ifdef NOT_DEFINED',
    '\tdev_ref(*dev);',
    '#endif',
    '\tsc->fn(dev);',
    '\treturn (0);',
    '}',
    'static void v(void) { }',
    'static void u(struct ifnet **) { }',
  ].join('\n');
  const r = await analyzeSource(text, 'sites.c');
  const f = r.functions.find((x) => x.name === 'f')!;
  assert.deepEqual(f.params, [
    { name: 'dev', type: 'struct cdev **' },
    { name: 'name', type: 'const char *' },
    { name: 'cb', type: 'int (*)(void *)' },
    { name: 'buf', type: 'char []' },
    { name: '', type: '...' },
  ]);
  // the commas of a nested call, a string and a comment do not cut;
  // inactive lines and calls through fields are not calls
  assert.deepEqual(f.calls, [
    { line: 6, callee: 'g', args: ['__DECONST(char *, name)', '"a, b"', '/* c, d */ buf[1]', 'h(1, 2)'] },
    { line: 6, callee: '__DECONST', args: ['char *', 'name'] },
    { line: 7, callee: 'h', args: ['1', '2'] },
  ]);
  assert.deepEqual(r.functions.find((x) => x.name === 'v')!.params, []);
  assert.deepEqual(r.functions.find((x) => x.name === 'u')!.params, [{ name: '', type: 'struct ifnet **' }]);
  // without the option the result has neither (analyze's JSON stays as it was), and the trace says what is missing
  const plain = await analyzeWithoutCallSites(text, 'sites.c');
  assert.ok(plain.functions.every((x) => !('params' in x) && !('calls' in x)));
  const t = runTrace({ result: plain, text, scenario: 'lookup /dev/x\n' });
  assert.equal(t.ok, false);
  assert.match(t.summary, /does not give the functions' parameters and calls \(the analyzer's callSites option\)/);
});

test('random scenario text never throws', async () => {
  const text = fs.readFileSync(FIXED, 'utf8');
  const result = await analyzeSource(text, FIXED);
  const words = [
    'jail',
    'create',
    'remove',
    'test',
    'vnet',
    'lookup',
    '/dev/vtx',
    '/dev/vtx0',
    'in',
    'process',
    'exit',
    'ifconfig',
    'vtx0',
    'destroy',
    'open',
    'close',
    'kldunload',
    'kldload',
    'if_vtx',
    'jls',
    '-d',
    'fact',
    'privileged:',
    'yes',
    'no',
    '#',
    '{',
    '"',
    'persist',
  ];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let k = 0; k < 150; k++) {
    const lines = Array.from({ length: 1 + rnd(8) }, () =>
      Array.from({ length: 1 + rnd(5) }, () => words[rnd(words.length)]).join(' '),
    );
    const t = runTrace({ result, text, scenario: lines.join('\n') + '\n' });
    assert.ok(Array.isArray(t.steps) && t.verdicts.length > 0, lines.join(' | '));
    for (const s of t.steps) assert.ok(Number.isInteger(s.before) && Number.isInteger(s.after));
  }
});

test('built-in scenarios parse cleanly and every line is known to the grammar and the schema', () => {
  const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, 'syntaxes', 'rlscenario.tmLanguage.json'), 'utf8'));
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'scenario.schema.json'), 'utf8'));
  const known: RegExp[] = [
    grammar.repository.comment,
    ...grammar.repository.header.patterns,
    grammar.repository.fact,
    ...grammar.repository.event.patterns,
  ].map((p: { match: string }) => new RegExp(p.match));
  const invalid = new RegExp(grammar.repository.invalid.match);
  const lineRe = new RegExp(schema.definitions.eventLine.pattern);
  for (const b of BUILTIN_SCENARIOS) {
    const { scenario, errors } = parseScenario(b.text, b.name);
    assert.deepEqual(errors, [], b.name);
    assert.equal(scenario.name, b.name);
    for (const raw of b.text.split('\n')) {
      const line = raw.replace(/#.*$/, '').trim();
      if (!line) continue;
      assert.ok(
        known.some((re) => re.test(line)),
        `grammar does not know "${line}"`,
      );
      if (!/^(scenario|description)\b/.test(line)) assert.ok(lineRe.test(line), `schema eventLine rejects "${line}"`);
    }
  }
  assert.ok(invalid.test('frobnicate the kernel'));
  assert.ok(!known.some((re) => re.test('frobnicate the kernel')));
});

test('SARIF, HTML, text and timeline exports', async () => {
  const t = await trace(LEAKY, 'vnet-jail-devfs-clone');
  const sarif = traceToSarif(t) as {
    version: string;
    runs: {
      results: {
        ruleId: string;
        level: string;
        codeFlows: {
          threadFlows: {
            locations: {
              state: Record<string, { text: string }>;
              executionOrder: number;
              location: { physicalLocation?: { region: { startLine: number } } };
            }[];
          }[];
        }[];
      }[];
    }[];
  };
  assert.equal(sarif.version, '2.1.0');
  const r = sarif.runs[0].results;
  assert.deepEqual(
    r.map((x) => x.ruleId),
    ['lifecycle/jail-dying', 'lifecycle/leak'],
  );
  const locs = r[0].codeFlows[0].threadFlows[0].locations;
  assert.equal(locs.length, t.steps.length);
  const devRef = t.steps.find((s) => s.function === 'vtx_clone' && s.call === 'dev_ref')!;
  assert.equal(locs[devRef.seq - 1].state.vtx0.text, '3');
  assert.equal(locs[devRef.seq - 1].location.physicalLocation!.region.startLine, devRef.line);
  assert.equal(locs[devRef.seq - 1].state['prison test'].text, '2');
  const counts = countsByStep(t);
  assert.equal(counts[t.steps.length].vtx0, 3);

  const html = traceToHtml(t, fs.readFileSync(LEAKY, 'utf8'));
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /stays DYING: prison ← ucred ← cdev vtx0/);
  assert.doesNotMatch(
    html.replace('http://www.w3.org/2000/svg', ''),
    /\b(src|href)\s*=|https?:\/\//,
    'no remote content, no links out',
  );
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /<code>dev_ref\(\*dev\);<\/code>/);

  const svg = timelineSvg(t, { current: devRef.seq });
  assert.match(svg, new RegExp(`data-seq="${devRef.seq}"`));
  assert.match(svg, /rl-current/);
  assert.equal((svg.match(/class="rl-lane /g) ?? []).length, new Set(t.steps.map((s) => s.object)).size);
  // each event with steps has a band as wide as its whole label, and the bands do not overlap
  const bands = [
    ...svg.matchAll(
      new RegExp(
        '<rect class="rl-event-band[^"]*" x="([\\d.]+)" y="[\\d.]+" width="([\\d.]+)"[^>]*/>' +
          '<text class="rl-event-label"[^>]*>([^<]*)</text>',
        'g',
      ),
    ),
  ].map((m) => ({ x: Number(m[1]), w: Number(m[2]), label: m[3] }));
  assert.deepEqual(
    bands.map((b) => b.label),
    t.events.filter((e) => e.firstSeq <= e.lastSeq).map((e) => e.text),
  );
  for (const b of bands) assert.ok(b.w >= b.label.length * 6, `"${b.label}" fits its band`);
  for (let i = 1; i < bands.length; i++)
    assert.ok(bands[i].x >= bands[i - 1].x + bands[i - 1].w, 'bands do not overlap');
  assert.match(traceToText(t), /BAD jail test stays DYING/);
});

test('trace state for hints and lenses', async () => {
  const text = fs.readFileSync(LEAKY, 'utf8');
  const t = await trace(LEAKY, 'vnet-jail-devfs-clone');
  const uri = 'file:///x/vtx_leaky.c';
  setLastTrace(uri, t, text);
  assert.equal(lastTrace(uri), t);
  assert.equal(lastTrace(uri, text + ' '), undefined, 'an edited document no longer matches its trace');
  const line = lineOf(LEAKY, 'dev_ref(*dev);');
  const steps = traceStepsAt(uri, line, text);
  assert.deepEqual(
    steps.map((s) => [s.object, s.before, s.after]),
    [['vtx0', 2, 3]],
  );
  const parts = traceHintParts(uri, line, text);
  assert.equal(parts[0].command!.command, 'refcountLens.trace.revealStep');
  assert.deepEqual(parts[0].command!.arguments, [uri, steps[0].seq]);
  assert.match(parts[0].value, /#\d+ vtx0 2→3/);
  const lens = traceLens(uri, 'vtx_clone', text)!;
  assert.match(lens.title, /^trace vnet-jail-devfs-clone: .*vtx0 0→4/);
  assert.equal(traceLens(uri, 'vtx_open', text), undefined);
});

test('the examples: clonedev_buggy stays DYING, clonedev_fixed is removed', {
  skip: !fs.existsSync(path.join(ROOT, 'examples', 'clonedev', 'clonedev_fixed.c')) && 'no examples',
}, async () => {
  const buggy = await trace(path.join(ROOT, 'examples', 'clonedev', 'clonedev_buggy.c'), 'vnet-jail-devfs-clone');
  assert.match(
    buggy.summary,
    /^jail test stays DYING: prison ← ucred ← cdev \w+0, count 3 \(existence, plus the dev_refs in /,
  );
  const fixed = await trace(path.join(ROOT, 'examples', 'clonedev', 'clonedev_fixed.c'), 'vnet-jail-devfs-clone');
  assert.equal(fixed.summary, 'jail test removed; all objects freed');
});

// ---------------------------------------------------------------- the CLI

const run = (args: string[]) => runCli(args);

test('CLI: trace --format json, exit codes', {
  skip: !fs.existsSync(CLI) && 'build first: node scripts/build.mjs',
}, () => {
  const bad = run(['trace', LEAKY, '--scenario', 'vnet-jail-devfs-clone', '--format', 'json']);
  assert.equal(bad.status, 1, bad.stderr);
  const t = JSON.parse(bad.stdout) as TraceResult;
  assert.equal(t.scenario, 'vnet-jail-devfs-clone');
  const s = t.steps.find((x) => x.function === 'vtx_clone' && x.call === 'dev_ref')!;
  for (const k of ['seq', 'event', 'function', 'line', 'object', 'kind', 'before', 'after'])
    assert.ok(k in s, `step has ${k}`);
  assert.equal(t.final.objects.find((o) => o.id === 'vtx0')!.state, 'leaked');
  assert.equal(t.verdicts[0].subject, 'jail test');
  assert.equal(t.verdicts[0].state, 'dying');

  const good = run(['trace', FIXED, '--scenario', 'vnet-jail-devfs-clone', '--format', 'json']);
  assert.equal(good.status, 0, good.stderr);
  assert.equal(JSON.parse(good.stdout).summary, 'jail test removed; all objects freed');

  const whatIf = run(['trace', LEAKY, '--what-if', 'add-remove-method', '--format', 'json']);
  assert.equal(whatIf.status, 1);
  assert.match(JSON.parse(whatIf.stdout).summary, /outlive/);

  const file = run(['trace', LEAKY, '--scenario', path.join(FIX, 'seed.rlscenario'), '--format', 'json']);
  assert.equal(file.status, 1);
  assert.equal(JSON.parse(file.stdout).scenario, 'seed-by-hand');

  const text = run(['trace', FIXED]);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /ok {2}jail test removed; all objects freed/);

  const sarif = run(['trace', LEAKY, '--format', 'sarif']);
  assert.equal(JSON.parse(sarif.stdout).runs[0].results[0].ruleId, 'lifecycle/jail-dying');
  const html = run(['trace', LEAKY, '--html']);
  assert.match(html.stdout, /<!DOCTYPE html>/);
});

test('CLI: bad input', { skip: !fs.existsSync(CLI) && 'build first: node scripts/build.mjs' }, () => {
  const badScenario = run(['trace', LEAKY, '--scenario', path.join(FIX, 'bad.rlscenario'), '--format', 'json']);
  assert.equal(badScenario.status, 2);
  assert.match(badScenario.stderr, /bad\.rlscenario:3:1: error: unknown event "frobnicate"/);
  const t = JSON.parse(badScenario.stdout) as TraceResult;
  assert.ok(t.problems.some((p) => p.scenarioLine === 3));
  assert.equal(t.verdicts[0].state, 'inconclusive');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-trace-'));
  const foo = path.join(tmp, 'foo.rlscenario');
  fs.writeFileSync(foo, 'lookup /dev/foo\n');
  const never = run(['trace', LEAKY, '--scenario', foo, '--format', 'json']);
  assert.equal(never.status, 1);
  assert.match(JSON.parse(never.stdout).summary, /never creates \/dev\/foo/);

  const plain = run(['trace', path.join(FIX, 'no_registrations.c'), '--format', 'json']);
  assert.equal(plain.status, 1);
  assert.match(JSON.parse(plain.stdout).summary, /registers nothing the kernel calls/);

  assert.equal(run(['trace', path.join(tmp, 'missing.c')]).status, 2);
  assert.equal(run(['trace', LEAKY, '--scenario', 'no-such']).status, 2);
  assert.equal(run(['trace', LEAKY, '--scenario', path.join(tmp, 'missing.rlscenario')]).status, 2);
  assert.equal(run(['trace']).status, 2);
  assert.equal(run(['trace', LEAKY, FIXED]).status, 2);
  assert.equal(run(['trace', LEAKY, '--frobnicate']).status, 2);
  assert.equal(run(['trace', LEAKY, '--what-if', 'nonsense']).status, 2);
  const list = run(['trace', LEAKY, '--list-scenarios']);
  assert.equal(list.status, 0);
  for (const b of BUILTIN_SCENARIOS) assert.match(list.stdout, new RegExp(b.name));
});

// ---------------------------------------------------------------- the server request

const SERVER_TEST =
  'language server: refcountLens/trace runs on the open document and answers bad requests with a message; ' +
  'refcountLens/traceView lists, runs and exports';

test(SERVER_TEST, {
  skip: !fs.existsSync(path.join(ROOT, 'dist', 'server.js')) && 'build first',
}, async () => {
  const client = await LspClient.start({ rootDir: FIX });
  try {
    const uri = fileUri(LEAKY);
    client.open(uri, fs.readFileSync(LEAKY, 'utf8'));
    await client.waitForDiagnostics(uri, (d) => d.length > 0);
    const conn = (client as unknown as { conn: { sendRequest<T>(m: string, p: unknown): Promise<T> } }).conn;
    const t = await conn.sendRequest<TraceResult>('refcountLens/trace', { uri, scenario: 'vnet-jail-devfs-clone' });
    assert.match(t.summary, /^jail test stays DYING: prison ← ucred ← cdev vtx0, count 3/);
    const w = await conn.sendRequest<TraceResult>('refcountLens/trace', {
      uri,
      scenario: fs.readFileSync(path.join(FIX, 'seed.rlscenario'), 'utf8'),
      whatIf: ['add-remove-method'],
    });
    assert.equal(w.scenario, 'seed-by-hand');
    assert.match(w.summary, /outlive/);
    const closed = await conn.sendRequest<TraceResult>('refcountLens/trace', {
      uri: 'file:///nowhere/x.c',
      scenario: 'open-close',
    });
    assert.equal(closed.ok, false);
    assert.match(closed.summary, /no analysis/);
    const bad = await conn.sendRequest<TraceResult>('refcountLens/trace', { uri });
    assert.match(bad.summary, /needs a scenario/);
    const text = await conn.sendRequest<TraceResult>('refcountLens/trace', {
      uri,
      scenario: 'lookup /dev/vtx\nwarp 9\n',
    });
    assert.ok(text.problems.some((p) => p.scenarioLine === 2 && /unknown event "warp"/.test(p.message)));

    // what the VS Code view shows and exports, rendered by the server
    const view = <P extends TraceViewParams>(p: P) => conn.sendRequest<TraceViewResult<P>>(TRACE_VIEW_REQUEST, p);
    const cat = await view({ kind: 'catalogue' });
    assert.deepEqual(
      cat.scenarios.map((x) => x.name),
      BUILTIN_SCENARIOS.map((x) => x.name),
    );
    assert.deepEqual(
      cat.whatIfs.map((x) => [x.id, x.label]),
      [['add-remove-method', 'What if it had a remove method?']],
    );
    const run = await view({ kind: 'run', uri, scenario: 'vnet-jail-devfs-clone' });
    // all of the trace comes over, as refcountLens/trace gives it
    const full = run.trace as TraceResult;
    assert.deepEqual(full, t);
    assert.deepEqual(run.whatIfLabels, []);
    const labelled = await view({
      kind: 'run',
      uri,
      scenario: 'vnet-jail-devfs-clone',
      whatIf: ['add-remove-method', 'drop-line:7', 'fact:privileged=no'],
    });
    assert.deepEqual(labelled.whatIfLabels, [
      'a PR_METHOD_REMOVE method added',
      'line 7 left out',
      'fact privileged: no',
    ]);
    assert.equal(run.svg, timelineSvg(full));
    const sarif = await view({ kind: 'export', uri, format: 'sarif', trace: run.trace, toolVersion: '9.9' });
    assert.equal(sarif.text, JSON.stringify(traceToSarif(full, '9.9'), null, 1) + '\n');
    const html = await view({ kind: 'export', uri, format: 'html', trace: run.trace, toolVersion: '9.9' });
    assert.equal(html.text, traceToHtml(full, fs.readFileSync(LEAKY, 'utf8')));
    await assert.rejects(
      conn.sendRequest(TRACE_VIEW_REQUEST, { kind: 'export', uri, format: 'pdf', trace: run.trace }),
      /sarif or html, not "pdf"/,
    );
    await assert.rejects(
      conn.sendRequest(TRACE_VIEW_REQUEST, { kind: 'export', uri, format: 'sarif' }),
      /needs the trace/,
    );
    await assert.rejects(conn.sendRequest(TRACE_VIEW_REQUEST, { kind: 'dance' }), /"kind" is catalogue, run or export/);
    await assert.rejects(conn.sendRequest(TRACE_VIEW_REQUEST, null), /"kind" is catalogue, run or export/);
  } finally {
    await client.stop();
  }
});
