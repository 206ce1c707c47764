/**
 * The architectures the engine builds, by Hugging Face `model_type`, and how a config.json
 * names its architecture (model_type, else the `architectures` class names).
 */
import { SentenceLensError } from '../errors.js';
import type { Architecture } from './architecture.js';
import { bert } from './bert.js';
import { distilbert } from './distilbert.js';
import type { EncoderConfig, ModelType } from './encoder-config.js';
import { mpnet } from './mpnet.js';
import { roberta, xlmRoberta } from './roberta.js';

const BY_TYPE: Readonly<Record<ModelType, Architecture>> = {
  bert,
  roberta,
  'xlm-roberta': xlmRoberta,
  distilbert,
  mpnet,
};

/** Class-name prefixes of `architectures` entries (BertForMaskedLM, XLMRobertaModel, …), longest first. */
const CLASS_PREFIXES: readonly [string, ModelType][] = [
  ['XLMRoberta', 'xlm-roberta'],
  ['DistilBert', 'distilbert'],
  ['Roberta', 'roberta'],
  ['MPNet', 'mpnet'],
  ['Bert', 'bert'],
];

export const SUPPORTED_ARCHITECTURES = 'BERT, RoBERTa, XLM-RoBERTa, DistilBERT, MPNet (model_type bert, roberta, xlm-roberta, distilbert, mpnet)';

export function architectureOf(c: Pick<EncoderConfig, 'modelType'>): Architecture {
  return BY_TYPE[c.modelType];
}

/** The longest token sequence the position table can index (RoBERTa-style ids start after the padding id). */
export function maxSequenceLength(c: EncoderConfig): number {
  const padId = architectureOf(c).positionPaddingId?.(c);
  return padId === undefined ? c.maxPositions : c.maxPositions - padId - 1;
}

function classType(cls: unknown): ModelType | undefined {
  return typeof cls === 'string' ? CLASS_PREFIXES.find(([prefix]) => cls.startsWith(prefix))?.[1] : undefined;
}

/**
 * The model type a config.json declares: `model_type`, else its class names, else BERT (old
 * BERT configs carry neither). Class names, when given, must belong to that type.
 */
export function modelTypeOf(raw: Record<string, unknown>, source: string): ModelType {
  const declared = raw['model_type'];
  const classes = Array.isArray(raw['architectures']) ? (raw['architectures'] as unknown[]) : [];
  let type: ModelType;
  if (declared !== undefined) {
    if (typeof declared !== 'string' || !(declared in BY_TYPE)) {
      throw new SentenceLensError('UNSUPPORTED', `${source}: model_type ${JSON.stringify(declared)} is not supported; Sentence Lens runs ${SUPPORTED_ARCHITECTURES}`);
    }
    type = declared as ModelType;
  } else {
    type = classes.map(classType).find((t) => t !== undefined) ?? 'bert';
  }
  if (classes.length > 0 && !classes.some((cls) => classType(cls) === type)) {
    throw new SentenceLensError('UNSUPPORTED', `${source}: architecture ${JSON.stringify(classes)} is not supported; expected a ${BY_TYPE[type].modelClass.replace(/Model$/, '')} class such as ${BY_TYPE[type].modelClass} (Sentence Lens runs ${SUPPORTED_ARCHITECTURES})`);
  }
  return type;
}
