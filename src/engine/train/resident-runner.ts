/**
 * Training with its state on the GPU, for any model whose graphs model-graphs.ts describes
 * (fine-tuning, masked-LM pretraining): weights, optimizer moments and the step counter are
 * gpu-buffer tensors (runtime/device-state.ts) that each step's run reads and replaces; the
 * optimizer update is inside the training graph (resident-graph.ts). Per step the host sends
 * the batch and three scalars (learning rate, and with accumulation the window's keep/scale)
 * and receives the losses, logits and the gradient norm. Weights come down only for
 * checkpoints, and the state goes up once (at the start, or from a resumed run's checkpoint).
 *
 * Numbers match the host optimizer (step-engine.ts) within float32 rounding: the same AdamW /
 * SGD arithmetic, clipping, per-group learning rates and 'mean' accumulation, in float32 on
 * the device instead of float64 per element on the host.
 */
import { SentenceLensError } from '../errors.js';
import { DeviceState, disposeIfDevice, type StateEntry } from '../runtime/device-state.js';
import { createSession, ort, type Session } from '../runtime/session.js';
import { runCounted, TransferCounter } from '../runtime/transfers.js';
import { type EvalGraph, type ModelGraphs, type OutputMap, scalarOf } from './model-graphs.js';
import { AdamW, type Optimizer, type OptimizerState, Sgd } from './optimizer.js';
import { buildResidentGraph, newName, type ResidentGraph, type ResidentOptimizerSpec, type StateSlot, STEP_INPUT } from './resident-graph.js';
import type { ParameterSet } from './step.js';
import type { StepEngine, WindowResult } from './step-engine.js';
import { fineTuneGraphs, type RunnerOptions } from './step-runner.js';

/** The optimizer side of a resident engine, whatever model it trains. */
export interface ResidentUpdate {
  /** Hyperparameters and starting state (moments, step counts) come from this optimizer. */
  readonly optimizer: Optimizer;
  readonly lrMultiplier?: (name: string) => number;
  readonly maxGradNorm?: number;
  /** Micro-batches per optimizer step (1: no accumulation). */
  readonly gradAccum: number;
}

/** Fine-tuning's multi-task model with its optimizer (what benches and tests build directly). */
export interface ResidentOptions extends RunnerOptions, ResidentUpdate {}

const f32 = (x: number): ort.Tensor => new ort.Tensor('float32', Float32Array.from([x]), []);

export function residentSpec(o: Optimizer): ResidentOptimizerSpec {
  if (o instanceof AdamW) return { kind: 'adamw', beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay };
  if (o instanceof Sgd) return { kind: 'sgd', momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weightDecay };
  throw new Error(`internal: no device-resident form of optimizer ${o.kind}`);
}

/** The step count every trainable tensor shares (the host optimizer counts per tensor). */
function sharedStepCount(o: Optimizer, names: readonly string[]): number {
  const counts = new Set(names.map((n) => o.stepsOf(n)));
  if (counts.size > 1) {
    throw new SentenceLensError('BAD_ARGUMENT', `the optimizer state has different step counts per tensor (${[...counts].join(', ')}); training on the GPU needs one count for every trainable tensor`);
  }
  return [...counts][0] ?? 0;
}

/** The three graphs a resident run uses, built once. */
interface ResidentGraphs {
  readonly update: ResidentGraph;
  readonly acc?: ResidentGraph;
  readonly ev: EvalGraph;
}

function buildGraphs<B, E>(model: ModelGraphs<B, E>, u: ResidentUpdate): ResidentGraphs {
  const { params } = model;
  const common = {
    optimizer: residentSpec(u.optimizer), noDecay: (u.optimizer as AdamW | Sgd).noDecay, lrMultiplier: u.lrMultiplier, maxGradNorm: u.maxGradNorm,
  };
  const training = () => model.training(false);
  const accumulates = u.gradAccum > 1;
  const update = buildResidentGraph(training, { ...common, mode: 'update', accumulated: accumulates });
  const expected = params.trainableNames();
  if (update.trainable.length !== expected.length || update.trainable.some((n) => !params.isTrainable(n))) {
    throw new Error(`internal: the training graph trains [${update.trainable.join(', ')}], the parameter set [${expected.join(', ')}]`);
  }
  const acc = accumulates ? buildResidentGraph(training, { ...common, mode: 'accumulate' }) : undefined;
  return { update, acc, ev: model.evaluation() };
}

/** State outputs stay on the device; the rest (losses, logits, norm) come to the host. */
function outputLocations(g: ResidentGraph, extra: string[] = []): Record<string, 'cpu' | 'gpu-buffer'> {
  const gpu = new Set([...g.slots.map((s) => s.output), ...extra]);
  return Object.fromEntries(g.graph.outputNames.map((n) => [n, gpu.has(n) ? 'gpu-buffer' as const : 'cpu' as const]));
}

/** Fine-tuning's multi-task model, resident. */
export function createResidentEngine(options: ResidentOptions, shapes: ReadonlyMap<string, readonly number[]>): Promise<StepEngine> {
  return createResidentEngineFor(fineTuneGraphs(options, shapes), options);
}

/** Any model's graphs (model-graphs.ts), resident: the state goes up once, here. */
export async function createResidentEngineFor<B, E>(model: ModelGraphs<B, E>, u: ResidentUpdate): Promise<StepEngine<B, E>> {
  const graphs = buildGraphs(model, u);
  const transfers = new TransferCounter();
  const state = new DeviceState(model.device, transfers);
  const sessions: Session[] = [];
  const open = async (bytes: Uint8Array, outputLocation?: Record<string, 'cpu' | 'gpu-buffer'>) => {
    const s = await createSession(bytes, model.device, outputLocation ? { outputLocation } : {});
    sessions.push(s);
    return s;
  };
  try {
    const update = await open(graphs.update.graph.toBytes(), outputLocations(graphs.update, [newName(STEP_INPUT)]));
    const acc = graphs.acc ? await open(graphs.acc.graph.toBytes(), outputLocations(graphs.acc)) : undefined;
    const ev = await open(graphs.ev.graph.toBytes());
    const step = sharedStepCount(u.optimizer, graphs.update.trainable);
    await state.upload(initialState(graphs.update.slots, graphs.acc?.slots ?? [], model.params, u.optimizer, step));
    return new ResidentEngine(model, u.optimizer, graphs, { update, acc, ev }, sessions, state, transfers);
  } catch (e) {
    await state.release();
    for (const s of sessions) await s.release();
    throw e;
  }
}

class ResidentEngine<B, E> implements StepEngine<B, E> {
  readonly kind = 'device-resident' as const;

  constructor(
    private readonly model: ModelGraphs<B, E>,
    private readonly optimizer: Optimizer,
    private readonly g: ResidentGraphs,
    private readonly s: { readonly update: Session; readonly acc?: Session; readonly ev: Session },
    private readonly sessions: readonly Session[],
    private readonly state: DeviceState,
    readonly transfers: TransferCounter,
  ) {}

  get runner(): ModelGraphs<B, E>['kind'] {
    return this.model.kind;
  }

  async step(window: readonly B[], seeds: readonly number[], lr: number): Promise<WindowResult> {
    if (window.length === 0) throw new Error('internal: an optimizer step needs at least one micro-batch');
    if (window.length > 1 && !this.g.acc) throw new Error('internal: several micro-batches but gradient accumulation was not set up');
    if (!Number.isFinite(lr) || lr < 0) throw new SentenceLensError('BAD_ARGUMENT', `learning rate must be finite and ≥ 0, got ${lr}`);
    const before = this.transfers.snapshot();
    let loss = 0;
    const losses: Record<string, number> = {};
    let gradNorm = 0;
    for (const [i, batch] of window.entries()) {
      const last = i === window.length - 1;
      const out = last ? await this.apply(batch, seeds[i]!, lr, window.length) : await this.accumulate(batch, seeds[i]!, i === 0);
      loss += scalarOf(out['loss']) / window.length;
      for (const t of this.g.update.lossTasks) losses[t] = (losses[t] ?? 0) + scalarOf(out[`loss_${t}`]) / window.length;
      if (last) gradNorm = scalarOf(out['grad_norm']);
    }
    return { loss, losses, gradNorm, transfers: this.transfers.since(before) };
  }

  /** A micro-batch before the window's last: its gradients are added into the accumulators. */
  private async accumulate(batch: B, seed: number, first: boolean): Promise<OutputMap> {
    const acc = this.g.acc!;
    const feeds = { ...this.batch(batch, seed), ...this.held(this.g.update.trainable), ...this.held(acc.slots.map((s) => s.input)), acc_keep: f32(first ? 0 : 1) };
    const out = await runCounted(this.s.acc!, this.model.device, feeds, this.transfers);
    this.state.replace(acc.slots.map((s) => [s.input, out[s.output]!]));
    return out;
  }

  /** The window's last micro-batch: gradients (plus the accumulated ones), clipping, the update. */
  private async apply(batch: B, seed: number, lr: number, micro: number): Promise<OutputMap> {
    const { update, acc } = this.g;
    const feeds: Record<string, ort.Tensor> = { ...this.batch(batch, seed), ...this.held([...update.slots.map((s) => s.input), STEP_INPUT]), lr: f32(lr) };
    if (acc) Object.assign(feeds, this.held(acc.slots.map((s) => s.input)), { acc_keep: f32(micro > 1 ? 1 : 0), grad_scale: f32(1 / micro) });
    const out = await runCounted(this.s.update, this.model.device, feeds, this.transfers);
    const norm = scalarOf(out['grad_norm']);
    if (!Number.isFinite(norm)) {
      // Nothing is taken: the inputs stay the state, the new values are thrown away.
      for (const t of Object.values(out)) disposeIfDevice(t);
      if (acc) await this.state.upload(acc.slots.map((s) => ({ name: s.input, shape: s.shape })));
      throw new SentenceLensError('BAD_ARGUMENT', `gradient is not finite (global norm ${norm}); the step was not applied and no parameter changed`);
    }
    this.state.replace([...update.slots.map((s) => [s.input, out[s.output]!] as const), [STEP_INPUT, out[newName(STEP_INPUT)]!]]);
    return out;
  }

  private batch(batch: B, seed: number): Record<string, ort.Tensor> {
    const feeds = this.model.feeds(batch);
    if (this.model.dropout) feeds['dropout_seed'] = new ort.Tensor('int32', Int32Array.from([seed]), []);
    return feeds;
  }

  private held(names: readonly string[]): Record<string, ort.Tensor> {
    return Object.fromEntries(names.map((n) => [n, this.state.get(n)]));
  }

  async evaluate(batch: B): Promise<E> {
    const feeds = { ...this.model.feeds(batch), ...Object.fromEntries(this.g.ev.inputs.map((p) => [p.input, this.state.get(p.name)])) };
    return this.model.readEval(await runCounted(this.s.ev, this.model.device, feeds, this.transfers), batch);
  }

  async syncWeights(): Promise<void> {
    for (const [name, data] of await this.state.download(this.g.update.trainable)) this.model.params.get(name).set(data);
  }

  async optimizerState(): Promise<OptimizerState> {
    const slots = this.g.update.slots.filter((s) => s.kind !== 'weight');
    const got = await this.state.download([...slots.map((s) => s.input), STEP_INPUT]);
    const t = got.get(STEP_INPUT)![0]!;
    const tensors = new Map<string, Float32Array>();
    // torch creates SGD momentum buffers on the first step: none before it.
    for (const s of slots) if (t > 0 || s.kind !== 'momentum_buffer') tensors.set(s.input, got.get(s.input)!);
    const source = this.optimizer.state().json;
    return { tensors, json: { ...source, steps: Object.fromEntries(this.g.update.trainable.map((n) => [n, t])) } };
  }

  async release(): Promise<void> {
    // GPU tensors first, then the sessions that made them (the other order is a use-after-free).
    await this.state.release();
    for (const s of this.sessions) await s.release();
  }
}

/** What goes up at the start: weights, the optimizer's moments (zeros where it has none yet), the step count. */
function initialState(
  slots: readonly StateSlot[], accSlots: readonly StateSlot[],
  params: ParameterSet, optimizer: Optimizer, step: number,
): StateEntry[] {
  const saved = optimizer.state().tensors;
  const entries: StateEntry[] = slots.map((s) => ({
    name: s.input, shape: s.shape,
    data: s.kind === 'weight' ? params.get(s.param) : saved.get(s.input),
  }));
  for (const s of accSlots) entries.push({ name: s.input, shape: s.shape });
  entries.push({ name: STEP_INPUT, shape: [], data: Float32Array.from([step]) });
  return entries;
}
