// Proves the code-server harness end to end with a tiny fixture extension: packaging with vsce,
// installing into code-server, palette and context-menu commands, after-text decorations,
// hover, notifications, screenshots and a clean shutdown.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { e2eSkip, packageExtension, startCodeServer, type CodeServer } from './harness.js';

const FIXTURE = fileURLToPath(new URL('./fixture-extension', import.meta.url));

test('code-server harness smoke test', { timeout: 600_000, skip: e2eSkip() }, async (t) => {
  const temp = mkdtempSync(join(tmpdir(), 'sl-smoke-'));
  const workspace = join(temp, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'notes.txt'), 'The first line.\nA second line about cats.\nThird and last.\n');
  let cs: CodeServer | undefined;
  t.after(async () => {
    await cs?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  const vsix = await packageExtension(FIXTURE, join(temp, 'fixture.vsix'));
  cs = await startCodeServer({ workspace, vsix });
  await cs.screenshot('smoke-01-workbench');

  await cs.openFile('notes.txt');
  assert.match(await cs.editorText(), /^The first line\.\nA second line about cats\.\nThird and last\./);

  await t.test('command from the palette decorates line 1', async () => {
    await cs!.runCommand('Fixture: Decorate');
    const deco = await cs!.waitForDecoration('hello 92%');
    assert.equal(deco.line, 1);
    assert.equal(deco.where, 'after');
    assert.match(await cs!.waitForNotification('Fixture: decorated (run 1'), /no selection/);
    await cs!.screenshot('smoke-02-palette');
    await cs!.clearNotifications();
  });

  await t.test('command from the editor context menu sees the selection', async () => {
    await cs!.selectLines(2);
    await cs!.contextMenu();
    // Menus show the command's title without its category.
    assert.ok((await cs!.menuItems()).includes('Decorate'), (await cs!.menuItems()).join(', '));
    await cs!.screenshot('smoke-03-context-menu');
    await cs!.clickMenuItem('Decorate');
    const deco = await cs!.waitForDecoration('selected: A second line about cats.');
    assert.equal(deco.line, 2);
    assert.match(await cs!.waitForNotification('Fixture: decorated (run 2'), /25 chars selected/);
    const texts = (await cs!.afterDecorations()).map((d) => d.text);
    assert.ok(texts.includes('hello 92%'), JSON.stringify(texts));
    await cs!.screenshot('smoke-04-decorations');
  });

  await t.test('selectRange selects across lines', async () => {
    await cs!.clearNotifications();
    await cs!.selectRange(2, 3, 3, 6);
    assert.deepEqual(await cs!.cursorPosition(), { line: 3, column: 6, selected: 29 });
    await cs!.runCommand('Fixture: Decorate');
    assert.match(await cs!.waitForNotification('Fixture: decorated (run 3'), /29 chars selected/);
    // The decoration's text is cut at the newline of the selection (CSS content shows one line).
    const deco = await cs!.waitForDecoration('selected: second line about cats.');
    assert.equal(deco.line, 3);
  });

  await t.test('hover shows the provider content', async () => {
    const text = await cs!.hover('cats');
    assert.match(text, /Fixture hover: cats/);
    await cs!.screenshot('smoke-05-hover');
  });

  await t.test('webview content is reachable and posts messages back', async () => {
    await cs!.clearNotifications();
    await cs!.runCommand('Fixture: Show Webview');
    await cs!.waitForText(cs!.page.locator('.tab.active', { hasText: 'Fixture Webview' }));
    const view = cs!.webview();
    await cs!.waitForText(view.locator('#title', { hasText: 'fixture webview' }));
    await view.locator('#ping').click();
    await cs!.waitForNotification('Fixture: webview ping');
    await cs!.screenshot('smoke-06-webview');
    await cs!.clickNotificationButton('Fixture: webview ping', 'OK');
    assert.deepEqual(await cs!.notifications(), []);
  });

  await t.test('close leaves no code-server process behind', async () => {
    const pgid = cs!.pgid;
    assert.ok(cs!.isAlive());
    await cs!.close();
    assert.equal(cs!.isAlive(), false, `process group ${pgid} survived close()`);
  });
});
