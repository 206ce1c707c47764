/** The HTML report's page: data that cannot break out of its script element, a CSP naming the script's hash. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { reportHtml } from '../../src/cli/map/report-html.js';
import type { SentenceMapData } from '../../src/engine/map/map-data.js';
import { LIGHT } from '../../src/webview/map/themes.js';

const hostile = 'He wrote </script><script>alert(1)</script> & left \u2028 a line separator.';
const data: SentenceMapData = {
  texts: [hostile, 'Plain.'],
  xy: [0, 0, 1, 1],
  method: 'pca',
  params: { components: 2 },
  tasks: [],
  values: {},
  notes: [],
  timings: { embedMs: 0, projectMs: 0 },
};

test('sentences with </script> stay data; the title is escaped; the CSP allows exactly the inline script', () => {
  const script = 'console.log("map</script>");';
  const html = reportHtml(data, { title: 'Map of <b>x</b>', theme: LIGHT, script });
  const json = /<script type="application\/json" id="map-data">(.*?)<\/script>/s.exec(html)![1]!;
  assert.deepEqual(JSON.parse(json).texts, data.texts);
  assert.equal((html.match(/<script/g) ?? []).length, 3, 'two JSON blocks and the one script, nothing injected');
  assert.match(html, /<title>Map of &#60;b&#62;x&#60;\/b&#62;<\/title>/);
  const inline = /<script>(.*?)<\/script>\n<\/body>/s.exec(html)![1]!;
  assert.equal(inline, 'console.log("map<\\/script>");');
  const hash = createHash('sha256').update(inline, 'utf8').digest('base64');
  assert.match(html, new RegExp(`script-src 'sha256-${hash.replace(/[+/]/g, (c) => `\\${c}`)}'`));
  assert.match(html, /default-src 'none'/);
});
