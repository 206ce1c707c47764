/**
 * The model as blocks a person can look at (embeddings, each encoder layer, the pooler, each
 * task head), each with its parameter count and whether a run with these freeze options would
 * train it. Decided by the same rules the trainer uses (isTrainableFor, and a loss weight of 0
 * freezing its head), so the picture cannot disagree with the run.
 */
import { describeFreeze, type FreezeContext, isTrainableFor, parseFreezePolicy } from './freeze.js';
import { groupKey, parameterGroup } from './param-names.js';

export interface ModelBlock {
  readonly key: string;
  readonly kind: 'embeddings' | 'layer' | 'pooler' | 'head';
  readonly label: string;
  readonly params: number;
  readonly trains: boolean;
}

export interface ModelPicture {
  readonly numLayers: number;
  readonly blocks: ModelBlock[];
  readonly trainable: number;
  readonly total: number;
  readonly summary: string;
}

export interface PictureOptions {
  readonly freeze: string;
  readonly frozenHeads?: readonly string[];
  readonly lossWeights?: Readonly<Record<string, number>>;
}

/** `sizes`: every parameter's name (backbone and heads) and element count. */
export function modelPicture(sizes: ReadonlyMap<string, number>, numLayers: number, o: PictureOptions): ModelPicture {
  const policy = parseFreezePolicy(o.freeze);
  const ctx: FreezeContext = { numLayers, frozenHeads: o.frozenHeads };
  const byPolicy = isTrainableFor(policy, ctx);
  const trains = (name: string): boolean => {
    const g = parameterGroup(name);
    return byPolicy(name) && !(g.kind === 'head' && (o.lossWeights?.[g.task] ?? 1) === 0);
  };
  const blocks = new Map<string, { kind: ModelBlock['kind']; label: string; params: number; trains: boolean; order: number }>();
  let trainable = 0;
  let total = 0;
  for (const [name, n] of sizes) {
    const g = parameterGroup(name);
    const key = groupKey(g);
    const t = trains(name);
    total += n;
    if (t) trainable += n;
    const order = g.kind === 'embeddings' ? -1 : g.kind === 'layer' ? g.index : g.kind === 'pooler' ? numLayers : numLayers + 1;
    const b = blocks.get(key) ?? { kind: g.kind, label: key, params: 0, trains: false, order };
    b.params += n;
    b.trains ||= t;
    blocks.set(key, b);
  }
  const sorted = [...blocks.entries()].sort((a, b) => a[1].order - b[1].order).map(([key, b]) => ({ key, kind: b.kind, label: b.label, params: b.params, trains: b.trains }));
  // describeFreeze knows the policy and frozen heads; a zero loss weight is one more way to freeze a head.
  const offByWeight = Object.entries(o.lossWeights ?? {}).filter(([task, w]) => w === 0 && blocks.has(`head ${task}`)).map(([task]) => task);
  const zeroWeightHeads = offByWeight.length ? `; loss weight 0 (head not trained): ${offByWeight.join(', ')}` : '';
  return { numLayers, blocks: sorted, trainable, total, summary: describeFreeze(policy, ctx, sizes) + zeroWeightHeads };
}
