import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { prepass } from '../../src/analysis/parse/prepass';
import { evalIfExpression, MacroTable } from '../../src/analysis/parse/conditional';
import { buildModel } from '../../src/analysis/model/load';

const defines = new Map([
  ['INET', ''],
  ['VIMAGE', ''],
  ['_KERNEL', ''],
]);

/** The pre-pass's promise: every offset and every line break where the source has it. */
function assertSameLines(text: string, src: string): void {
  assert.equal(text.length, src.length);
  assert.deepEqual(
    text.split('\n').map((l) => l.length),
    src.split('\n').map((l) => l.length),
  );
}

test('the pre-pass keeps every offset and line', () => {
  const src =
    'static int\n' +
    'f(int x __unused)\n' +
    '{\n' +
    '#ifdef INET\n' +
    '\tfoo();\n' +
    '#else\n' +
    '\tbar();\n' +
    '#endif\n' +
    '\tTAILQ_FOREACH(p, &head, link) {\n' +
    '\t\tg(p);\n' +
    '\t}\n' +
    '\tm = mtod(m0, struct ip *);\n' +
    '}\n';
  const r = prepass(src, { defines });
  assertSameLines(r.text, src);
  assert.match(r.text, /\tfoo\(\);/);
  assert.doesNotMatch(r.text, /bar\(\)/);
  assert.doesNotMatch(r.text, /#|__unused|struct ip/);
  assert.match(r.text, /\twhile {8}\(p, &head, link\) \{/);
  const macro = [...r.statementMacros.values()][0];
  assert.deepEqual({ name: macro.name, kind: macro.kind }, { name: 'TAILQ_FOREACH', kind: 'loop' });
});

test('#if expressions follow the defined macros, one branch kept', () => {
  assert.equal(evalIfExpression('defined(INET) || defined(INET6)', defines), 1);
  assert.equal(evalIfExpression('defined(INET6) && defined(INET)', defines), 0);
  assert.equal(evalIfExpression('!defined(VIMAGE)', defines), 0);
  assert.equal(evalIfExpression('__FreeBSD_version >= 1400000', defines), 0);
  const r = prepass('#if defined(INET6)\na();\n#elif defined(INET)\nb();\n#else\nc();\n#endif\n', { defines });
  assert.deepEqual(
    r.text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
    ['b();'],
  );
});

test('a call followed by a semicolon is not taken for a statement macro', () => {
  const r = prepass('void f(void) {\n\tLIST_FOREACH_SAFE_CALL(x);\n\tSLIST_INIT(&h);\n}\n', { defines });
  assert.equal(r.statementMacros.size, 0);
});

test('#define bodies are collected and blanked, #undef removes', () => {
  const r = prepass(
    '#define TUN_LOCK(tp) mtx_lock(&(tp)->tun_mtx)\n#define FOO 1\n#undef FOO\n#ifdef FOO\nx();\n#endif\n',
    { defines },
  );
  assert.equal(r.defines[0].name, 'TUN_LOCK');
  assert.deepEqual(r.defines[0].params, ['tp']);
  assert.equal(r.text.trim(), '');
});

test('the Linux preset reads every CONFIG_* option as set, unless a file or --undef removes it', () => {
  const src =
    '#ifdef CONFIG_ACPI\n' +
    'acpi();\n' +
    '#else\n' +
    'stub();\n' +
    '#endif\n' +
    '#if IS_BUILTIN_X || defined(CONFIG_PM)\n' +
    'pm();\n' +
    '#endif\n' +
    '#undef CONFIG_PM\n' +
    '#ifdef CONFIG_PM\n' +
    'late();\n' +
    '#endif\n' +
    '#ifndef CONFIG_FOO\n' +
    'nofoo();\n' +
    '#endif\n';
  const on = prepass(src, { defines: buildModel({ presets: ['linux'] }).model.defines }).text;
  assert.match(on, /acpi\(\)/);
  assert.doesNotMatch(on, /stub\(\)|late\(\)|nofoo\(\)/);
  assert.match(on, /pm\(\)/);
  const off = prepass(src, {
    defines: buildModel({ presets: ['linux'], undefines: ['CONFIG_ACPI'] }).model.defines,
  }).text;
  assert.match(off, /stub\(\)/);
  assert.doesNotMatch(off, /acpi\(\)/);
  const bsd = prepass(src, { defines: buildModel({ presets: ['freebsd'] }).model.defines }).text;
  assert.match(bsd, /stub\(\)/);
});

test('a #define continues through the lines of a block comment in its body', () => {
  const src = [
    '#define M(x) \\',
    '\tdo { \\',
    '\t/* one \\',
    '\t * two (and three) \\',
    '\t */ \\',
    '\tg(x); } while (0)',
    'int f(void) { return 0; }',
    '',
  ].join('\n');
  const r = prepass(src, { defines });
  assert.deepEqual(
    r.text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
    ['int f(void) { return 0; }'],
  );
  assert.deepEqual(
    r.defines.map((d) => d.name),
    ['M'],
  );
});

test('#if calls function-like macros: from the file or the model; an unknown one is 0', () => {
  const table = new MacroTable([
    ['MODULE_*', '1'],
    ['IS_USED(module)', 'module'],
  ]);
  table.delete('MODULE_OFF');
  assert.equal(evalIfExpression('IS_USED(MODULE_PKTQ) && IS_USED(MODULE_NETSTATS)', table), 1);
  assert.equal(evalIfExpression('IS_USED(MODULE_OFF)', table), 0);
  assert.equal(evalIfExpression('UNKNOWN_FN(MODULE_PKTQ)', table), 0);
  const src = [
    '#define TWICE(x, y) ((x) + (y))',
    '#if TWICE(1, 2) == 3 && defined(TWICE)',
    'kept();',
    '#endif',
    '#undef TWICE',
    '#if TWICE(1, 2)',
    'gone();',
    '#endif',
  ].join('\n');
  const text = prepass(src, { defines: table }).text;
  assert.match(text, /kept\(\)/);
  assert.doesNotMatch(text, /gone\(\)/);
});

test('attribute words between a declaration type and its name are blanked, types and names kept', () => {
  const cases: [string, string][] = [
    ['void asmlinkage noreturn start(void)\n{\n}\n', 'void start(void)'],
    ['static int __init cf_check setup(void)\n{\n}\n', 'static int setup(void)'],
    ['static uint64_t cf_check get_tick(void);\n', 'static uint64_t get_tick(void);'],
    ['static enum __init param_type get_token(char *t)\n{\n}\n', 'static enum param_type get_token(char *t)'],
    ['static __always_inline foo_t cf_check bar(void);\n', 'static foo_t bar(void);'],
    ['static struct foo cf_check *baz(int x);\n', 'static struct foo *baz(int x);'],
    ['unsigned long long plain(int x);\n', 'unsigned long long plain(int x);'],
    ['static LIST_HEAD(head);\n', 'static LIST_HEAD(head);'],
    ['x = 1;\nint\ncall(int a)\n{\n\treturn f(a, b);\n}\n', 'int call(int a)'],
  ];
  for (const [src, want] of cases) {
    const got = prepass(src, { defines }).text;
    assert.equal(got.length, src.length);
    const header = got
      .split('{')[0]
      .replace(/^x = 1;/, '')
      .replace(/\s+/g, ' ')
      .trim();
    assert.equal(header, want, src);
  }
});

test("Apple's blocks: a literal is a value, a block pointer a function pointer, XOR stays XOR", () => {
  const src =
    'typedef void (^hook_t)(int);\n' +
    'int\n' +
    'f(int a)\n' +
    '{\n' +
    '\t__block int seen = a ^ (1), n;\n' +
    '\thook_t h = ^(int i) {\n' +
    '\t\tseen ^= i;\n' +
    '\t};\n' +
    '\tg(^{ seen = 1; });\n' +
    '\treturn (seen ^ a);\n' +
    '}\n';
  const r = prepass(src, { defines });
  assertSameLines(r.text, src);
  const lines = r.text.split('\n');
  assert.equal(lines[0], 'typedef void (*hook_t)(int);');
  assert.match(lines[4], /^\t {8}int seen {10}, n;$/);
  assert.match(lines[5], /^\thook_t h = 0 +$/);
  assert.match(lines[6], /^ *$/);
  assert.match(lines[7], /^ *;$/);
  assert.match(lines[8], /^\tg\(0 +\);$/);
  assert.equal(lines[9], '\treturn (seen ^ a);');
});
