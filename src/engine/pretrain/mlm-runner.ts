/**
 * One masked-LM step or evaluation over ONNX Runtime sessions of the MLM graphs. Like the
 * fine-tuning runner, it reads the current parameter values from the ParameterSet the
 * optimizer updates in place, and never writes them.
 */
import type { BertConfig } from '../model/config.js';
import type { Tensor } from '../model/bert-weights.js';
import type { Device } from '../runtime/device.js';
import { createSession, encoderFeeds, ort, type Session } from '../runtime/session.js';
import type { ParameterSet } from '../train/step.js';
import { buildMlmEvalGraph, buildMlmTrainingGraph } from './mlm-graph.js';
import type { MlmBatch } from './mlm-data.js';

export interface MlmStepOutput {
  readonly loss: number;
  readonly grads: Map<string, Float32Array>;
}

export interface MlmEvalOutput {
  /** Mean negative log-likelihood over the batch's predictions. */
  readonly loss: number;
  readonly correct: number;
  readonly count: number;
}

export interface MlmRunner {
  step(batch: MlmBatch, dropoutSeed: bigint): Promise<MlmStepOutput>;
  evaluate(batch: MlmBatch): Promise<MlmEvalOutput>;
  release(): Promise<void>;
}

export interface MlmRunnerOptions {
  readonly config: BertConfig;
  /** Backbone (HF names) and head (`cls.predictions.*`) tensors. */
  readonly params: ParameterSet;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly dropout?: { readonly rate?: number };
  readonly device: Device;
}

type ParamInput = { name: string; input: string; shape: readonly number[] };

export async function createMlmRunner(options: MlmRunnerOptions): Promise<MlmRunner> {
  const { config, params, shapes } = options;
  const isTrainable = (n: string) => params.isTrainable(n);
  const tensors = (names: string[]) => new Map<string, Tensor>(names.map((n) => [n, { shape: shapes.get(n)!, data: params.get(n) }]));
  const names = params.names();
  const backbone = tensors(names.filter((n) => !n.startsWith('cls.')));
  const head = tensors(names.filter((n) => n.startsWith('cls.')));

  const tg = buildMlmTrainingGraph(config, backbone, head, { isTrainable, dropout: options.dropout });
  const train: Session = await createSession(tg.graph.toBytes(), options.device);
  const trainInputs: ParamInput[] = tg.trainable.map((p) => ({ name: p.name, input: p.value.name, shape: shapes.get(p.name)! }));
  const ev = buildMlmEvalGraph(config, backbone, head, { isTrainable });
  const evalSession: Session = await createSession(ev.graph.toBytes(), options.device);
  const evalInputs: ParamInput[] = ev.trainable.map((p) => ({ name: p.name, input: p.value.name, shape: shapes.get(p.name)! }));

  const dataFeeds = (b: MlmBatch): Record<string, ort.Tensor> => {
    const n = b.positions.length;
    return {
      ...encoderFeeds(b, b.size, b.seqLen),
      mlm_positions: new ort.Tensor('int64', b.positions, [n]),
      mlm_labels: new ort.Tensor('int64', b.labels, [n]),
      mlm_weights: new ort.Tensor('float32', b.weights, [n]),
    };
  };
  const paramFeeds = (list: readonly ParamInput[]) =>
    Object.fromEntries(list.map((p) => [p.input, new ort.Tensor('float32', params.get(p.name), [...p.shape])]));
  const scalar = (t: ort.Tensor | undefined): number => (t ? Number((t.data as Float32Array)[0]) : 0);

  return {
    async step(batch, seed) {
      const feeds = { ...dataFeeds(batch), ...paramFeeds(trainInputs) };
      if (options.dropout) feeds['dropout_seed'] = new ort.Tensor('int64', BigInt64Array.from([seed]), []);
      const out = await train.run(feeds);
      const grads = new Map<string, Float32Array>();
      for (const p of tg.trainable) grads.set(p.name, out[p.grad]!.data as Float32Array);
      return { loss: scalar(out['loss']), grads };
    },
    async evaluate(batch) {
      const out = await evalSession.run({ ...dataFeeds(batch), ...paramFeeds(evalInputs) });
      return { loss: scalar(out['loss']), correct: scalar(out['mlm_correct']), count: batch.positions.length };
    },
    async release() {
      await train.release();
      await evalSession.release();
    },
  };
}
