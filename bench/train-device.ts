/**
 * bench:train on a GPU provider (`npm run bench:train -- --device webgpu [--shape small|minilm|bert-base|all] [--steps N]`):
 * for each shape, batch 16 × seq 64, random weights, AdamW, full fine-tuning and bottom:K —
 *   the CPU with the host optimizer (the baseline, same run),
 *   the device with the host optimizer (every step feeds the trainable weights and fetches
 *   every gradient), and
 *   the device with the state resident (the update in the graph);
 * examples/s, and the host ↔ device bytes per step against the batch's own bytes; then the
 * masked-LM pretraining step (everything trainable, 15% predicted) host-fed and resident.
 * `small` (2 × 128) keeps a software adapter (Mesa lavapipe) to minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { loadModelFolder } from '../src/engine/model/load.js';
import { chooseDevice, type Device } from '../src/engine/runtime/device.js';
import type { FreezePolicy } from '../src/engine/train/freeze.js';
import { describeMachine } from './machine.js';
import { SHAPES, type Shape, generateShapeFolder } from './shapes.js';
import { benchMlmEngine } from './mlm-step.js';
import { benchEngine, ENGINE_TABLE_HEADER, type EngineFigures, engineRow } from './train-engines.js';

const SMALL = { name: 'small shape', layers: 2, hidden: 128, heads: 4, intermediate: 512 } as const;
const ALL: Record<string, Shape | typeof SMALL> = { small: SMALL, ...SHAPES };

export async function benchTrainOnDevice(device: Exclude<Device, 'cpu'>, shapeArg: string, steps: number): Promise<string[]> {
  const out: string[] = [];
  const line = (l: string) => {
    out.push(l);
    console.log(l);
  };
  const choice = await chooseDevice(device);
  const shapes = shapeArg === 'all' ? Object.values(ALL) : shapeArg.split(',').map((s) => ALL[s.trim()]);
  if (shapes.some((s) => !s)) throw new Error(`--shape expects ${Object.keys(ALL).join(', ')} (comma-separated) or all`);
  line(`# bench:train --device ${choice.device} — ${new Date().toISOString()}`);
  line(`machine: ${describeMachine()}`);
  line('One step = the engine\'s step (feeds, session run(s), the optimizer update, outputs to the host); median of the timed steps after one warm-up step. Bytes are counted at the session boundary (runtime/transfers.ts): CPU tensors fed to a device session, and outputs returned on the host.');
  const sentences = await readBundledSentences();
  for (const shape of shapes as (Shape | typeof SMALL)[]) {
    const dir = await mkdtemp(join(tmpdir(), 'sl-bench-dev-'));
    try {
      await generateShapeFolder(dir, shape as Shape, sentences);
      const model = await loadModelFolder(dir);
      line(`\n## ${shape.name}: ${shape.layers} layers × ${shape.hidden} hidden, ${shape.intermediate} intermediate, vocab 30522 (random weights); batch 16 × seq 64`);
      line(ENGINE_TABLE_HEADER.join('\n'));
      const policies: FreezePolicy[] = [{ kind: 'none' }, { kind: 'bottom', layers: shape.layers / 2 }];
      let full: Record<string, EngineFigures> = {};
      for (const policy of policies) {
        const rows: Record<string, EngineFigures> = {};
        for (const [key, d, resident] of [['cpu', 'cpu', false], ['fed', choice.device, false], ['resident', choice.device, true]] as const) {
          rows[key] = await benchEngine(model, { device: d, resident, policy, batch: 16, seq: 64, steps });
          line(engineRow(rows[key]!));
        }
        if (policy.kind === 'none') full = rows;
        const { cpu, fed, resident } = rows as Record<'cpu' | 'fed' | 'resident', EngineFigures>;
        line(`|   ratios (${policy.kind === 'none' ? 'full' : `bottom:${shape.layers / 2}`}): resident / host-fed ${(resident.examplesPerS / fed.examplesPerS).toFixed(2)}× speed, ${((fed.upPerStep + fed.downPerStep) / Math.max(1, resident.upPerStep + resident.downPerStep)).toFixed(0)}× fewer bytes; resident / CPU ${(resident.examplesPerS / cpu.examplesPerS).toFixed(2)}× | | | | | | | | | | |`);
      }
      // Dropout at every site against none (the full rows above), on the device and on the CPU.
      const withDropout = await benchEngine(model, { device: choice.device, resident: true, policy: { kind: 'none' }, batch: 16, seq: 64, steps, dropout: true });
      line(engineRow(withDropout));
      const cpuDropout = await benchEngine(model, { device: 'cpu', resident: false, policy: { kind: 'none' }, batch: 16, seq: 64, steps, dropout: true });
      line(engineRow(cpuDropout));
      line(`|   step time with dropout / without (full): resident ${(withDropout.stepMs / full['resident']!.stepMs).toFixed(2)}×, CPU ${(cpuDropout.stepMs / full['cpu']!.stepMs).toFixed(2)}× | | | | | | | | | | |`);
      // Masked-LM pretraining runs on the same engines: host-fed vs resident on the device.
      const mlm: Record<string, EngineFigures> = {};
      for (const [key, resident] of [['fed', false], ['resident', true]] as const) {
        mlm[key] = await benchMlmEngine(model, { device: choice.device, resident, batch: 16, seq: 64, steps });
        line(engineRow(mlm[key]!));
      }
      const { fed, resident } = mlm as Record<'fed' | 'resident', EngineFigures>;
      line(`|   ratios (masked-LM): resident / host-fed ${(resident.examplesPerS / fed.examplesPerS).toFixed(2)}× speed, ${((fed.upPerStep + fed.downPerStep) / Math.max(1, resident.upPerStep + resident.downPerStep)).toFixed(0)}× fewer bytes | | | | | | | | | | |`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return out;
}
