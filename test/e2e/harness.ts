// End-to-end harness: a real VS Code (code-server 4.96, VS Code 1.96) driven by playwright-core and
// Debian's chromium. See DESIGN.md §7. Install the server first: `bash scripts/setup-code-server.sh`.
//
//   const cs = await startCodeServer({ workspace, vsix });
//   try { await cs.openFile('a.txt'); await cs.runCommand('Sentence Lens: Annotate'); ... }
//   finally { await cs.close(); }
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CODE_SERVER_VERSION = '4.96.4';
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts', 'e2e');
const CHROMIUM = process.env.SENTENCE_LENS_CHROMIUM ?? '/usr/bin/chromium';

/** Where scripts/setup-code-server.sh put the server (override with SENTENCE_LENS_CODE_SERVER). */
export function codeServerDir(): string {
  if (process.env.SENTENCE_LENS_CODE_SERVER) return resolve(process.env.SENTENCE_LENS_CODE_SERVER);
  const cache = process.env.SENTENCE_LENS_CACHE ?? join(REPO_ROOT, '.cache');
  return join(resolve(cache), `code-server-${CODE_SERVER_VERSION}`);
}

/** Why the e2e tests cannot run here, or undefined when they can. */
export function e2eUnavailable(): string | undefined {
  const dir = codeServerDir();
  if (!existsSync(join(dir, '.sentence-lens-installed'))) {
    return `code-server is not installed in ${dir}; run: bash scripts/setup-code-server.sh`;
  }
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing; run: apt-get install -y chromium`;
  return undefined;
}

/**
 * For `test(name, { skip: e2eSkip() }, ...)`: the reason to skip when code-server or chromium is
 * missing, or false. With SENTENCE_LENS_E2E_REQUIRED=1 (set by .ci/run) it never skips, so a
 * missing install fails loudly in startCodeServer instead.
 */
export function e2eSkip(): string | false {
  if (process.env.SENTENCE_LENS_E2E_REQUIRED === '1') return false;
  return e2eUnavailable() ?? false;
}

/** Settings that keep the workbench quiet and deterministic; `settings` passed by a test win. */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.editor.enablePreview': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'editor.minimap.enabled': false,
  'editor.hover.delay': 150,
  'chat.commandCenter.enabled': false,
  'files.simpleDialog.enable': true,
};

/** Workspace trust on, nothing trusted, no start-up prompt: the workspace opens in Restricted Mode. */
const RESTRICTED_MODE_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};

export interface StartOptions {
  /** Folder opened in the workbench (created if missing). */
  workspace: string;
  /** Defaults to a fresh temporary folder, removed by close(). */
  extensionsDir?: string;
  /** Defaults to a fresh temporary folder, removed by close(). */
  userDataDir?: string;
  /** Merged over DEFAULT_SETTINGS into USER/User/settings.json. */
  settings?: Record<string, unknown>;
  /** A packaged extension to install before the server starts. */
  vsix?: string;
  /** Milliseconds to wait for the server and then the workbench (each). Default 120 s. */
  startTimeoutMs?: number;
  /** Extra environment for the server and so for the extension host (e.g. SENTENCE_LENS_* knobs). */
  env?: Record<string, string>;
  /** Keep temporary folders after close() (for debugging). */
  keepTemp?: boolean;
  /**
   * The workbench's log level (code-server's --log, passed on to VS Code): 'debug' makes the
   * extensions' LogOutputChannel debug lines reach extensionHostLog(). Default: VS Code's (info).
   */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /**
   * Workspace trust on, with the workspace not trusted (Restricted Mode) and no prompt about it.
   * Default: trust off (every workspace trusted), as DEFAULT_SETTINGS and --disable-workspace-trust say.
   */
  restrictedMode?: boolean;
}

/** A Sentence Lens annotation as the user sees it: the editor line it is on and its text. */
export interface AnnotationText {
  line: number;
  text: string;
}

export interface DecorationText {
  /** 1-based line number in the document (a wrapped line's later view lines count as it; only rendered lines). */
  line: number;
  /** Which pseudo-element carries the text, or 'inlay' for an inlay hint (text injected into the line). */
  where: 'before' | 'after' | 'inlay';
  text: string;
}

/**
 * Installed in the page (an init script, so the workbench's CSP does not apply) as
 * `__slViewLineNumbers(editor)`: the document line number of each rendered view line, wrapped
 * continuations counting as their line (the gutter numbers only a line's first view line).
 */
const VIEW_LINE_NUMBERS = `globalThis.__slViewLineNumbers = (ed) => {
    const numbers = new Map();
    for (const n of ed.querySelectorAll('.margin-view-overlays .line-numbers')) {
      const top = Math.round(parseFloat(n.parentElement.style.top));
      const v = parseInt(n.textContent ?? '', 10);
      if (Number.isFinite(v)) numbers.set(top, v);
    }
    const lines = [...ed.querySelectorAll('.view-lines .view-line')];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    const lineHeight = lines[0]?.offsetHeight || 1;
    const out = new Map();
    let last = 0;
    for (const l of lines) {
      const top = Math.round(parseFloat(l.style.top));
      const n = numbers.get(top) ?? (last || Math.round(top / lineHeight) + 1);
      out.set(l, n);
      last = n;
    }
    return out;
  };`;

const live = new Set<CodeServer>();
process.once('exit', () => {
  for (const cs of live) cs.killNow();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitForHttp(url: string, timeoutMs: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`code-server exited (${proc.exitCode ?? proc.signalCode}) before answering HTTP:\n${log()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Installs a .vsix with the server's own CLI. Returns its output. */
export async function installVsix(vsix: string, extensionsDir: string, userDataDir: string, configFile: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync(
    process.execPath,
    [
      join(codeServerDir(), 'out/node/entry.js'),
      '--config', configFile,
      '--extensions-dir', extensionsDir,
      '--user-data-dir', userDataDir,
      '--install-extension', resolve(vsix),
      '--force',
    ],
    { timeout: 120_000 },
  );
  const out = stdout + stderr;
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed:\n${out}`);
  return out;
}

/** Packages an extension folder with vsce (offline: no dependency detection). Returns the .vsix path. */
export async function packageExtension(extensionDir: string, outFile: string): Promise<string> {
  const vsce = join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
  await execFileAsync(
    vsce,
    ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', resolve(outFile)],
    { cwd: extensionDir, timeout: 120_000 },
  );
  return resolve(outFile);
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  const why = e2eUnavailable();
  if (why) throw new Error(why);
  const timeout = opts.startTimeoutMs ?? 120_000;
  const temp = mkdtempSync(join(tmpdir(), 'sl-e2e-'));
  const workspace = resolve(opts.workspace);
  const userDataDir = resolve(opts.userDataDir ?? join(temp, 'user-data'));
  const extensionsDir = resolve(opts.extensionsDir ?? join(temp, 'extensions'));
  for (const d of [workspace, userDataDir, extensionsDir, join(userDataDir, 'User')]) mkdirSync(d, { recursive: true });
  // An explicit (empty) config keeps code-server from writing ~/.config/code-server/config.yaml.
  const configFile = join(temp, 'config.yaml');
  writeFileSync(configFile, '');
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.restrictedMode ? RESTRICTED_MODE_SETTINGS : {}), ...opts.settings }, null, 2),
  );
  if (opts.vsix) await installVsix(opts.vsix, extensionsDir, userDataDir, configFile);

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Keep code-server's own state (coder.json, heartbeat) out of the real home.
    XDG_CONFIG_HOME: join(temp, 'xdg-config'),
    XDG_DATA_HOME: join(temp, 'xdg-data'),
    ...opts.env,
  };
  // The test runner's loader flags must not reach code-server or the extension host.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const proc = spawn(
    process.execPath,
    [
      join(codeServerDir(), 'out/node/entry.js'),
      '--config', configFile,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.restrictedMode ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(opts.logLevel ? ['--log', opts.logLevel] : []),
      workspace,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const cs = new CodeServer(proc, port, workspace, userDataDir, extensionsDir, temp, opts.keepTemp ?? false);
  live.add(cs);
  try {
    await waitForHttp(`${cs.url}/healthz`, timeout, proc, () => cs.serverLog());
    await cs.openBrowser(timeout);
  } catch (e) {
    await cs.screenshot('startup-failure').catch(() => undefined);
    await cs.close();
    throw e;
  }
  return cs;
}

export class CodeServer {
  readonly url: string;
  browser: Browser | undefined;
  private pageOrUndefined: Page | undefined;
  private readonly logChunks: string[] = [];
  private readonly pageErrors: string[] = [];
  private closed = false;

  constructor(
    readonly proc: ChildProcess,
    readonly port: number,
    readonly workspace: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    private readonly temp: string,
    private readonly keepTemp: boolean,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    proc.stdout?.on('data', (d: Buffer) => this.logChunks.push(d.toString()));
    proc.stderr?.on('data', (d: Buffer) => this.logChunks.push(d.toString()));
  }

  /** The process group id of code-server and everything it forked (extension host, model server...). */
  get pgid(): number {
    return this.proc.pid!;
  }

  get page(): Page {
    if (!this.pageOrUndefined) throw new Error('the browser page is not open');
    return this.pageOrUndefined;
  }

  /** code-server's stdout and stderr so far. */
  serverLog(): string {
    return this.logChunks.join('');
  }

  /** Uncaught errors from the workbench page. */
  pageErrorLog(): readonly string[] {
    return this.pageErrors;
  }

  /**
   * The extension host's log files (including each extension's output channel files), concatenated.
   * Handy in a failing assertion: `assert.ok(x, cs.extensionHostLog())`.
   */
  extensionHostLog(): string {
    const out: string[] = [];
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/exthost/i.test(p) && p.endsWith('.log')) out.push(`==> ${p} <==\n${readFileSync(p, 'utf8')}`);
      }
    };
    walk(join(this.userDataDir, 'logs'));
    return out.join('\n');
  }

  /** @internal */
  async openBrowser(timeoutMs: number): Promise<void> {
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    // tsx (esbuild, keepNames) wraps named functions in test code as __name(fn, "name"); functions
    // passed to page.evaluate carry that call into the page, where it is undefined.
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    await context.addInitScript(VIEW_LINE_NUMBERS);
    const page = await context.newPage();
    page.on('pageerror', (e) => this.pageErrors.push(String(e)));
    this.pageOrUndefined = page;
    await page.goto(`${this.url}/?folder=${encodeURIComponent(this.workspace)}`, { timeout: timeoutMs });
    await this.waitForWorkbench(timeoutMs);
  }

  /** Waits until the workbench is laid out and the remote extension host has connected. */
  async waitForWorkbench(timeoutMs = 120_000): Promise<void> {
    const page = this.page;
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    // The explorer shows the folder once the remote file system is connected.
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ state: 'attached', timeout: timeoutMs });
    // The remote indicator / status bar settles once the extension host is up; wait for any
    // progress in the status bar to clear.
    await page.waitForFunction(() => !document.querySelector('.monaco-workbench .part.statusbar .codicon-loading'), undefined, {
      timeout: timeoutMs,
    });
  }

  // ---- quick input -------------------------------------------------------------------------

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /**
   * Opens the quick input (F1) and replaces its value: '>' + title for commands, a file path for
   * quick open, ':' + line for go-to-line. Waits for the widget, not for time.
   */
  private async quickOpen(value: string): Promise<Locator> {
    const widget = this.quickInput();
    if (await widget.isVisible()) {
      await this.page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden' });
    }
    await this.page.keyboard.press('F1');
    await widget.waitFor({ state: 'visible' });
    const input = widget.locator('.quick-input-box input');
    await input.fill(value);
    return widget;
  }

  /** Runs a command by its palette title ("Category: Title"), as a user would: F1, type, Enter. */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const widget = await this.quickOpen(`>${title}`);
    // Wait for a row whose label is exactly the title, focus it, then Enter.
    const rows = widget.locator('.quick-input-list .monaco-list-row');
    const row = rows.filter({ has: this.page.locator('.label-name', { hasText: exactText(title) }) }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await row.click();
    // The palette has done its job once it closes, or once a command reuses the widget for its
    // own quick pick (Find Similar Sentences does, at once when the machine is busy).
    const input = widget.locator('.quick-input-box input');
    await this.page.waitForFunction(
      ([w, i]) => !w || (w as HTMLElement).offsetParent === null || !(i as HTMLInputElement | null)?.value.startsWith('>'),
      [await widget.elementHandle(), await input.elementHandle()] as const,
      { timeout: timeoutMs },
    );
  }

  /**
   * Developer: Reload Window, as a user runs it from the palette, then waits for the new workbench.
   * Unlike a browser reload, the command shuts the workbench down as VS Code expects, saving its
   * state first (open editors, webview state for panel serializers). runCommand cannot be used:
   * the page navigates away before the palette can be seen closing.
   */
  async reloadWindow(timeoutMs = 120_000): Promise<void> {
    const widget = await this.quickOpen('>Developer: Reload Window');
    const row = widget
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactText('Developer: Reload Window') }) })
      .first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await Promise.all([this.page.waitForEvent('load', { timeout: timeoutMs }), row.click()]);
    await this.waitForWorkbench(timeoutMs);
  }

  /** Opens a workspace file with quick open and waits for its editor tab to be active. */
  async openFile(relPath: string, timeoutMs = 30_000): Promise<void> {
    const name = basename(relPath);
    const widget = await this.quickOpen(relPath);
    const row = widget
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactText(name) }) })
      .first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await row.click();
    await widget.waitFor({ state: 'hidden', timeout: timeoutMs });
    await this.page
      .locator('.tabs-container .tab.active', { hasText: name })
      .waitFor({ state: 'visible', timeout: timeoutMs });
    await this.activeEditor().locator('.view-lines').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** The focused text editor in the active editor group. */
  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor[data-uri]').first();
  }

  /** Moves the cursor with Go to Line (1-based line and optional column) and focuses the editor. */
  async setCursor(line: number, column?: number): Promise<void> {
    const widget = await this.quickOpen(column === undefined ? `:${line}` : `:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await widget.waitFor({ state: 'hidden' });
  }

  /** Selects whole lines from..to (1-based, inclusive), excluding the final line break. */
  async selectLines(from: number, to = from): Promise<void> {
    await this.setCursor(from, 1);
    for (let i = from; i < to; i++) await this.page.keyboard.press('Shift+ArrowDown');
    await this.page.keyboard.press('Shift+End');
  }

  /**
   * Selects from (startLine, startColumn) to (endLine, endColumn), 1-based, end exclusive as in
   * VS Code. Checked against the status bar's "Ln x, Col y", so indentation and Home's toggling
   * do not matter.
   */
  async selectRange(startLine: number, startColumn: number, endLine: number, endColumn: number): Promise<void> {
    await this.setCursor(startLine, startColumn);
    for (let i = startLine; i < endLine; i++) await this.page.keyboard.press('Shift+ArrowDown');
    // The status bar updates a moment after the keys: wait for it rather than read it once.
    let pos = await this.waitForCursor((p) => p.line === endLine, `line ${endLine}`);
    for (let n = Math.abs(endColumn - pos.column); n > 0; n--) {
      await this.page.keyboard.press(pos.column < endColumn ? 'Shift+ArrowRight' : 'Shift+ArrowLeft');
    }
    pos = await this.waitForCursor((p) => p.line === endLine && p.column === endColumn, `line ${endLine}, column ${endColumn}`);
  }

  /** Waits until the status bar's cursor position satisfies `ok`; returns it. */
  async waitForCursor(
    ok: (p: { line: number; column: number; selected: number }) => boolean,
    what = 'the expected cursor position',
    timeoutMs = 10_000,
  ): Promise<{ line: number; column: number; selected: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pos = await this.cursorPosition();
      if (ok(pos)) return pos;
      if (Date.now() > deadline) throw new Error(`cursor did not reach ${what}; it is at ${JSON.stringify(pos)}`);
      await this.page.waitForTimeout(50);
    }
  }

  /** The active cursor's 1-based position, read from the status bar ("Ln 2, Col 26 (25 selected)"). */
  async cursorPosition(): Promise<{ line: number; column: number; selected: number }> {
    const item = this.page.locator('[id="status.editor.selection"]');
    await item.waitFor({ state: 'visible' });
    const text = (await item.innerText()).trim();
    const m = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(text);
    if (!m) throw new Error(`cannot read the cursor position from the status bar: "${text}"`);
    return { line: Number(m[1]), column: Number(m[2]), selected: Number(m[3] ?? 0) };
  }

  /** Selects the whole document in the active editor. */
  async selectAll(): Promise<void> {
    await this.activeEditor().locator('.view-lines').click();
    await this.page.keyboard.press('Control+A');
  }

  /** The active editor's visible text (view lines joined by '\n', non-breaking spaces undone). */
  async editorText(): Promise<string> {
    return this.activeEditor().evaluate((ed) => {
      const lines = [...ed.querySelectorAll<HTMLElement>('.view-lines .view-line')];
      lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
      return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
    });
  }

  // ---- context menu ------------------------------------------------------------------------

  /**
   * Opens the editor context menu. By default with Shift+F10 at the cursor, which keeps the
   * selection; `{ at: 'selection' }` right-clicks the middle of the selection instead.
   */
  async contextMenu(opts: { at?: 'cursor' | 'selection' } = {}): Promise<Locator> {
    if (opts.at === 'selection') {
      const sel = this.activeEditor().locator('.selected-text').first();
      const box = await sel.boundingBox();
      if (!box) throw new Error('no selection to right-click');
      await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2, { button: 'right' });
    } else {
      await this.page.keyboard.press('Shift+F10');
    }
    // VS Code renders menus in a shadow root; playwright's CSS engine pierces open shadow roots.
    const menu = this.page.locator('.monaco-menu').first();
    await menu.waitFor({ state: 'visible' });
    return menu;
  }

  /** Labels of the open context menu's items. */
  async menuItems(): Promise<string[]> {
    const labels = await this.page.locator('.monaco-menu .action-item:not(.disabled) .action-label').allTextContents();
    return labels.map((l) => l.trim()).filter(Boolean);
  }

  /** Clicks an item of the open context menu by its exact label. */
  async clickMenuItem(label: string): Promise<void> {
    const item = this.page.locator('.monaco-menu .action-item .action-label', { hasText: exactText(label) }).first();
    const menu = this.page.locator('.monaco-menu').first();
    await item.waitFor({ state: 'visible' });
    // A click that lands while the menu is still laying itself out (seen on a loaded 2-core
    // machine) leaves it open; the item is then chosen with the keyboard, as a user could.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt === 0) await item.click();
      else {
        await item.hover();
        await this.page.keyboard.press('Enter');
      }
      try {
        await menu.waitFor({ state: 'hidden', timeout: 5_000 });
        return;
      } catch {
        if (!(await menu.isVisible())) return;
      }
    }
    await menu.waitFor({ state: 'hidden' });
  }

  // ---- reading the page --------------------------------------------------------------------

  /** Waits for a locator, or for an element whose text contains the string / matches the RegExp. */
  async waitForText(target: string | RegExp | Locator, timeoutMs = 30_000): Promise<Locator> {
    const loc = typeof target === 'string' || target instanceof RegExp ? this.page.getByText(target).first() : target;
    await loc.waitFor({ state: 'visible', timeout: timeoutMs });
    return loc;
  }

  /** Messages of the notification toasts currently shown. */
  async notifications(): Promise<string[]> {
    const texts = await this.page
      .locator('.notifications-toasts .notification-toast .notification-list-item-message')
      .allTextContents();
    return texts.map((t) => t.trim());
  }

  /** Waits until a notification toast contains the text (or matches). Returns its message. */
  async waitForNotification(match: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const loc = this.page
      .locator('.notifications-toasts .notification-toast .notification-list-item-message')
      .filter({ hasText: match })
      .first();
    await loc.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await loc.textContent())?.trim() ?? '';
  }

  /** Clicks a button (e.g. "OK", "Retry") on the notification toast whose message matches. */
  async clickNotificationButton(match: string | RegExp, button: string): Promise<void> {
    const toast = this.page
      .locator('.notifications-toasts .notification-toast')
      .filter({ has: this.page.locator('.notification-list-item-message', { hasText: match }) })
      .first();
    await toast.locator('.monaco-button', { hasText: exactText(button) }).first().click();
    await toast.waitFor({ state: 'hidden' });
  }

  /**
   * The content of a visible webview (`index` among the visible ones, default the first). VS Code
   * nests the webview's document in two iframes (iframe.webview > iframe#active-frame) and the
   * outer one carries no title. Use it like a page: `cs.webview().locator('h1')`.
   */
  webview(index = 0): FrameLocator {
    return this.page
      .locator('iframe.webview.ready')
      .filter({ visible: true })
      .nth(index)
      .contentFrame()
      .locator('iframe#active-frame')
      .contentFrame();
  }

  /** Dismisses all notification toasts. */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  /**
   * Texts of decorations rendered with `before`/`after.contentText` in the active editor.
   * VS Code renders them as CSS ::before/::after content on spans inside `.view-line`, with the
   * text in a generated `ced-*` CSS rule, so they never appear in textContent.
   */
  async afterDecorations(): Promise<DecorationText[]> {
    return this.activeEditor().evaluate((ed) => {
      const unquote = (c: string): string | undefined => {
        if (!c || c === 'none' || c === 'normal') return undefined;
        if (c.startsWith('"') && c.endsWith('"')) {
          return c.slice(1, -1).replace(/\\([0-9a-fA-F]{1,6}) ?|\\(.)/g, (_m, hex: string | undefined, ch: string | undefined) =>
            hex ? String.fromCodePoint(parseInt(hex, 16)) : (ch ?? ''),
          );
        }
        return c;
      };
      const numbers = (globalThis as unknown as { __slViewLineNumbers: (ed: Element) => Map<Element, number> }).__slViewLineNumbers(ed);
      const out: { line: number; where: 'before' | 'after'; text: string }[] = [];
      for (const line of ed.querySelectorAll<HTMLElement>('.view-lines .view-line')) {
        const lineNo = numbers.get(line)!;
        for (const span of line.querySelectorAll('span')) {
          for (const where of ['before', 'after'] as const) {
            const text = unquote(getComputedStyle(span, `::${where}`).content);
            if (text !== undefined) out.push({ line: lineNo, where, text });
          }
        }
      }
      out.sort((a, b) => a.line - b.line);
      return out;
    });
  }

  /**
   * Texts of inlay hints in the active editor, in document order. VS Code injects them into the
   * line as spans whose class is a generated `dyn-rule-*` style (the hint's font and padding),
   * so unlike after-text decorations they take part in word wrap.
   */
  async inlayHints(): Promise<DecorationText[]> {
    return this.activeEditor().evaluate((ed) => {
      const numbers = (globalThis as unknown as { __slViewLineNumbers: (ed: Element) => Map<Element, number> }).__slViewLineNumbers(ed);
      const out: { line: number; where: 'inlay'; text: string; top: number; left: number }[] = [];
      for (const line of ed.querySelectorAll<HTMLElement>('.view-lines .view-line')) {
        for (const span of line.querySelectorAll<HTMLElement>('span[class*="dyn-rule-"]')) {
          const text = (span.textContent ?? '').replace(/\u00a0/g, ' ').trim();
          if (text) out.push({ line: numbers.get(line)!, where: 'inlay', text, top: parseFloat(line.style.top), left: span.offsetLeft });
        }
      }
      out.sort((a, b) => a.top - b.top || a.left - b.left);
      return out.map(({ line, where, text }) => ({ line, where, text }));
    });
  }

  /** Every label the editor shows next to text: inlay hints and before/after decorations, by line. */
  async decorationTexts(): Promise<DecorationText[]> {
    const all = [...(await this.inlayHints()), ...(await this.afterDecorations())];
    return all.sort((a, b) => a.line - b.line);
  }

  /**
   * The annotations shown in the active editor (inlay hints and after-text decorations), by
   * line. Tests read them through this (and waitForAnnotations) so that only this needs to
   * change if they are rendered another way.
   */
  async annotations(): Promise<AnnotationText[]> {
    return (await this.decorationTexts()).map(({ line, text }) => ({ line, text }));
  }

  /** Waits until the active editor's annotations satisfy `ok`; returns them. */
  async waitForAnnotations(ok: (annotations: AnnotationText[]) => boolean, what: string, timeoutMs = 60_000): Promise<AnnotationText[]> {
    return this.poll(async () => {
      const a = await this.annotations();
      return ok(a) ? a : undefined;
    }, what, timeoutMs, async () => `annotations: ${JSON.stringify(await this.annotations())}`);
  }

  /** poll() (below), for tests that hold a CodeServer. */
  poll<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000, detail?: () => Promise<string> | string): Promise<T> {
    return poll(probe, what, timeoutMs, detail);
  }

  /**
   * The lines of an extension's output channel (a LogOutputChannel writes "DATE TIME [level] text"),
   * from its log file under the user data folder.
   */
  outputChannelLines(channel: string): string[] {
    const out: string[] = [];
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith(`${channel}.log`)) out.push(...readFileSync(p, 'utf8').split('\n').filter(Boolean));
      }
    };
    walk(join(this.userDataDir, 'logs'));
    return out;
  }

  /**
   * Model server processes (`dist/server.js`) started from this code-server's extensions folder.
   * A failure to list processes is an error, never "none".
   */
  modelServerPids(): number[] {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    if (!out.trim()) throw new Error('ps listed no processes at all');
    return out
      .split('\n')
      .filter((l) => l.includes(this.extensionsDir) && l.includes('dist/server.js'))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
  }

  /**
   * Chooses `path` in VS Code's own open dialog (files.simpleDialog.enable, set by
   * DEFAULT_SETTINGS), which shows in the quick input: types the path and presses the dialog's
   * OK button (Enter would open a folder inside the dialog instead of choosing it).
   */
  async chooseInOpenDialog(path: string, timeoutMs = 30_000): Promise<void> {
    const widget = this.quickInput();
    const input = widget.locator('.quick-input-box input');
    // The dialog takes over the quick input, starting from a folder's path.
    await this.poll(async () => ((await input.inputValue()).startsWith('/') ? true : undefined), 'the open dialog', timeoutMs);
    // The dialog lists its start folder asynchronously and then rewrites the input with that
    // folder: type only once the listing is shown, and again if the input was rewritten.
    await widget.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
    await this.poll(async () => {
      if ((await input.inputValue()) !== path) await input.fill(path);
      return (await input.inputValue()) === path ? true : undefined;
    }, 'the dialog to take the path', timeoutMs);
    await widget.locator('.monaco-button', { hasText: /^\s*OK\s*$/ }).first().click();
    await widget.waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** Waits until a status bar item's text (icons left out) satisfies `ok`; returns the text. */
  async waitForStatusBarText(id: string, ok: (text: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const item = this.page.locator(`.part.statusbar [id*="${id}" i]`);
    return this.poll(async () => {
      const text = (await item.innerText()).trim();
      return ok(text) ? text : undefined;
    }, what, timeoutMs, async () => `status bar item ${id}: "${(await item.innerText().catch(() => '?')).trim()}"`);
  }

  /** Waits until some decoration or inlay hint text contains the string / matches the RegExp. */
  async waitForDecoration(match: string | RegExp, timeoutMs = 30_000): Promise<DecorationText> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.decorationTexts()).find((d) =>
        typeof match === 'string' ? d.text.includes(match) : match.test(d.text),
      );
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no decoration matching ${String(match)} within ${timeoutMs} ms; have: ${JSON.stringify(await this.decorationTexts())}`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  /**
   * Hovers the mouse over the first occurrence of `text` in the active editor and returns the
   * hover widget's text once it shows.
   */
  async hover(text: string, timeoutMs = 30_000): Promise<string> {
    await this.page.mouse.move(0, 0); // leave any earlier hover
    const hover = this.page.locator('.monaco-hover:not(.hidden)').first();
    await hover.waitFor({ state: 'hidden', timeout: timeoutMs }).catch(() => undefined);
    const box = await this.activeEditor().evaluate((ed, needle) => {
      for (const line of ed.querySelectorAll('.view-lines .view-line')) {
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = (n.textContent ?? '').replace(/\u00a0/g, ' ').indexOf(needle);
          if (i < 0) continue;
          const range = document.createRange();
          range.setStart(n, i);
          range.setEnd(n, i + needle.length);
          const r = range.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        }
      }
      return undefined;
    }, text);
    if (!box) throw new Error(`"${text}" is not visible in the active editor`);
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
    await hover.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await hover.innerText()).trim();
  }

  /** Saves a full-page screenshot to test-artifacts/e2e/NAME.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** True while any process of code-server's group is alive. */
  isAlive(): boolean {
    try {
      process.kill(-this.pgid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** @internal Synchronous last resort on process exit. */
  killNow(): void {
    try {
      process.kill(-this.pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Closes the browser, then stops code-server's whole process group (TERM, then KILL after 10 s). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.browser?.close().catch(() => undefined);
    if (this.isAlive()) {
      try {
        process.kill(-this.pgid, 'SIGTERM');
      } catch {
        // already gone
      }
      const deadline = Date.now() + 10_000;
      while (this.isAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (this.isAlive()) this.killNow();
      const hard = Date.now() + 5_000;
      while (this.isAlive() && Date.now() < hard) await new Promise((r) => setTimeout(r, 100));
    }
    live.delete(this);
    if (!this.keepTemp) rmSync(this.temp, { recursive: true, force: true });
  }
}

/** A RegExp that matches exactly the given text (for playwright's hasText). */
function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/**
 * Polls `probe` (every 200 ms: the condition is in another process, which sends no event here)
 * until it returns something other than undefined; fails after `timeoutMs` saying what it waited
 * for (and `detail()`, when given). Errors thrown by `probe` count as "not yet" and the last one
 * is reported.
 */
export async function poll<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000, detail?: () => Promise<string> | string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}${detail ? `; ${await detail()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
