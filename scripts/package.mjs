#!/usr/bin/env node
// `npm run package`: builds the bundles and writes the extension to out/<name>-<version>.vsix.
// vsce takes `--out out/` for a file name when out/ does not exist yet (a fresh clone): it then
// writes the .vsix as a file named `out` and stops with ENOTDIR, so out/ is made first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.join(root, 'out', `${pkg.name}-${pkg.version}.vsix`);
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

run([path.join(root, 'scripts/build.mjs'), '--no-tests']);
mkdirSync(path.dirname(vsix), { recursive: true });
run([
  require.resolve('@vscode/vsce/vsce'),
  'package',
  '--no-dependencies',
  '--allow-missing-repository',
  '--no-rewrite-relative-links',
  '--out',
  vsix,
]);
