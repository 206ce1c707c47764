/**
 * Which part of the model a trainable tensor belongs to, decided by its name: Hugging Face
 * BertModel names without prefix (`embeddings.*`, `encoder.layer.{i}.*`, `pooler.*`) and task
 * heads (`heads.<task>.*`). Freeze policies, layer-wise LR decay and weight-decay exclusion all
 * read names through here, so they agree on what a name means.
 */
import { SentenceLensError } from '../errors.js';

export type ParameterGroup =
  | { readonly kind: 'embeddings' }
  | { readonly kind: 'layer'; readonly index: number }
  | { readonly kind: 'pooler' }
  | { readonly kind: 'head'; readonly task: string };

const LAYER = /^encoder\.layer\.(0|[1-9]\d*)\./;
const HEAD = /^heads\.([^.]+)\./;

export function parameterGroup(name: string): ParameterGroup {
  if (name.startsWith('embeddings.')) return { kind: 'embeddings' };
  const layer = LAYER.exec(name);
  if (layer) return { kind: 'layer', index: Number(layer[1]) };
  if (name.startsWith('pooler.')) return { kind: 'pooler' };
  const head = HEAD.exec(name);
  if (head) return { kind: 'head', task: head[1]! };
  throw new SentenceLensError(
    'BAD_ARGUMENT',
    `parameter "${name}" is not a BertModel parameter (embeddings.*, encoder.layer.<i>.*, pooler.*) or a head parameter (heads.<task>.*)`,
  );
}

/** A stable label for a group, as used in freeze descriptions: `embeddings`, `layer 3`, `head topic`. */
export function groupKey(g: ParameterGroup): string {
  switch (g.kind) {
    case 'embeddings': return 'embeddings';
    case 'layer': return `layer ${g.index}`;
    case 'pooler': return 'pooler';
    case 'head': return `head ${g.task}`;
  }
}

/**
 * Parameters that get no weight decay: biases and LayerNorm weights (the usual BERT recipe,
 * as in Hugging Face's Trainer: `["bias", "LayerNorm.weight"]`).
 */
export function isNoDecayParameter(name: string): boolean {
  return name.endsWith('.bias') || name.endsWith('LayerNorm.weight');
}
