import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

const CSV_PATH = fileURLToPath(new URL('../../models/sentences.csv', import.meta.url));
const TOPICS = ['food', 'sports', 'reading'] as const;
const SENTIMENTS = ['positive', 'negative'] as const;
const DEMO_SENTENCES = ["Well that's a bit far-fetched", 'Go fetch boy', 'Rewards, rewards, rewards'];

const raw = readFileSync(CSV_PATH, 'utf8');
const records: string[][] = parse(raw, { skip_empty_lines: true, relax_column_count: false });
const header = records[0] ?? [];
const rows = records.slice(1);

const wordCount = (s: string): number => s.trim().split(/\s+/).filter((w) => w.length > 0).length;
const norm = (s: string): string => s.trim().toLowerCase();

test('file is UTF-8 without BOM and uses LF line endings', () => {
  assert.notEqual(raw.charCodeAt(0), 0xfeff, 'file starts with a BOM');
  assert.ok(!raw.includes('\r'), 'file contains CR characters');
});

test('header is exactly sentence,topic,sentiment', () => {
  assert.deepEqual(header, ['sentence', 'topic', 'sentiment']);
});

test('has at least 600 rows, each with three non-empty fields', () => {
  assert.ok(rows.length >= 600, `only ${rows.length} rows`);
  for (const [i, r] of rows.entries()) {
    assert.equal(r.length, 3, `row ${i + 2} has ${r.length} fields`);
    assert.ok((r[0] ?? '').trim().length > 0, `row ${i + 2} has an empty sentence`);
  }
});

test('every label is valid', () => {
  for (const [i, [, topic, sentiment]] of rows.entries()) {
    assert.ok((TOPICS as readonly string[]).includes(topic ?? ''), `row ${i + 2}: bad topic ${topic}`);
    assert.ok(
      (SENTIMENTS as readonly string[]).includes(sentiment ?? ''),
      `row ${i + 2}: bad sentiment ${sentiment}`,
    );
  }
});

test('each topic x sentiment combination has at least 95 rows', () => {
  const counts = new Map<string, number>();
  for (const [, topic, sentiment] of rows) {
    const key = `${topic}/${sentiment}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const t of TOPICS) {
    for (const s of SENTIMENTS) {
      const n = counts.get(`${t}/${s}`) ?? 0;
      assert.ok(n >= 95, `${t}/${s} has only ${n} rows`);
    }
  }
});

test('no case-insensitive duplicate sentences', () => {
  const seen = new Map<string, number>();
  for (const [i, [sentence]] of rows.entries()) {
    const key = norm(sentence ?? '');
    const prev = seen.get(key);
    assert.equal(prev, undefined, `row ${i + 2} duplicates row ${prev}: ${sentence}`);
    seen.set(key, i + 2);
  }
});

test('the demo sentences are not in the training data', () => {
  const all = new Set(rows.map(([s]) => norm(s ?? '')));
  for (const demo of DEMO_SENTENCES) {
    assert.ok(!all.has(norm(demo)), `demo sentence present: ${demo}`);
  }
});

test('sentence lengths have a wide spread', () => {
  const lengths = rows.map(([s]) => wordCount(s ?? ''));
  const min = Math.min(...lengths);
  const max = Math.max(...lengths);
  assert.ok(min <= 5, `shortest sentence has ${min} words`);
  assert.ok(max >= 40, `longest sentence has ${max} words`);
});

const HELDOUT_PATH = fileURLToPath(new URL('../../models/heldout.csv', import.meta.url));
const PARAPHRASE_PATH = fileURLToPath(new URL('../../models/paraphrases.csv', import.meta.url));
const heldRecords: string[][] = parse(readFileSync(HELDOUT_PATH, 'utf8'), { skip_empty_lines: true });
const heldRows = heldRecords.slice(1);
const paraRecords: string[][] = parse(readFileSync(PARAPHRASE_PATH, 'utf8'), { skip_empty_lines: true });

test('the training data has grown to thousands of sentences', () => {
  assert.ok(rows.length >= 2000, `only ${rows.length} rows`);
});

test('the held-out set is balanced, labelled like the training data, and shares no sentence with it', () => {
  assert.deepEqual(heldRecords[0], ['sentence', 'topic', 'sentiment']);
  assert.ok(heldRows.length >= 300, `only ${heldRows.length} held-out rows`);
  const train = new Set(rows.map(([s]) => norm(s ?? '')));
  const counts = new Map<string, number>();
  for (const [i, [sentence, topic, sentiment]] of heldRows.entries()) {
    assert.ok(!train.has(norm(sentence ?? '')), `held-out row ${i + 2} is also in sentences.csv: ${sentence}`);
    assert.ok((TOPICS as readonly string[]).includes(topic ?? '') && (SENTIMENTS as readonly string[]).includes(sentiment ?? ''), `held-out row ${i + 2}: labels ${topic}/${sentiment}`);
    counts.set(`${topic}/${sentiment}`, (counts.get(`${topic}/${sentiment}`) ?? 0) + 1);
  }
  for (const n of counts.values()) assert.ok(n >= 50);
  assert.equal(new Set(heldRows.map(([s]) => norm(s ?? ''))).size, heldRows.length, 'no duplicates');
});

test('paraphrase pairs are distinct sentences that appear in neither labelled file', () => {
  assert.deepEqual(paraRecords[0], ['sentence', 'paraphrase']);
  const pairs = paraRecords.slice(1);
  assert.ok(pairs.length >= 50);
  const labelled = new Set([...rows, ...heldRows].map(([s]) => norm(s ?? '')));
  for (const [a, b] of pairs) {
    assert.notEqual(norm(a!), norm(b!));
    assert.ok(!labelled.has(norm(a!)) && !labelled.has(norm(b!)), `${a} / ${b}`);
  }
});
