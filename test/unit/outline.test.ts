/**
 * The brace outline that decides, before the parse, which bodies a one-shot analysis may
 * skip (src/analysis/parse/outline.ts). It reads the masked pre-pass text, as the analyser does.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { outlineFunctions } from '../../src/analysis/parse/outline';
import { prepass } from '../../src/analysis/parse/prepass';

const outline = (src: string) => outlineFunctions(prepass(src, { defines: new Map() }).masked);
const names = (src: string) => outline(src)?.map((f) => f.name ?? '?');

test('definitions, not initialisers, struct bodies or compound literals', () => {
  const src = `
struct foo { int (*cb)(void); int n; };
static struct foo tab = { .n = 1 };
static int arr[] = (int[]){ 1, 2 };
static int
foo_open(struct cdev *dev, int flags)
{
	if (flags) { return (0); }
	return (1);
}
void (bar)(int x) { }
int baz(void) { struct foo f = { 0 }; return f.n; }
`;
  assert.deepEqual(names(src), ['foo_open', '?', 'baz']);
  const f = outline(src)![0];
  assert.equal(src.slice(f.start, f.start + 10), 'static int');
  assert.equal(src[f.bodyStart], '{');
  assert.equal(src[f.bodyEnd - 1], '}');
  assert.ok(src.slice(f.bodyStart, f.bodyEnd).endsWith('return (1);\n}'));
});

test('braces in comments, strings and compiled-out branches do not count', () => {
  const src = `
/* { */
static const char *s = "}{";
#if 0
int gone(void) {
#endif
int kept(void)
{
	return ('}');
}
`;
  assert.deepEqual(names(src), ['kept']);
});

test('attributes between the parameters and the body are stepped over', () => {
  assert.deepEqual(names('static int f(int a __unused) __attribute__((cold))\n{\n\treturn (0);\n}\n'), ['f']);
});

test('unbalanced braces give no outline: nothing can be skipped safely', () => {
  assert.equal(outline('int f(void) {\n\tif (x) {\n\treturn 0;\n}\n'), undefined);
  assert.equal(outline('int f(void) { return 0; }\n}\n'), undefined);
});

test('a K&R definition is not taken for a skippable body', () => {
  assert.deepEqual(names('int old(a, b)\n\tint a; int b;\n{\n\treturn a + b;\n}\n'), []);
});
