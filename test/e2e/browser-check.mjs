#!/usr/bin/env node
// What a person sees: code-server with the extension under development (loaded from this
// folder, as F5 would), the fixture workspace open, vpipe.c opened with Ctrl+P: code lenses,
// inlay hints, the status bar, the output channel and a hover, asserted on the DOM. Saves
// screenshots to out/e2e-screenshot.png (lenses and hints) and out/e2e-screenshot-hover.png
// (on failure: out/e2e-screenshot-failure.png). Needs `npm run build` (dist/extension.js) and
// `npm run setup:e2e`. Usage: node test/e2e/browser-check.mjs
// Env: REFCOUNT_LENS_E2E_TIMEOUT (default 180 s), REFCOUNT_LENS_E2E_VERBOSE=1.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLifecycle,
  launchBrowser,
  quickOpen,
  runCommandFromPalette,
  startCodeServer,
  timeoutFromEnv,
  waitForWorkbench,
  workbenchUrl,
  stepper,
} from './codeserver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workspace = path.join(root, 'test/fixtures/workspace');
const outDir = path.join(root, 'out');
const shot = path.join(outDir, 'e2e-screenshot.png');
const verbose = /^(1|true|yes)$/i.test(process.env.REFCOUNT_LENS_E2E_VERBOSE || '');
const say = (msg) => process.stdout.write(`[browser-check] ${msg}\n`);

const life = createLifecycle({ timeoutSeconds: timeoutFromEnv(180), log: say });
let page;

const step = stepper(say);

/**
 * Decoration texts (`after.contentText`) are CSS ::after content, not DOM text: find the rule
 * whose content holds `text` and wait until an element in the editor carries its class.
 */
async function waitForAfterText(page, text, timeout = 30_000) {
  await page.waitForFunction(
    (wanted) => {
      for (const sheet of document.styleSheets) {
        let rules;
        try {
          rules = sheet.cssRules;
        } catch {
          continue;
        }
        for (const rule of rules) {
          if (!rule.selectorText?.includes('::after') || !rule.style?.content?.includes(wanted)) continue;
          const cls = /\.([\w-]+)::after/.exec(rule.selectorText)?.[1];
          if (cls && document.querySelector(`.part.editor .view-lines .${cls}`)) return true;
        }
      }
      return false;
    },
    text,
    { timeout },
  );
}

async function main() {
  if (!existsSync(path.join(root, 'dist/extension.js')))
    throw new Error('dist/extension.js missing: run `npm run build` first');
  mkdirSync(outDir, { recursive: true });
  const cs = await step('code-server started', () =>
    startCodeServer({
      lifecycle: life,
      log: verbose ? (s) => process.stdout.write(`[code-server] ${s}`) : undefined,
    }),
  );
  const browser = await step('chromium started', () => launchBrowser({ log: say, lifecycle: life }));
  page = browser.page;
  if (verbose) page.on('console', (m) => process.stdout.write(`[page ${m.type()}] ${m.text()}\n`));

  await step('workbench ready, workspace in the explorer', async () => {
    await page.goto(workbenchUrl(cs, { folder: workspace, extensionDevelopmentPath: root }), {
      waitUntil: 'domcontentloaded',
    });
    await waitForWorkbench(page);
  });

  await step('vpipe.c opened with Ctrl+P', () => quickOpen(page, 'vpipe.c'));
  const editor = page.locator('.part.editor .monaco-editor .view-lines');
  await step('the editor shows the fixture', () =>
    editor.filter({ hasText: 'vpipe_new_node' }).first().waitFor({ timeout: 30_000 }),
  );

  // Bring the dev_clone handler into view: Ctrl+G, its line, Enter.
  await step('Ctrl+G to the handler', async () => {
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
    await page.keyboard.type(':53');
    await page.keyboard.press('Enter');
    await editor.filter({ hasText: 'vpipe_lookup' }).first().waitFor({ timeout: 30_000 });
  });

  // What the language server contributes, as rendered by the workbench.
  const lenses = page.locator('.part.editor .monaco-editor .codelens-decoration');
  await step('code lens with the object summary', () =>
    lenses.filter({ hasText: '*dev cdev: +3 new · +1 existing' }).first().waitFor({ timeout: 30_000 }),
  );
  await step('code lens with the contract problem', () =>
    lenses
      .filter({ hasText: /contract: dev_clone handler hands out \+2/ })
      .first()
      .waitFor({ timeout: 30_000 }),
  );
  // inlay hints are text inside the view lines; their spaces are U+00A0
  const viewText = async () => (await editor.first().innerText()).replace(/\u00a0/g, ' ');
  await step('inlay hints +2 cdev (MAKEDEV_REF) and +1 cdev in the text', async () => {
    const deadline = Date.now() + 30_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await viewText();
      if (text.includes('+2 cdev (MAKEDEV_REF)') && /dev_ref\(\*dev\)\s*\+1 cdev;/.test(text)) return;
      await page.waitForTimeout(100);
    }
    throw new Error(`inlay hints not rendered; the view lines say:\n${text}`);
  });
  await step('the status bar says 1 problem', () =>
    page.locator('.part.statusbar', { hasText: 'Refcount Lens: 1 problem' }).first().waitFor({ timeout: 30_000 }),
  );
  await step('the Problems count in the status bar is 1 error', () =>
    page
      .locator('.part.statusbar .statusbar-item', { hasText: /^1\s*0$|1\D+0/ })
      .first()
      .waitFor({ timeout: 30_000 }),
  );

  await page.mouse.move(0, 0); // no hover in the picture
  await page.screenshot({ path: shot });
  say(`screenshot: ${path.relative(process.cwd(), shot)}`);

  // The status bar item opens the output channel, where the server logs each analysis.
  await step('clicking the status bar item shows the log with timings', async () => {
    await page.locator('.part.statusbar .statusbar-item', { hasText: 'Refcount Lens: 1 problem' }).first().click();
    await page
      .locator('.part.panel .monaco-editor .view-lines', {
        hasText: /vpipe\.c[\s\u00a0]v\d+:[\s\u00a0][\d.]+[\s\u00a0]ms/,
      })
      .first()
      .waitFor({ timeout: 30_000 });
  });
  await step('"Refcount Lens: Show Output" from the command palette', () =>
    runCommandFromPalette(page, 'Refcount Lens: Show Output'),
  );

  // Hover on the handler's name: the path table in the hover widget.
  await step('hover on vpipe_lookup shows the path table', async () => {
    const name = editor.locator('span', { hasText: /^vpipe_lookup$/ }).first();
    await name.hover();
    await page.locator('.monaco-hover-content', { hasText: 'dev_clone handler' }).first().waitFor({ timeout: 30_000 });
    const table = await page.locator('.monaco-hover-content table').first().innerText();
    if (!/path\s+conditions\s+exit line\s+returns/.test(table) || !table.includes('+3 (+1 existence, +2 refs)')) {
      throw new Error(`hover table unexpected:\n${table}`);
    }
  });
  await page.waitForTimeout(400); // only for the picture: let the hover finish fading in
  await page.screenshot({ path: path.join(outDir, 'e2e-screenshot-hover.png') });
  await page.keyboard.press('Escape');

  // The injection grammar: dev_ref is scoped as an acquire, as the token inspector shows.
  await step('the grammar scopes dev_ref as support.function.refcount.acquire.c', async () => {
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
    await page.keyboard.type(':66:4');
    await page.keyboard.press('Enter');
    await runCommandFromPalette(page, 'Developer: Inspect Editor Tokens and Scopes');
    await page
      .locator('.token-inspect-widget', { hasText: 'support.function.refcount.acquire.c' })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
  });

  // Show Paths from the palette: pick the function, then the path; its steps are annotated.
  await step('"Refcount Lens: Show Paths": pick vpipe_lookup, then path #4', async () => {
    // not runCommandFromPalette: the command opens its own quick pick at once
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Refcount Lens: Show Paths');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'Refcount Lens: Show Paths' })
      .first()
      .waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'vpipe_lookup()' }).first().click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: '#4' }).first().click();
    await waitForAfterText(page, 'dev_ref: *dev +1 → +3');
  });
  await page.screenshot({ path: path.join(outDir, 'e2e-screenshot-paths.png') });
  await step('alt+] shows the next path (the keybinding is active while paths are visible)', async () => {
    await page.keyboard.press('Alt+BracketRight');
    await waitForAfterText(page, 'path #0 of 5 exits');
  });

  say('PASS');
  return 0;
}

main().then(
  (code) => life.finish(code),
  async (e) => {
    if (life.finishing) return; // fallout of a signal or the timeout
    say(`FAIL: ${e?.stack ?? e}`);
    if (page) {
      const failShot = path.join(outDir, 'e2e-screenshot-failure.png');
      await page.screenshot({ path: failShot }).then(
        () => say(`screenshot: ${failShot}`),
        () => {},
      );
    }
    life.finish(1);
  },
);
