#!/usr/bin/env node
// Checks the packaged form of the extension, the way a user installs it: `vsce package` into
// out/, `code-server --install-extension` into a throwaway extensions dir, then
// `--list-extensions --show-versions` must list publisher.name@version.
// Needs `npm run build` (dist/) and `npm run setup:e2e` (code-server).
// Uses the repo's .vscodeignore when there is one, else a default that ships only what a
// bundled extension needs (dist/, package.json, README, LICENSE, media/, syntaxes/, schema/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerCli } from '../test/e2e/codeserver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const id = `${pkg.publisher}.${pkg.name}`;
const outDir = path.join(root, 'out');
const vsix = path.join(outDir, `${pkg.name}-${pkg.version}.vsix`);
const say = (m) => console.log(`[package-check] ${m}`);
class CheckFailed extends Error {}
const fail = (m) => { throw new CheckFailed(m); };

const DEFAULT_IGNORE = `**
!dist/**
!package.json
!README.md
!CHANGELOG.md
!LICENSE*
!media/**
!syntaxes/**
!schema/**
!language-configuration*.json
`;

if (!existsSync(path.join(root, pkg.main ?? 'dist/extension.js'))) {
  say(`FAIL: ${pkg.main} missing: run \`npm run build\` first`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
rmSync(vsix, { force: true });

const work = mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-pkg-'));
try {
  const vsceArgs = ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix];
  if (!existsSync(path.join(root, '.vscodeignore'))) {
    const ignore = path.join(work, 'vscodeignore');
    writeFileSync(ignore, DEFAULT_IGNORE);
    vsceArgs.push('--ignoreFile', ignore);
  }
  let t = Date.now();
  const vsce = spawnSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), ...vsceArgs], {
    cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000,
  });
  if (vsce.status !== 0 || !existsSync(vsix)) fail(`vsce package exited ${vsce.status ?? vsce.signal}`);
  say(`packaged ${path.relative(root, vsix)} (${(statSync(vsix).size / 1024).toFixed(0)} KiB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const ext = path.join(work, 'extensions');
  t = Date.now();
  const inst = codeServerCli(['--extensions-dir', ext, '--install-extension', vsix]);
  process.stdout.write(inst.stdout ?? '');
  process.stderr.write(inst.stderr ?? '');
  if (inst.status !== 0) fail(`--install-extension exited ${inst.status ?? inst.signal} ${inst.error?.message ?? ""}`);
  say(`installed in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const list = codeServerCli(['--extensions-dir', ext, '--list-extensions', '--show-versions']);
  const lines = (list.stdout ?? '').split('\n').map((l) => l.trim()).filter((l) => /^[\w.-]+@/.test(l));
  say(`code-server lists: ${lines.join(', ') || '(nothing)'}`);
  const want = `${id}@${pkg.version}`;
  if (list.status !== 0 || !lines.includes(want)) fail(`expected ${want} in --list-extensions`);
  // The installed copy has the bundle code-server will load.
  if (!existsSync(path.join(ext, `${id}-${pkg.version}`, pkg.main ?? 'dist/extension.js'))) fail('installed extension has no main bundle');
  say(`PASS: ${want}`);
} catch (e) {
  say(`FAIL: ${e instanceof CheckFailed ? e.message : e?.stack ?? e}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
