/**
 * Deterministic generator of kernel-like C for the benchmark and the growth runs.
 *
 * The output reads like a FreeBSD character-device driver: softc structures,
 * make_dev_s() with and without MAKEDEV_REF, dev_ref/dev_rel, crhold/crfree,
 * goto unwinding ladders, TAILQ_FOREACH lookups with early breaks, ioctl
 * switches, #ifdef INET blocks, and plenty of plain helpers that touch no count
 * (as most kernel functions do). A few functions carry the bugs the tool looks
 * for (a dev_ref nothing releases, a clone handler at +2), so both tools have
 * something to report. Same seed, same text.
 */

/** mulberry32: small, fast, and the same everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ctx {
  r: () => number;
  p: string; // driver prefix
  n: number; // function counter
}

const pick = <T>(c: Ctx, xs: readonly T[]): T => xs[Math.floor(c.r() * xs.length)];
const int = (c: Ctx, lo: number, hi: number) => lo + Math.floor(c.r() * (hi - lo + 1));
const chance = (c: Ctx, p: number) => c.r() < p;

const FIELDS = ['sc_flags', 'sc_unit', 'sc_count', 'sc_mtu', 'sc_state', 'sc_pending', 'sc_rxq', 'sc_txq'];
const ERRS = ['ENXIO', 'EBUSY', 'EINVAL', 'ENOMEM', 'EIO', 'EPERM', 'ENODEV'];

/** A few statements that count nothing (arithmetic, flags, locking, loops). */
function filler(c: Ctx, indent: string, depth = 0): string[] {
  const out: string[] = [];
  const k = int(c, 1, 4);
  for (let i = 0; i < k; i++) {
    const f = pick(c, FIELDS);
    switch (int(c, 0, 7)) {
      case 0:
        out.push(`${indent}sc->${f} |= ${pick(c, ['0x1', '0x2', '0x4', '0x10'])};`);
        break;
      case 1:
        out.push(`${indent}sc->${f} = (sc->${f} + ${int(c, 1, 64)}) & 0xff;`);
        break;
      case 2:
        out.push(`${indent}mtx_lock(&sc->sc_mtx);`, `${indent}sc->${f}++;`, `${indent}mtx_unlock(&sc->sc_mtx);`);
        break;
      case 3:
        if (depth < 2) {
          out.push(
            `${indent}for (i = 0; i < ${int(c, 2, 16)}; i++) {`,
            ...filler(c, indent + '\t', depth + 1),
            `${indent}}`,
          );
        } else out.push(`${indent}sc->${f} = 0;`);
        break;
      case 4:
        if (depth < 2) {
          out.push(
            `${indent}if (sc->${f} > ${int(c, 0, 100)}) {`,
            ...filler(c, indent + '\t', depth + 1),
            `${indent}} else {`,
            `${indent}\tsc->${f} = ${int(c, 0, 9)};`,
            `${indent}}`,
          );
        } else out.push(`${indent}sc->${f}--;`);
        break;
      case 5:
        out.push(`${indent}if (bootverbose)`, `${indent}\tprintf("%s: ${f} %d\\n", __func__, sc->${f});`);
        break;
      case 6:
        out.push(`${indent}KASSERT(sc->${f} >= 0, ("%s: bad ${f}", __func__));`);
        break;
      default:
        out.push(`${indent}len = MIN(len, sizeof(sc->sc_buf));`, `${indent}bcopy(buf, sc->sc_buf, len);`);
    }
  }
  return out;
}

function name(c: Ctx, what: string): string {
  return `${c.p}_${what}_${c.n++}`;
}

/** A dev_clone handler like tunclone(): existing device +1, new device made with MAKEDEV_REF. */
function cloneHandler(c: Ctx, buggy: boolean): { text: string[]; fn: string } {
  const fn = name(c, 'clone');
  return {
    fn,
    text: [
      'static void',
      `${fn}(void *arg, struct ucred *cred, char *name, int namelen,`,
      '    struct cdev **dev)',
      '{',
      '\tchar devname[SPECNAMELEN + 1];',
      '\tint i, unit, append_unit;',
      '\tint error;',
      '',
      '\terror = 0;',
      '\tif (*dev != NULL)',
      '\t\treturn;',
      '\tunit = 0;',
      '\tappend_unit = 0;',
      `\tif (strcmp(name, "${c.p}") == 0) {`,
      '\t\tunit = -1;',
      `\t} else if (dev_stdclone(name, NULL, "${c.p}", &unit) != 1) {`,
      '\t\treturn;',
      '\t}',
      '\tif (unit == -1)',
      '\t\tappend_unit = 1;',
      '',
      '\tCURVNET_SET(CRED_TO_VNET(cred));',
      `\ti = clone_create(&${c.p}_clones, &${c.p}_cdevsw, &unit, dev, 0);`,
      '\tif (i) {',
      '\t\tif (append_unit) {',
      '\t\t\tnamelen = snprintf(devname, sizeof(devname), "%s%d", name, unit);',
      '\t\t\tname = devname;',
      '\t\t}',
      `\t\ti = ${c.p}_create_device(dev, unit, cred);`,
      ...(buggy ? [] : ['\t} else {', '\t\tdev_ref(*dev);']),
      '\t}',
      ...(buggy ? ['\tif (i == 0)', '\t\tdev_ref(*dev);'] : []),
      '\tCURVNET_RESTORE();',
      '}',
    ],
  };
}

/** make_dev_s with MAKEDEV_REF when a credential is given, like tun_create_device(). */
function createDevice(c: Ctx): string[] {
  return [
    'static int',
    `${c.p}_create_device(struct cdev **dev, int unit, struct ucred *cr)`,
    '{',
    '\tstruct make_dev_args args;',
    `\tstruct ${c.p}_softc *sc;`,
    '\tint error;',
    '',
    `\tsc = malloc(sizeof(*sc), M_${c.p.toUpperCase()}, M_WAITOK | M_ZERO);`,
    `\tmtx_init(&sc->sc_mtx, "${c.p}_mtx", NULL, MTX_DEF);`,
    `\tcv_init(&sc->sc_cv, "${c.p}_cv");`,
    '',
    '\tmake_dev_args_init(&args);',
    '\tif (cr != NULL)',
    '\t\targs.mda_flags = MAKEDEV_REF | MAKEDEV_CHECKNAME;',
    `\targs.mda_devsw = &${c.p}_cdevsw;`,
    '\targs.mda_cr = cr;',
    '\targs.mda_uid = UID_UUCP;',
    '\targs.mda_gid = GID_DIALER;',
    '\targs.mda_mode = 0600;',
    '\targs.mda_unit = unit;',
    '\targs.mda_si_drv1 = sc;',
    `\terror = make_dev_s(&args, dev, "${c.p}%d", unit);`,
    '\tif (error != 0) {',
    `\t\tfree(sc, M_${c.p.toUpperCase()});`,
    '\t\treturn (error);',
    '\t}',
    '\tsc->sc_dev = *dev;',
    '\treturn (0);',
    '}',
  ];
}

/** The ifnet cloner's create function; the buggy variant takes a dev_ref nothing releases. */
function clonerCreate(c: Ctx, buggy: boolean): string[] {
  const fn = name(c, 'clone_create');
  return [
    'static int',
    `${fn}(struct if_clone *ifc, char *name, size_t len,`,
    '    struct ifc_data *ifd, struct ifnet **ifpp)',
    '{',
    '\tstruct cdev *dev;',
    '\tint unit, error;',
    '',
    '\tunit = ifd->unit;',
    '\tif (unit < 0)',
    '\t\treturn (EINVAL);',
    `\terror = clone_create(&${c.p}_clones, &${c.p}_cdevsw, &unit, &dev, 0);`,
    '\tif (error) {',
    `\t\terror = ${c.p}_create_device(&dev, unit, NULL);`,
    '\t\tif (error != 0)',
    '\t\t\treturn (error);',
    '\t}',
    ...(buggy ? ['\tdev_ref(dev);'] : []),
    `\t${c.p}_ifattach(dev->si_drv1, unit);`,
    '\t*ifpp = ((struct ' + c.p + '_softc *)dev->si_drv1)->sc_ifp;',
    '\treturn (0);',
    '}',
  ];
}

/** Attach with an unwinding ladder: allocate, make a device, hold a credential, unwind on error. */
function attachLadder(c: Ctx, wrongLabel: boolean): string[] {
  const fn = name(c, 'attach');
  const f = pick(c, FIELDS);
  return [
    'static int',
    `${fn}(device_t self, struct ucred *cred)`,
    '{',
    `\tstruct ${c.p}_softc *sc;`,
    '\tstruct make_dev_args args;',
    '\tstruct cdev *cdev;',
    '\tint error, i, len;',
    '\tchar buf[64];',
    '',
    '\tsc = device_get_softc(self);',
    '\tlen = sizeof(buf);',
    '\tbuf[0] = 0;',
    ...filler(c, '\t'),
    '\tcrhold(cred);',
    '\tsc->sc_cred = cred;',
    '\tmake_dev_args_init(&args);',
    `\targs.mda_devsw = &${c.p}_cdevsw;`,
    '\targs.mda_flags = MAKEDEV_WAITOK;',
    '\targs.mda_si_drv1 = sc;',
    `\terror = make_dev_s(&args, &cdev, "${c.p}%d", device_get_unit(self));`,
    '\tif (error != 0)',
    '\t\tgoto fail_cred;',
    '\tdev_ref(cdev);',
    `\terror = ${c.p}_setup_rings(sc);`,
    '\tif (error != 0)',
    `\t\tgoto ${wrongLabel ? 'fail_dev' : 'fail_ref'};`,
    '#ifdef INET',
    `\terror = ${c.p}_inet_attach(sc);`,
    '\tif (error != 0)',
    '\t\tgoto fail_rings;',
    '#endif',
    `\tsc->${f} = 1;`,
    '\tsc->sc_dev = cdev;',
    '\tdev_rel(cdev);',
    '\treturn (0);',
    '',
    '#ifdef INET',
    'fail_rings:',
    `\t${c.p}_teardown_rings(sc);`,
    '#endif',
    'fail_ref:',
    '\tdev_rel(cdev);',
    'fail_dev:',
    '\tdestroy_dev(cdev);',
    'fail_cred:',
    '\tsc->sc_cred = NULL;',
    '\tcrfree(cred);',
    '\treturn (error);',
    '}',
  ];
}

/** A find-like lookup in a loop with an early break, and the reference handed back. */
function lookup(c: Ctx, leakOnError: boolean): string[] {
  const fn = name(c, 'lookup');
  return [
    'static struct cdev *',
    `${fn}(int unit, int flags)`,
    '{',
    `\tstruct ${c.p}_softc *sc;`,
    '\tstruct cdev *dev;',
    '',
    '\tdev = NULL;',
    `\tmtx_lock(&${c.p}_list_mtx);`,
    `\tTAILQ_FOREACH(sc, &${c.p}_list, sc_link) {`,
    '\t\tif (sc->sc_unit != unit)',
    '\t\t\tcontinue;',
    '\t\tif ((sc->sc_flags & 0x4) != 0)',
    '\t\t\tcontinue;',
    '\t\tdev = sc->sc_dev;',
    '\t\tdev_ref(dev);',
    '\t\tbreak;',
    '\t}',
    `\tmtx_unlock(&${c.p}_list_mtx);`,
    ...(leakOnError
      ? ['\tif (dev != NULL && (flags & 0x1) != 0)', '\t\treturn (NULL);']
      : ['\tif (dev != NULL && (flags & 0x1) != 0) {', '\t\tdev_rel(dev);', '\t\treturn (NULL);', '\t}']),
    '\treturn (dev);',
    '}',
  ];
}

/** An ioctl switch: cases that fall through, a default, a reference taken and dropped. */
function ioctl(c: Ctx): string[] {
  const fn = name(c, 'ioctl');
  const cases: string[] = [];
  const k = int(c, 4, 9);
  for (let i = 0; i < k; i++) {
    cases.push(`\tcase ${c.p.toUpperCase()}IOC${i}:`);
    switch (int(c, 0, 4)) {
      case 0:
        cases.push(...filler(c, '\t\t'), '\t\tbreak;');
        break;
      case 1:
        cases.push(
          '\t\tif (!(flag & FWRITE)) {',
          `\t\t\terror = ${pick(c, ERRS)};`,
          '\t\t\tbreak;',
          '\t\t}',
          ...filler(c, '\t\t'),
          '\t\tbreak;',
        );
        break;
      case 2:
        cases.push(
          '\t\tdev_ref(dev);',
          `\t\terror = ${c.p}_do_ioctl${i}(sc, data);`,
          '\t\tdev_rel(dev);',
          '\t\tbreak;',
        );
        break;
      case 3:
        cases.push(`\t\t*(int *)data = sc->${pick(c, FIELDS)};`);
        break; // falls through
      default:
        cases.push(
          '\t\tcrhold(td->td_ucred);',
          `\t\terror = priv_check_cred(td->td_ucred, PRIV_NET_${i});`,
          '\t\tcrfree(td->td_ucred);',
          '\t\tif (error)',
          '\t\t\treturn (error);',
          '\t\tbreak;',
        );
    }
  }
  return [
    'static int',
    `${fn}(struct cdev *dev, u_long cmd, caddr_t data, int flag, struct thread *td)`,
    '{',
    `\tstruct ${c.p}_softc *sc = dev->si_drv1;`,
    '\tint error, i, len;',
    '\tchar *buf = data;',
    '',
    '\terror = 0;',
    '\tlen = IOCPARM_LEN(cmd);',
    '\tswitch (cmd) {',
    ...cases,
    '\tdefault:',
    '\t\terror = ENOTTY;',
    '\t}',
    '\treturn (error);',
    '}',
  ];
}

/** A do { } while (0) wrapper and a credential swap. */
function credSwap(c: Ctx): string[] {
  const fn = name(c, 'setcred');
  return [
    'static void',
    `${fn}(struct ${c.p}_softc *sc, struct ucred *newcred)`,
    '{',
    '\tstruct ucred *old;',
    '',
    '\tdo {',
    '\t\tif (newcred == NULL)',
    '\t\t\tbreak;',
    '\t\tcrhold(newcred);',
    `\t\tmtx_lock(&sc->sc_mtx);`,
    '\t\told = sc->sc_cred;',
    '\t\tsc->sc_cred = newcred;',
    `\t\tmtx_unlock(&sc->sc_mtx);`,
    '\t\tif (old != NULL)',
    '\t\t\tcrfree(old);',
    '\t} while (0);',
    '}',
  ];
}

/** Plain helpers: what most of a kernel file is. */
function helper(c: Ctx): string[] {
  const fn = name(c, pick(c, ['update', 'reset', 'intr', 'tick', 'fill', 'poll', 'start']));
  const body: string[] = [];
  const blocks = int(c, 2, 5);
  for (let b = 0; b < blocks; b++) {
    if (chance(c, 0.25)) body.push('#ifdef INET6', ...filler(c, '\t'), '#else', ...filler(c, '\t'), '#endif');
    else if (chance(c, 0.3)) {
      body.push(
        `\twhile (sc->sc_pending > 0 && i < ${int(c, 8, 128)}) {`,
        ...filler(c, '\t\t', 1),
        '\t\tsc->sc_pending--;',
        '\t\ti++;',
        '\t}',
      );
    } else body.push(...filler(c, '\t'));
  }
  const ret = chance(c, 0.5);
  return [
    `static ${ret ? 'int' : 'void'}`,
    `${fn}(struct ${c.p}_softc *sc, const char *buf, int len)`,
    '{',
    '\tint i;',
    '',
    '\ti = 0;',
    ...body,
    ...(ret ? [`\tif (sc->sc_state == ${int(c, 0, 3)})`, `\t\treturn (${pick(c, ERRS)});`, '\treturn (0);'] : []),
    '}',
  ];
}

function header(c: Ctx, fileNo: number): string[] {
  const P = c.p.toUpperCase();
  return [
    '/*-',
    ' * SPDX-License-Identifier: BSD-2-Clause',
    ' *',
    ` * Generated driver ${c.p} (file ${fileNo}) for the Refcount Lens benchmark.`,
    ' */',
    '',
    '#include <sys/param.h>',
    '#include <sys/systm.h>',
    '#include <sys/conf.h>',
    '#include <sys/kernel.h>',
    '#include <sys/malloc.h>',
    '#include <sys/lock.h>',
    '#include <sys/mutex.h>',
    '#include <sys/ucred.h>',
    '#include <net/if.h>',
    '#include <net/if_clone.h>',
    '',
    `#define\t${P}_MAXUNIT\t0x7fff`,
    `#define\t${P}IOC0\t_IOW('t', 90, int)`,
    '',
    `static MALLOC_DEFINE(M_${P}, "${c.p}", "${c.p} driver");`,
    `static struct clonedevs *${c.p}_clones;`,
    `static struct mtx ${c.p}_list_mtx;`,
    `static TAILQ_HEAD(, ${c.p}_softc) ${c.p}_list = TAILQ_HEAD_INITIALIZER(${c.p}_list);`,
    '',
    `struct ${c.p}_softc {`,
    `\tTAILQ_ENTRY(${c.p}_softc) sc_link;`,
    '\tstruct mtx sc_mtx;',
    '\tstruct cv sc_cv;',
    '\tstruct cdev *sc_dev;',
    '\tstruct ucred *sc_cred;',
    '\tstruct ifnet *sc_ifp;',
    ...FIELDS.map((f) => `\tint ${f};`),
    '\tchar sc_buf[128];',
    '};',
    '',
    `static int ${c.p}_create_device(struct cdev **, int, struct ucred *);`,
    '',
  ];
}

export interface GenOptions {
  /** Approximate number of lines (the file ends at the first function past it). */
  lines?: number;
  seed?: number;
  /** Index of the file in a tree (names and seed vary with it). */
  fileNo?: number;
}

/** One kernel-like C file of about `lines` lines. */
export function generateFile(opts: GenOptions = {}): string {
  const fileNo = opts.fileNo ?? 0;
  const c: Ctx = { r: rng((opts.seed ?? 1) * 1000003 + fileNo), p: `xdrv${fileNo}`, n: 0 };
  const target = opts.lines ?? 2000;
  const out = header(c, fileNo);
  out.push(...createDevice(c), '');
  const clone = cloneHandler(c, chance(c, 0.3));
  out.push(...clone.text, '');
  out.push(...clonerCreate(c, chance(c, 0.3)), '');
  while (out.length < target - 20) {
    const roll = c.r();
    let fn: string[];
    if (roll < 0.45) fn = helper(c);
    else if (roll < 0.6) fn = ioctl(c);
    else if (roll < 0.72) fn = attachLadder(c, chance(c, 0.2));
    else if (roll < 0.85) fn = lookup(c, chance(c, 0.25));
    else fn = credSwap(c);
    out.push(...fn, '');
  }
  out.push(
    'static void',
    `${c.p}_init(const void *unused __unused)`,
    '{',
    `\tmtx_init(&${c.p}_list_mtx, "${c.p}_list", NULL, MTX_DEF);`,
    `\tclone_setup(&${c.p}_clones);`,
    `\tEVENTHANDLER_REGISTER(dev_clone, ${clone.fn}, 0, 1000);`,
    '}',
    `SYSINIT(${c.p}_init, SI_SUB_DRIVERS, SI_ORDER_ANY, ${c.p}_init, NULL);`,
    '',
  );
  return out.join('\n');
}

/** The 40-if function of the analyzer-core issue: 2^40 paths, one state per join. */
export function fortyIfs(n = 40): string {
  const body: string[] = [];
  for (let i = 0; i < n; i++) body.push(`\tif (flags & (1UL << ${i}))`, `\t\tsc->sc_count += ${i + 1};`);
  return [
    '#include <sys/conf.h>',
    'struct sc { int sc_count; struct cdev *sc_dev; };',
    'int',
    'forty(struct sc *sc, unsigned long flags)',
    '{',
    '\tstruct cdev *dev = sc->sc_dev;',
    '',
    '\tdev_ref(dev);',
    ...body,
    '\tdev_rel(dev);',
    '\treturn (0);',
    '}',
    '',
  ].join('\n');
}

/**
 * Path detail at its worst: functions that count up and down `pairs` times in a straight
 * line, then branch six times (`if (aN) dev_ref(d)`), so each keeps 7 path classes (d +0 ...
 * +6) of about 2 x `pairs` steps that share their prefix.
 */
export function wideFunctions(count: number, pairs: number): string {
  const body =
    Array.from({ length: pairs }, () => '\tdev_ref(d);\n\tdev_rel(d);\n').join('') +
    Array.from({ length: 6 }, (_, i) => `\tif (a${i})\n\t\tdev_ref(d);\n`).join('');
  const params = 'struct cdev *d, int a0, int a1, int a2, int a3, int a4, int a5';
  const fn = (k: number) => `static int\nwide${k}(${params})\n{\n${body}\treturn (0);\n}\n`;
  return '#include <sys/conf.h>\n' + Array.from({ length: count }, (_, k) => fn(k)).join('\n');
}

/** Writes a tree of `files` generated files (about `lines` lines each) under `dir`. */
export function generateTree(dir: string, files: number, lines = 2000, seed = 1): { files: string[]; lines: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('fs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path = require('node:path') as typeof import('path');
  const written: string[] = [];
  let total = 0;
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${Math.floor(i / 50)}`);
    fs.mkdirSync(sub, { recursive: true });
    const f = path.join(sub, `xdrv${i}.c`);
    const text = generateFile({ lines, seed, fileNo: i });
    fs.writeFileSync(f, text);
    written.push(f);
    total += text.split('\n').length;
  }
  return { files: written, lines: total };
}

if (require.main === module) {
  const lines = Number(process.argv[2] ?? 2000);
  process.stdout.write(generateFile({ lines, fileNo: Number(process.argv[3] ?? 0) }));
}
