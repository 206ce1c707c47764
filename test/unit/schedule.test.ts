import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LrSchedule, warmupStepsFor } from '../../src/engine/train/schedule.js';
import { SentenceLensError } from '../../src/engine/errors.js';

// Expected values from the Hugging Face formulas (see schedule.ts), base 1e-3, T = 10, W = 2.
function near(a: number, e: number, what: string): void {
  assert.ok(Math.abs(a - e) <= 1e-15 + 1e-12 * Math.abs(e), `${what}: ${a} vs ${e}`);
}

test('linear warmup then linear decay (get_linear_schedule_with_warmup)', () => {
  const s = new LrSchedule({ baseLr: 1e-3, totalSteps: 10, warmup: { steps: 2 }, decay: 'linear' });
  const expected: Record<number, number> = { 0: 0, 1: 5e-4, 2: 1e-3, 3: 8.75e-4, 6: 5e-4, 9: 1.25e-4, 10: 0, 12: 0 };
  for (const [k, e] of Object.entries(expected)) near(s.lrAt(Number(k)), e, `step ${k}`);
});

test('cosine decay (get_cosine_schedule_with_warmup, num_cycles 0.5)', () => {
  const s = new LrSchedule({ baseLr: 1e-3, totalSteps: 10, warmup: { steps: 2 }, decay: 'cosine' });
  near(s.lrAt(0), 0, 'step 0');
  near(s.lrAt(1), 5e-4, 'step 1');
  near(s.lrAt(2), 1e-3, 'step 2');
  near(s.lrAt(4), 8.535533905932737e-4, 'step 4'); // 0.5·(1 + cos(π/4))
  near(s.lrAt(6), 5e-4, 'step 6');
  near(s.lrAt(8), 1.4644660940672627e-4, 'step 8'); // 0.5·(1 + cos(3π/4))
  near(s.lrAt(10), 0, 'step 10');
  // Past the end HF's cosine rises again (cos of > π); max(0, …) does not stop it. We match.
  near(s.lrAt(12), 1e-3 * 0.5 * (1 + Math.cos(Math.PI * 10 / 8)), 'step 12');
});

test('constant with warmup, and no warmup', () => {
  const c = new LrSchedule({ baseLr: 0.1, totalSteps: 5, warmup: { steps: 4 }, decay: 'constant' });
  [0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1].forEach((e, i) => near(c.lrAt([0, 1, 2, 3, 4, 5, 100][i]!), e, `constant ${i}`));
  const l = new LrSchedule({ baseLr: 0.1, totalSteps: 4, decay: 'linear' });
  assert.equal(l.warmupSteps, 0);
  assert.deepEqual([0, 1, 2, 3, 4].map((k) => l.multiplierAt(k)), [1, 0.75, 0.5, 0.25, 0]);
});

test('warmup as a fraction rounds up, as TrainingArguments.get_warmup_steps', () => {
  assert.equal(warmupStepsFor(1000, { fraction: 0.1 }), 100);
  assert.equal(warmupStepsFor(95, { fraction: 0.1 }), 10); // ceil(9.5)
  assert.equal(warmupStepsFor(10, { fraction: 0 }), 0);
  const s = new LrSchedule({ baseLr: 2e-5, totalSteps: 95, warmup: { fraction: 0.1 }, decay: 'linear' });
  assert.equal(s.warmupSteps, 10);
  near(s.lrAt(5), 1e-5, 'half-way through warmup');
  near(s.lrAt(10), 2e-5, 'end of warmup');
  near(s.lrAt(50), 2e-5 * 45 / 85, 'step 50');
});

test('warmup longer than the run: HF keeps warming up', () => {
  const s = new LrSchedule({ baseLr: 1, totalSteps: 4, warmup: { steps: 8 }, decay: 'linear' });
  assert.deepEqual([0, 2, 4].map((k) => s.lrAt(k)), [0, 0.25, 0.5]);
});

test('bad schedule arguments are refused', () => {
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_ARGUMENT' && re.test(e.message));
  bad(() => new LrSchedule({ baseLr: -1, totalSteps: 10, decay: 'linear' }), /learning rate/);
  bad(() => new LrSchedule({ baseLr: 1, totalSteps: 0, decay: 'linear' }), /total training steps/);
  bad(() => new LrSchedule({ baseLr: 1, totalSteps: 10, decay: 'step' as never }), /unknown LR decay "step"; accepted: linear, cosine, constant/);
  bad(() => new LrSchedule({ baseLr: 1, totalSteps: 10, warmup: { fraction: 1.5 }, decay: 'linear' }), /warmup fraction/);
  bad(() => new LrSchedule({ baseLr: 1, totalSteps: 10, warmup: { steps: 2.5 }, decay: 'linear' }), /warmup steps/);
  bad(() => new LrSchedule({ baseLr: 1, totalSteps: 10, decay: 'linear' }).lrAt(-1), /schedule step/);
});
