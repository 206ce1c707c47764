/**
 * Masked-LM pretraining's graphs as the step engines see them (train/model-graphs.ts): how to
 * build the MLM training and evaluation graphs, feed an MlmBatch, read an evaluation. Either
 * engine runs them: the host optimizer over createMlmRunner (the CPU path), or the update inside
 * the graph with the state resident on a GPU (train/trainer-engine.ts chooses).
 */
import type { EncoderConfig } from '../model/encoder-config.js';
import type { Device } from '../runtime/device.js';
import { encoderFeeds, ort } from '../runtime/session.js';
import { type ModelGraphs, scalarOf, tensorsOf } from '../train/model-graphs.js';
import type { ParameterSet } from '../train/step.js';
import { createGraphRunner, type StepRunner } from '../train/step-runner.js';
import { buildMlmEvalGraph, buildMlmTrainingGraph } from './mlm-graph.js';
import { isMlmHeadName } from './mlm-head.js';
import type { MlmBatch } from './mlm-data.js';

export interface MlmEvalOutput {
  /** Mean negative log-likelihood over the batch's predictions. */
  readonly loss: number;
  readonly correct: number;
  readonly count: number;
}

export type MlmRunner = StepRunner<MlmBatch, MlmEvalOutput>;

export interface MlmRunnerOptions {
  readonly config: EncoderConfig;
  /** Backbone and masked-LM head tensors (HF names). */
  readonly params: ParameterSet;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly dropout?: { readonly rate?: number };
  readonly device: Device;
}

export function mlmGraphs(options: MlmRunnerOptions): ModelGraphs<MlmBatch, MlmEvalOutput> {
  const { config, params, shapes } = options;
  const isTrainable = (n: string) => params.isTrainable(n);
  const names = params.names();
  const backbone = tensorsOf(params, shapes, names.filter((n) => !isMlmHeadName(config, n)));
  const head = tensorsOf(params, shapes, names.filter((n) => isMlmHeadName(config, n)));
  return {
    kind: 'masked-lm', params, shapes, device: options.device, dropout: !!options.dropout,
    training: (gradOutputs) => buildMlmTrainingGraph(config, backbone, head, { isTrainable, dropout: options.dropout, gradOutputs }),
    evaluation() {
      const ev = buildMlmEvalGraph(config, backbone, head, { isTrainable });
      return { graph: ev.graph, inputs: ev.trainable.map((p) => ({ name: p.name, input: p.value.name })) };
    },
    feeds(b) {
      const n = b.positions.length;
      return {
        ...encoderFeeds(b, b.size, b.seqLen, config),
        mlm_positions: new ort.Tensor('int64', b.positions, [n]),
        mlm_labels: new ort.Tensor('int64', b.labels, [n]),
        mlm_weights: new ort.Tensor('float32', b.weights, [n]),
      };
    },
    readEval: (out, b) => ({ loss: scalarOf(out['loss']), correct: scalarOf(out['mlm_correct']), count: b.positions.length }),
  };
}

/** The host engine's runner: weights fed and gradients returned each step (the optimizer is the caller's). */
export function createMlmRunner(options: MlmRunnerOptions): Promise<MlmRunner> {
  return createGraphRunner(mlmGraphs(options));
}
