/**
 * Creates a WebGPU session for the tiny training graph with ONNX Runtime's verbose log on:
 * `node --import tsx test/support/webgpu-placement.ts [dropout]`. ORT reports node placements
 * only in that log, which its native code writes straight to stderr (no API returns them), so
 * tests run this in a child process and read the placements with `cpuPlacedOps`.
 */
import { pathToFileURL } from 'node:url';
import { buildTrainingGraph } from '../../src/engine/train/train-graph.js';
import { initHeadWeights } from '../../src/engine/model/heads.js';
import { ort } from '../../src/engine/runtime/session.js';
import { randomBertWeights, tinyConfig } from './random-weights.js';

/** Op types listed under "Node(s) placed on [CPUExecutionProvider]" in ORT's verbose log, sorted. */
export function cpuPlacedOps(log: string): string[] {
  const ops: string[] = [];
  let inCpu = false;
  for (const line of log.split('\n')) {
    if (line.includes('Node(s) placed on [')) inCpu = line.includes('[CPUExecutionProvider]');
    else if (inCpu) {
      const m = /VerifyEachNodeIsAssignedToAnEp\]\s+(\w+) \(/.exec(line);
      if (m) ops.push(m[1]!);
      else inCpu = false;
    }
  }
  return ops.sort();
}

async function main(): Promise<void> {
  const config = tinyConfig();
  const tasks = [{ name: 'topic', labels: ['a', 'b', 'c'] }];
  const dropout = process.argv.includes('dropout') ? { dropout: { seedInput: true as const } } : {};
  const { graph } = buildTrainingGraph(config, randomBertWeights(config, 3), initHeadWeights(tasks, config.hiddenSize, 5), tasks, { pooling: 'mean', isTrainable: () => true, ...dropout });
  // logSeverityLevel 0 (verbose) prints the placements.
  const session = await ort.InferenceSession.create(graph.toBytes(), { executionProviders: ['webgpu'], logSeverityLevel: 0 });
  await session.release();
  console.log('session created');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
