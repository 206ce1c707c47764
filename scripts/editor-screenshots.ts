// Screenshots of issue 11's items 1 and 2 with a given .vsix, so a build before the change and
// one after can be compared in the same frame:
//   node --import tsx scripts/editor-screenshots.ts dist/sentence-lens-linux-x64.vsix after
// writes test-artifacts/e2e/{wrap,markdown}-TAG.png and a copy in media/screenshots/.
// Needs code-server (scripts/setup-code-server.sh) and chromium, as the e2e tests do.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ARTIFACTS_DIR, type CodeServer, REPO_ROOT, startCodeServer } from '../test/e2e/harness.js';

const [vsix, tag] = process.argv.slice(2);
if (!vsix || !tag) throw new Error('usage: editor-screenshots.ts VSIX TAG');
const SENTENCES = ['The soup was warm and full of fresh vegetables.', 'Our team won the football match in extra time.', 'She reads a novel every week on the train.', 'The referee showed him a red card.'];
const LONG = [...Array.from({ length: 23 }, (_, i) => SENTENCES[i % 4]!), 'The story ended with zebras.'].join(' ');
const MARKDOWN = `---
title: Front matter is not prose.
---
# A heading about great food

The soup was warm. Dr. Smith ate 3.5 kg of pasta.

- Our team won the match in [extra time](https://example.com/a-long-url).

\`\`\`js
const notProse = "The soup was cold.";
\`\`\`

| The soup was cold. | We lost. |
|---|---|
| A table cell. | Another one. |
`;

async function waitLabels(cs: CodeServer, n: number): Promise<void> {
  const end = Date.now() + 120_000;
  while ((await cs.decorationTexts()).length < n && Date.now() < end) await cs.page.waitForTimeout(250);
  await cs.page.waitForTimeout(500); // let the last paint settle before the picture
}

const temp = mkdtempSync(join(tmpdir(), 'sl-shots-'));
const workspace = join(temp, 'ws');
mkdirSync(workspace);
writeFileSync(join(workspace, 'long.txt'), `${LONG}\n`);
writeFileSync(join(workspace, 'reading.md'), MARKDOWN);
const cs = await startCodeServer({
  workspace,
  vsix: resolve(vsix),
  // The bundled offline model: real labels, both sentiments.
  settings: { 'sentenceLens.device': 'cpu', 'editor.wordWrap': 'on', 'workbench.activityBar.location': 'hidden', 'workbench.sideBar.location': 'right' },
});
try {
  await cs.page.setViewportSize({ width: 900, height: 560 });
  await cs.runCommand('View: Close Primary Side Bar').catch(() => undefined);
  const media = join(REPO_ROOT, 'media', 'screenshots');
  mkdirSync(media, { recursive: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const [file, name, n] of [['long.txt', 'wrap', 24], ['reading.md', 'markdown', 3]] as const) {
    await cs.openFile(file);
    await cs.runCommand('Sentence Lens: Annotate Document');
    await waitLabels(cs, n);
    const out = join(ARTIFACTS_DIR, `${name}-${tag}.png`);
    await cs.page.locator('.editor-group-container.active').screenshot({ path: out });
    copyFileSync(out, join(media, `${name}-${tag}.png`));
    console.log(out);
  }
} finally {
  await cs.close();
  rmSync(temp, { recursive: true, force: true });
}
