/**
 * Which part of the model a trainable tensor belongs to, decided by its name: the backbone's
 * Hugging Face names without prefix (`embeddings.*`; layers `encoder.layer.{i}.*`, DistilBERT's
 * `transformer.layer.{i}.*`; MPNet's shared `encoder.relative_attention_bias.*`; `pooler.*`)
 * and task heads (`heads.<task>.*`). Freeze policies, layer-wise LR decay and weight-decay
 * exclusion all read names through here, so they agree on what a name means.
 */
import { SentenceLensError } from '../errors.js';

export type ParameterGroup =
  | { readonly kind: 'embeddings' }
  | { readonly kind: 'layer'; readonly index: number }
  | { readonly kind: 'pooler' }
  | { readonly kind: 'head'; readonly task: string };

const LAYER = /^(?:encoder|transformer)\.layer\.(0|[1-9]\d*)\./;
/**
 * MPNet's relative position bias belongs to no layer (every layer adds it); like the position
 * embeddings it encodes where tokens are, so it goes with the embeddings: frozen with them,
 * and given the embeddings' learning rate under layer-wise decay.
 */
const RELATIVE_POSITION_BIAS = 'encoder.relative_attention_bias.';
const HEAD = /^heads\.([^.]+)\./;

export function parameterGroup(name: string): ParameterGroup {
  if (name.startsWith('embeddings.') || name.startsWith(RELATIVE_POSITION_BIAS)) return { kind: 'embeddings' };
  const layer = LAYER.exec(name);
  if (layer) return { kind: 'layer', index: Number(layer[1]) };
  if (name.startsWith('pooler.')) return { kind: 'pooler' };
  const head = HEAD.exec(name);
  if (head) return { kind: 'head', task: head[1]! };
  throw new SentenceLensError(
    'BAD_ARGUMENT',
    `parameter "${name}" is not a backbone parameter (embeddings.*, encoder.layer.<i>.* or transformer.layer.<i>.*, pooler.*) or a head parameter (heads.<task>.*)`,
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
 * Parameters that get no weight decay, as Hugging Face's Trainer decides: LayerNorm weights
 * (BERT's `LayerNorm`, DistilBERT's `sa_layer_norm` / `output_layer_norm`) and anything whose
 * name says bias (which includes MPNet's relative attention bias table).
 */
export function isNoDecayParameter(name: string): boolean {
  return name.endsWith('.bias') || name.startsWith(RELATIVE_POSITION_BIAS) || /(LayerNorm|layer_norm)\.weight$/.test(name);
}
