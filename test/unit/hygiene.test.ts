/**
 * What the repository tracks: our own sources, nothing generated, bundled, installed or
 * third-party. The build writes everything it makes to dist/ (bundles, both .wasm files, the
 * icon, the injection grammar), the tests write to out/.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function git(args: string[]): string | undefined {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  return r.status === 0 ? r.stdout : undefined;
}

const tracked = git(['ls-files', '-z'])?.split('\0').filter(Boolean);
const notACheckout = !tracked && 'not a git checkout';

/** Paths that are never ours to track, and why. */
const NOT_SOURCE: [RegExp, string][] = [
  [/(^|\/)node_modules(\/|$)/, 'installed dependencies (npm ci)'],
  [/^(dist|out|\.vscode-test|\.refcount-lens-cache)(\/|$)/, 'build, test or cache output'],
  [/\.vsix$/, 'a packaged extension (npm run package)'],
  [/\.(png|jpe?g|gif|webp|bmp|ico)$/i, 'a raster image (screenshots come from the tests, the icon from the build)'],
  [/\.(wasm|node|so|dylib|dll|exe|o|a|class|pyc)$/, 'a binary'],
  [/\.(map|tsbuildinfo)$/, 'compiler output'],
  [/\.(tgz|zip|tar|gz|xz|bz2|7z)$/, 'an archive'],
  [/(^|\/)(vendor|third[_-]party)\//, 'vendored code'],
];

test('git tracks no generated, bundled, installed or binary file', { skip: notACheckout }, () => {
  const bad = tracked!.flatMap((f) => {
    const hit = NOT_SOURCE.find(([re]) => re.test(f));
    return hit ? [`${f}: ${hit[1]}`] : [];
  });
  assert.deepEqual(bad, []);
});

test("no tracked file says it was generated, or carries another project's copyright", { skip: notACheckout }, () => {
  const bad: string[] = [];
  for (const f of tracked!) {
    if (f === 'LICENSE' || f === 'package-lock.json') continue;
    const file = path.join(ROOT, f);
    if (!fs.existsSync(file)) continue; // deleted in the working tree, not yet committed
    const head = fs.readFileSync(file, 'utf8').split('\n', 8).join('\n');
    if (/@generated|\bdo not edit\b/i.test(head)) bad.push(`${f}: marked as generated`);
    if (/^\s*(\/?\*+|\/\/|#)\s*(SPDX-License-Identifier|Copyright\b)/im.test(head))
      bad.push(`${f}: a licence header of its own`);
  }
  assert.deepEqual(bad, []);
});

test('.gitignore keeps the outputs and node_modules (a folder or a symlink) out', { skip: notACheckout }, () => {
  const probes = [
    'node_modules',
    'dist/cli.js',
    'dist/icon.png',
    'out/test/unit/x.js',
    'out/refcount-lens-0.1.0.vsix',
    'refcount-lens-0.1.0.vsix',
    '.vscode-test/user-data/x',
    '.refcount-lens-cache/x',
  ];
  const ignored =
    git(['check-ignore', '--no-index', ...probes])
      ?.split('\n')
      .filter(Boolean) ?? [];
  assert.deepEqual(
    probes.filter((p) => !ignored.includes(p)),
    [],
    'not ignored',
  );
});

test('every file package.json points at is tracked source or made by the build in dist/', {
  skip: notACheckout,
}, () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const c = pkg.contributes ?? {};
  const referenced: string[] = [
    pkg.main,
    pkg.icon,
    pkg.bin?.['refcount-lens'],
    ...(c.grammars ?? []).map((g: { path: string }) => g.path),
    ...(c.jsonValidation ?? []).map((j: { url: string }) => j.url),
    ...(c.languages ?? []).map((l: { configuration?: string }) => l.configuration),
  ]
    .filter((p): p is string => typeof p === 'string')
    .map((p) => path.posix.normalize(p));
  const trackedSet = new Set(tracked);
  const bad = referenced.flatMap((p) => {
    if (trackedSet.has(p)) return [];
    if (!p.startsWith('dist/')) return [`${p}: neither tracked nor a build output`];
    return fs.existsSync(path.join(ROOT, p)) ? [] : [`${p}: the build did not make it`];
  });
  assert.deepEqual(bad, []);
});

/** Every module specifier a TypeScript file imports, re-exports or requires. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const forms = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/g, // import x from 'm', export { x } from 'm'
    /\bimport\s*(?:\(\s*)?['"]([^'"]+)['"]/g, // import 'm', import('m')
    /\brequire\(\s*['"]([^'"]+)['"]/g,
  ];
  return forms.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

function sourcesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')));
}

/** `file`'s imports that `forbidden` rejects, as "file imports x" (relative ones as repository paths). */
function forbiddenImports(file: string, forbidden: (target: string) => boolean): string[] {
  return importsOf(path.join(ROOT, file)).flatMap((spec) => {
    const target = spec.startsWith('.') ? path.posix.join(path.posix.dirname(file), spec) : spec;
    return forbidden(target) ? [`${file} imports ${target}`] : [];
  });
}

const LSP_OR_EDITOR = /^(vscode|vscode-languageserver|vscode-languageclient|vscode-jsonrpc)(\/|$)/;

test('src/analysis and src/trace know nothing of LSP, the editor, the server or the client', () => {
  const bad = [...sourcesUnder('src/analysis'), ...sourcesUnder('src/trace')].flatMap((f) =>
    forbiddenImports(
      f,
      (t) =>
        LSP_OR_EDITOR.test(t) ||
        /^vscode-languageserver-protocol/.test(t) ||
        /^src\/(server|extension|shared)\//.test(t),
    ),
  );
  assert.deepEqual(bad, []);
});

test('the shared protocol needs only the protocol types', () => {
  const bad = sourcesUnder('src/shared').flatMap((f) =>
    forbiddenImports(f, (t) => LSP_OR_EDITOR.test(t) || /^src\/(analysis|trace|server|extension|cli)\//.test(t)),
  );
  assert.deepEqual(bad, []);
});

const clientImportsAnalysis = (t: string) =>
  /^src\/(analysis|trace|server|cli)\//.test(t) || /^vscode-languageserver(\/|$)/.test(t);

test('the VS Code client imports nothing from the analysis, the trace, the server or the CLI', () => {
  const bad = sourcesUnder('src/extension').flatMap((f) => forbiddenImports(f, clientImportsAnalysis));
  assert.deepEqual(bad, []);
});
