#!/usr/bin/env node
// The packaged extension, installed the way a user installs it: `npm run package` makes the
// .vsix, `code-server --install-extension` puts it into a fresh extensions folder, and a
// code-server started on that folder (no development path: only the installed copy) must
// activate it on vpipe.c: the status bar item, a code lens and an inlay hint from its
// bundled language server (which needs both .wasm files from the .vsix) appear.
// Needs `npm run setup:e2e`. Usage: node test/e2e/vsix-check.mjs [path/to/file.vsix]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  codeServerCli,
  createLifecycle,
  launchBrowser,
  quickOpen,
  startCodeServer,
  timeoutFromEnv,
  waitForWorkbench,
  workbenchUrl,
  stepper,
} from './codeserver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const id = `${pkg.publisher}.${pkg.name}`;
const workspace = path.join(root, 'test/fixtures/workspace');
const say = (m) => process.stdout.write(`[vsix-check] ${m}\n`);
const life = createLifecycle({ timeoutSeconds: timeoutFromEnv(240), log: say });
let page;

const step = stepper(say);

function packageVsix() {
  if (process.argv[2]) return path.resolve(process.argv[2]);
  const r = spawnSync('npm', ['run', '-s', 'package'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
  const vsix = path.join(root, 'out', `${pkg.name}-${pkg.version}.vsix`);
  if (r.status !== 0 || !existsSync(vsix)) throw new Error(`npm run package failed (${r.status ?? r.signal})`);
  return vsix;
}

/** The .vsix must hold the bundles, both .wasm files and the contributed files, and no sources. */
function checkContents(vsix) {
  const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`unzip -Z1 failed: ${list.stderr}`);
  const files = list.stdout.split('\n').filter(Boolean);
  const must = [
    'extension/dist/extension.js',
    'extension/dist/server.js',
    'extension/dist/worker.js',
    'extension/dist/tree-sitter.wasm',
    'extension/dist/tree-sitter-c.wasm',
    'extension/package.json',
    'extension/schema/refcount-lens.schema.json',
    'extension/dist/refcount.injection.json',
    'extension/dist/icon.png',
    'extension/readme.md',
  ];
  const missing = must.filter((f) => !files.includes(f));
  if (missing.length) throw new Error(`the .vsix lacks ${missing.join(', ')}`);
  const unwanted = files.filter((f) => /^extension\/(src|test|node_modules|out|bench)\/|\.ts$|\.map$/.test(f));
  if (unwanted.length) throw new Error(`the .vsix should not hold ${unwanted.slice(0, 5).join(', ')}`);
  return files.length;
}

async function main() {
  const vsix = await step('packaged', () => packageVsix());
  const count = await step('contents: bundles, both .wasm, schema, grammar, icon; no sources', () =>
    checkContents(vsix),
  );
  say(`${path.relative(root, vsix)}: ${count} files`);

  const work = mkdtempSync(path.join(os.tmpdir(), 'refcount-lens-vsix-'));
  life.add(() => rmSync(work, { recursive: true, force: true }));
  const ext = path.join(work, 'extensions');
  mkdirSync(ext);
  await step('code-server --install-extension', () => {
    const r = codeServerCli(['--extensions-dir', ext, '--install-extension', vsix]);
    if (r.status !== 0) throw new Error(`--install-extension exited ${r.status}: ${r.stdout}${r.stderr}`);
    const listed = codeServerCli(['--extensions-dir', ext, '--list-extensions', '--show-versions']).stdout ?? '';
    if (!listed.includes(`${id}@${pkg.version}`)) throw new Error(`not listed: ${listed}`);
  });

  const cs = await step('code-server on the installed extensions', () =>
    startCodeServer({ lifecycle: life, extensionsDir: ext }),
  );
  ({ page } = await step('chromium started', () => launchBrowser({ log: say, lifecycle: life })));
  await step('workbench ready', async () => {
    await page.goto(workbenchUrl(cs, { folder: workspace }), { waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page);
  });
  await step('vpipe.c opened', () => quickOpen(page, 'vpipe.c'));
  await step('the installed extension activated: its status bar item counts 1 problem', () =>
    page.locator('.part.statusbar', { hasText: 'Refcount Lens: 1 problem' }).first().waitFor({ timeout: 60_000 }),
  );
  await step('its language server answers: a code lens and an inlay hint', async () => {
    await page
      .locator('.part.editor .monaco-editor .codelens-decoration', { hasText: 'new ·' })
      .first()
      .waitFor({ timeout: 30_000 });
    await page
      .locator('.part.editor .monaco-editor .view-lines', { hasText: /\+2\/\+1[\s\u00a0]cdev/ })
      .first()
      .waitFor({ timeout: 30_000 });
  });
  const installedAt = path.join(ext, `${id}-${pkg.version}`);
  if (!existsSync(path.join(installedAt, 'dist/server.js'))) throw new Error(`no server bundle in ${installedAt}`);
  await page.screenshot({ path: path.join(root, 'out/e2e-vsix.png') });
  say(`PASS: ${id}@${pkg.version} installed from the .vsix and active`);
  return 0;
}

main().then(
  (code) => life.finish(code),
  async (e) => {
    if (life.finishing) return;
    say(`FAIL: ${e?.stack ?? e}`);
    if (page) await page.screenshot({ path: path.join(root, 'out/e2e-vsix-failure.png') }).catch(() => {});
    life.finish(1);
  },
);
