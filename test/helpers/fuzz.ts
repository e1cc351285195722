/**
 * A seeded generator of damaged C for the fuzz tests: it takes the fixtures
 * (test/fixtures/**∕*.c) and the examples (examples/**∕*.c) and breaks them in the
 * ways real editors and real trees do. Same seed, same cases.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './analyzer';
import { rng } from '../../bench/generate';

export interface FuzzCase {
  name: string;
  kind: string;
  data: Buffer;
}

/**
 * Every .c file under the given directories (relative to the repository, or absolute), sorted;
 * not the fuzz regressions: they are slow on purpose.
 */
export function seedFiles(dirs = ['test/fixtures', 'examples']): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'fuzz-regressions') visit(p);
      } else if (e.isFile() && e.name.endsWith('.c')) out.push(p);
    }
  };
  for (const d of dirs) visit(path.resolve(ROOT, d));
  return out.sort();
}

/** A clone driver in the tunclone style, so the fuzz has a realistic seed even without fixtures. */
export const BUILTIN_SEED = `#include <sys/param.h>
#include <sys/conf.h>

static struct clonedevs *xx_clones;
static struct cdevsw xx_cdevsw;

static int
xx_create_device(struct cdev **dev, int unit, struct ucred *cr)
{
	struct make_dev_args args;
	int error;

	make_dev_args_init(&args);
	if (cr != NULL)
		args.mda_flags = MAKEDEV_REF | MAKEDEV_CHECKNAME;
	args.mda_devsw = &xx_cdevsw;
	args.mda_cr = cr;
	args.mda_unit = unit;
	error = make_dev_s(&args, dev, "xx%d", unit);
	return (error);
}

static void
xx_clone(void *arg, struct ucred *cred, char *name, int namelen, struct cdev **dev)
{
	int i, unit;

	if (*dev != NULL)
		return;
	unit = -1;
	i = clone_create(&xx_clones, &xx_cdevsw, &unit, dev, 0);
	if (i)
		i = xx_create_device(dev, unit, cred);
	if (i == 0)
		dev_ref(*dev);
}

static int
xx_attach(struct cdev *dev, struct ucred *cred)
{
	int error;

	crhold(cred);
	dev_ref(dev);
	error = xx_setup(dev);
	if (error != 0)
		goto fail;
	for (;;) {
		if (xx_ready(dev))
			break;
	}
	switch (error) {
	case 1:
		dev_rel(dev);
		/* FALLTHROUGH */
	case 2:
		break;
	default:
		error = 0;
	}
	return (0);
fail:
	dev_rel(dev);
	crfree(cred);
	return (error);
}

static void
xx_init(void *unused)
{
	EVENTHANDLER_REGISTER(dev_clone, xx_clone, 0, 1000);
}
`;

export const KINDS = [
  'truncate',
  'braces',
  'parens',
  'random-bytes',
  'repeat-block',
  'deep-nesting',
  'goto-cycle',
  'forty-ifs',
  'empty',
  'bom-crlf',
  'binary',
  'unterminated',
  'long-line',
  'preprocessor',
  'js-names',
] as const;

/** Names every plain JavaScript object inherits: a table keyed by C names must not find them. */
const JS_NAMES = Object.getOwnPropertyNames(Object.prototype);

export function damage(text: string, kind: (typeof KINDS)[number], r: () => number): Buffer {
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const at = () => int(0, text.length);
  switch (kind) {
    case 'truncate':
      return Buffer.from(text.slice(0, at()));
    case 'braces':
    case 'parens': {
      const chars = kind === 'braces' ? '{}' : '()';
      const idx = [...text].map((c, i) => (chars.includes(c) ? i : -1)).filter((i) => i >= 0);
      const drop = new Set<number>();
      const k = int(1, Math.max(1, Math.ceil(idx.length / 4)));
      for (let i = 0; i < k && idx.length; i++) drop.add(idx[int(0, idx.length - 1)]);
      return Buffer.from([...text].filter((_, i) => !drop.has(i)).join(''));
    }
    case 'random-bytes': {
      const b = Buffer.from(text);
      const k = int(1, 40);
      for (let i = 0; i < k && b.length; i++) b[int(0, b.length - 1)] = int(1, 255);
      return b;
    }
    case 'repeat-block': {
      const s = at(),
        e = Math.min(text.length, s + int(10, 400));
      return Buffer.from(text.slice(0, e) + text.slice(s, e).repeat(int(2, 200)) + text.slice(e));
    }
    case 'deep-nesting': {
      const n = int(50, 3000);
      const style = int(0, 3);
      const body =
        style === 0
          ? `${'if (x) {\n'.repeat(n)}dev_ref(d);\n${'}\n'.repeat(n)}`
          : style === 1
            ? `x = ${'('.repeat(n)}1${')'.repeat(n)};\n`
            : style === 2
              ? `${'{'.repeat(n)}dev_ref(d);${'}'.repeat(n)}\n`
              : `${'while (x) {\n'.repeat(n)}dev_ref(d);\n${'}\n'.repeat(int(0, n))}`; // unbalanced too
      return Buffer.from(`${text}\nvoid\nnest(struct cdev *d, int x)\n{\n${body}}\n`);
    }
    case 'goto-cycle': {
      const n = int(2, 60);
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        lines.push(
          `l${i}:`,
          `\tif (x & ${1 << (i % 30)})`,
          `\t\tdev_ref(d);`,
          `\telse`,
          `\t\tdev_rel(d);`,
          `\tif (y)`,
          `\t\tgoto l${int(0, n - 1)};`,
        );
      }
      lines.push(`\tgoto l${int(0, n - 1)};`);
      return Buffer.from(`${text}\nint\ncycle(struct cdev *d, int x, int y)\n{\n${lines.join('\n')}\n}\n`);
    }
    case 'forty-ifs': {
      const n = int(40, 64);
      const ifs: string[] = [];
      for (let i = 0; i < n; i++)
        ifs.push(
          int(0, 2) === 0
            ? `\tif (f & ${i}) { dev_ref(d); dev_rel(d); }`
            : `\tif (f & (1UL << ${i % 63}))\n\t\tsc->n += ${i};`,
        );
      return Buffer.from(
        `${text}\nint\nforty(struct sc *sc, struct cdev *d, unsigned long f)\n{\n\tdev_ref(d);\n` +
          `${ifs.join('\n')}\n\tdev_rel(d);\n\treturn (0);\n}\n`,
      );
    }
    case 'empty':
      return Buffer.from(int(0, 1) ? '' : '\n'.repeat(int(1, 50)));
    case 'bom-crlf':
      return Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(text.replace(/\n/g, int(0, 3) ? '\r\n' : '\r')),
      ]);
    case 'binary': {
      const b = Buffer.alloc(int(1, 4096));
      for (let i = 0; i < b.length; i++) b[i] = int(0, 255);
      // an ELF header, as much of it as fits (a buffer of 1 to 3 bytes takes its start)
      if (int(0, 1)) b.set(Buffer.from([0x7f, 0x45, 0x4c, 0x46]).subarray(0, b.length), 0);
      return b;
    }
    case 'unterminated': {
      const s = at();
      const opener = ['/*', '"', "'", '#if 0\n', '#ifdef FOO\n', 'R"('][int(0, 5)];
      return Buffer.from(text.slice(0, s) + opener + text.slice(s));
    }
    case 'long-line': {
      const s = at();
      // (kept under ~40 KB: past that tree-sitter's error recovery grows quadratically, see fuzz.test.ts)
      const line = int(0, 1) ? 'x = x + 1; '.repeat(int(300, 3000)) : `f(${'a, '.repeat(int(1000, 12000))}b);`;
      return Buffer.from(text.slice(0, s) + line + text.slice(s));
    }
    case 'preprocessor': {
      const junk = [
        '#define dev_ref(x) dev_rel(x)\n',
        '#if defined(\n',
        '#endif\n',
        '#else\n',
        '#define LOOP(x) for (;;) x\n',
        '#include\n',
        '#elif 1 +\n',
        '#define BEGIN {\n#define END }\n',
      ];
      const lines = text.split('\n');
      const k = int(1, 8);
      for (let i = 0; i < k; i++) lines.splice(int(0, lines.length), 0, junk[int(0, junk.length - 1)]);
      return Buffer.from(lines.join('\n'));
    }
    case 'js-names': {
      // some identifiers (functions, variables, fields, macros, labels, model names alike) become JavaScript's
      const words = [...new Set(text.match(/\b[A-Za-z_]\w*\b/g) ?? [])];
      const renamed = new Map<string, string>();
      const k = int(1, Math.max(1, Math.ceil(words.length / 3)));
      for (let i = 0; i < k && words.length; i++)
        renamed.set(words[int(0, words.length - 1)], JS_NAMES[int(0, JS_NAMES.length - 1)]);
      return Buffer.from(text.replace(/\b[A-Za-z_]\w*\b/g, (w) => renamed.get(w) ?? w));
    }
  }
}

/** `count` cases per kind, spread over the seeds, deterministic in `seed`. */
export function fuzzCases(seed: number, perKind: number, seeds?: { name: string; text: string }[]): FuzzCase[] {
  const r = rng(seed);
  const inputs = seeds ?? [
    ...seedFiles().map((f) => ({ name: path.basename(f, '.c'), text: fs.readFileSync(f, 'utf8') })),
    { name: 'builtin', text: BUILTIN_SEED },
  ];
  const out: FuzzCase[] = [];
  let n = 0;
  for (const kind of KINDS) {
    for (let i = 0; i < perKind; i++) {
      const src = inputs[Math.floor(r() * inputs.length)];
      out.push({
        name: `${String(n++).padStart(3, '0')}-${kind}-${src.name}.c`,
        kind,
        data: damage(src.text, kind, r),
      });
    }
  }
  return out;
}

export function fuzzSeed(): number {
  const env = process.env.FUZZ_SEED;
  if (env && /^\d+$/.test(env)) return Number(env);
  return Math.floor(Math.random() * 2 ** 31);
}
