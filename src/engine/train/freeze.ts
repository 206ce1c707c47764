/**
 * Freeze policies: which parameters a fine-tuning run updates.
 *
 *   none        everything trains (full fine-tune)
 *   backbone    only the task heads train
 *   embeddings  everything but `embeddings.*` trains
 *   bottom:K    embeddings and encoder layers 0..K-1 are frozen (K = numLayers is `backbone`)
 *   all         nothing trains: the run only evaluates
 *
 * Independently, `frozenHeads` freezes `heads.<task>.*` for each task named.
 */
import { SentenceLensError } from '../errors.js';
import { groupKey, parameterGroup, type ParameterGroup } from './param-names.js';

export type FreezePolicy =
  | { readonly kind: 'none' }
  | { readonly kind: 'backbone' }
  | { readonly kind: 'embeddings' }
  | { readonly kind: 'bottom'; readonly layers: number }
  | { readonly kind: 'all' };

export interface FreezeContext {
  readonly numLayers: number;
  /** Task names whose heads stay frozen. */
  readonly frozenHeads?: readonly string[];
}

const ACCEPTED = 'accepted: none, backbone, embeddings, bottom:K (K a whole number of layers, e.g. bottom:2), all';

export function parseFreezePolicy(s: string): FreezePolicy {
  const text = s.trim().toLowerCase();
  switch (text) {
    case 'none': return { kind: 'none' };
    case 'backbone': return { kind: 'backbone' };
    case 'embeddings': return { kind: 'embeddings' };
    case 'all': return { kind: 'all' };
  }
  if (text.startsWith('bottom:')) {
    const k = text.slice('bottom:'.length).trim();
    if (!/^\d+$/.test(k)) {
      throw new SentenceLensError('BAD_ARGUMENT', `freeze policy ${JSON.stringify(s)}: K in bottom:K must be a whole number of layers ≥ 0, got ${JSON.stringify(k)}; ${ACCEPTED}`);
    }
    const layers = Number(k);
    if (!Number.isSafeInteger(layers)) {
      throw new SentenceLensError('BAD_ARGUMENT', `freeze policy ${JSON.stringify(s)}: K is too large; ${ACCEPTED}`);
    }
    return { kind: 'bottom', layers };
  }
  throw new SentenceLensError('BAD_ARGUMENT', `unknown freeze policy ${JSON.stringify(s)}; ${ACCEPTED}`);
}

export function formatFreezePolicy(p: FreezePolicy): string {
  return p.kind === 'bottom' ? `bottom:${p.layers}` : p.kind;
}

function checkContext(policy: FreezePolicy, ctx: FreezeContext): void {
  if (!Number.isInteger(ctx.numLayers) || ctx.numLayers < 0) {
    throw new SentenceLensError('BAD_ARGUMENT', `numLayers must be a whole number ≥ 0, got ${ctx.numLayers}`);
  }
  if (policy.kind === 'bottom' && policy.layers > ctx.numLayers) {
    throw new SentenceLensError(
      'BAD_ARGUMENT',
      `freeze policy bottom:${policy.layers} asks for more layers than the model has (numLayers = ${ctx.numLayers}); use bottom:0 to bottom:${ctx.numLayers}, or backbone`,
    );
  }
}

function groupTrainable(policy: FreezePolicy, ctx: FreezeContext, g: ParameterGroup, frozenHeads: ReadonlySet<string>): boolean {
  if (g.kind === 'layer' && g.index >= ctx.numLayers) {
    throw new SentenceLensError('BAD_ARGUMENT', `parameter of encoder layer ${g.index} does not exist in a model with numLayers = ${ctx.numLayers}`);
  }
  if (g.kind === 'head') return policy.kind !== 'all' && !frozenHeads.has(g.task);
  switch (policy.kind) {
    case 'none': return true;
    case 'all':
    case 'backbone': return false;
    case 'embeddings': return g.kind !== 'embeddings';
    case 'bottom':
      if (policy.layers >= ctx.numLayers) return false; // same as backbone (pooler included)
      if (g.kind === 'embeddings') return false;
      if (g.kind === 'layer') return g.index >= policy.layers;
      return true;
  }
}

/**
 * A predicate over parameter names: true when the policy trains that parameter. Throws
 * BAD_ARGUMENT for an impossible policy (bottom:K with K > numLayers), and, when called, for a
 * name that is neither a BertModel nor a head parameter.
 */
export function isTrainableFor(policy: FreezePolicy, ctx: FreezeContext): (paramName: string) => boolean {
  checkContext(policy, ctx);
  const frozenHeads = new Set(ctx.frozenHeads ?? []);
  return (name) => groupTrainable(policy, ctx, parameterGroup(name), frozenHeads);
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** "layers 0–1, 3" from sorted layer indices. */
function layerRanges(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}–${indices[j]}`);
    i = j + 1;
  }
  return `${indices.length === 1 ? 'layer' : 'layers'} ${parts.join(', ')}`;
}

function sizeOf(v: number | { readonly length: number }): number {
  return typeof v === 'number' ? v : v.length;
}

/**
 * One human line about what trains, counting parameter groups (embeddings, each encoder layer,
 * the pooler if present, each head) and elements:
 *   "training 6 of 9 parameter groups, 21.3M of 22.7M parameters; frozen: embeddings, layers 0–1"
 * `params` maps every parameter name (trainable or not) to its element count or its data.
 */
export function describeFreeze(
  policy: FreezePolicy,
  ctx: FreezeContext,
  params: ReadonlyMap<string, number | { readonly length: number }>,
): string {
  const trainable = isTrainableFor(policy, ctx);
  // A group counts as trained when any of its tensors trains (the policies never split a group).
  const groups = new Map<string, { g: ParameterGroup; trains: boolean }>();
  let total = 0;
  let trained = 0;
  for (const [name, v] of params) {
    const g = parameterGroup(name);
    const key = groupKey(g);
    const t = trainable(name);
    const n = sizeOf(v);
    total += n;
    if (t) trained += n;
    const entry = groups.get(key);
    if (entry) entry.trains ||= t;
    else groups.set(key, { g, trains: t });
  }
  const all = [...groups.values()];
  const trainedGroups = all.filter((e) => e.trains).length;
  const frozen = all.filter((e) => !e.trains).map((e) => e.g);
  const parts: string[] = [];
  if (frozen.some((g) => g.kind === 'embeddings')) parts.push('embeddings');
  const layers = frozen.flatMap((g) => (g.kind === 'layer' ? [g.index] : [])).sort((a, b) => a - b);
  if (layers.length > 0) parts.push(layerRanges(layers));
  if (frozen.some((g) => g.kind === 'pooler')) parts.push('pooler');
  const heads = frozen.flatMap((g) => (g.kind === 'head' ? [g.task] : []));
  if (heads.length > 0) parts.push(`${heads.length === 1 ? 'head' : 'heads'} ${heads.join(', ')}`);
  return `training ${trainedGroups} of ${all.length} parameter groups, ${formatCount(trained)} of ${formatCount(total)} parameters; frozen: ${parts.length > 0 ? parts.join(', ') : 'nothing'}`;
}

export const NOTHING_TO_TRAIN = 'freeze=all: nothing will train; running evaluation only';

/**
 * The plain message for a run in which nothing trains, or undefined when something does.
 * `all` always gives it; given the parameter names, so does any combination that leaves
 * nothing trainable (e.g. backbone with every head frozen).
 */
export function nothingToTrainMessage(policy: FreezePolicy, ctx?: FreezeContext, names?: Iterable<string>): string | undefined {
  if (policy.kind === 'all') return NOTHING_TO_TRAIN;
  if (!ctx || !names) return undefined;
  const trainable = isTrainableFor(policy, ctx);
  for (const n of names) if (trainable(n)) return undefined;
  const heads = ctx.frozenHeads?.length ? ` with frozen heads ${ctx.frozenHeads.join(', ')}` : '';
  return `freeze=${formatFreezePolicy(policy)}${heads}: nothing will train; running evaluation only`;
}
