/**
 * The offline model's recipe: sizes, steps and rates, fixed so that a build is reproducible.
 * Environment variables (SL_OFFLINE_*) override them for short development runs only.
 */
const env = (k: string, d: number): number => (process.env[`SL_OFFLINE_${k}`] !== undefined ? Number(process.env[`SL_OFFLINE_${k}`]) : d);

export const SEED = 20261130;

export const RECIPE = {
  seed: SEED,
  vocabSize: env('VOCAB', 10000),
  hidden: env('HIDDEN', 192),
  layers: env('LAYERS', 4),
  heads: env('HEADS', 4),
  intermediate: env('INTERMEDIATE', 768),
  pretrain: {
    maxLength: env('PT_MAXLEN', 64),
    batchSize: env('PT_BATCH', 32),
    steps: env('PT_STEPS', 6000),
    lr: env('PT_LR', 1e-3),
    warmup: 0.06,
    saveEvery: env('PT_SAVE_EVERY', 50),
  },
  finetune: {
    epochs: env('FT_EPOCHS', 12),
    batchSize: env('FT_BATCH', 32),
    lr: env('FT_LR', 2e-4),
    warmup: 0.1,
    dropout: env('FT_DROPOUT', 0.1),
    weightDecay: 0.01,
    patience: env('FT_PATIENCE', 4),
    maxLength: 96,
    valShare: 0.1,
    /** VADER words at least this far from neutral (ratings run −4…4) join as sentiment-only rows. */
    lexiconMinValence: env('LEXICON_MIN', 2.0),
  },
  /** The contrastive objective during fine-tuning (scripts/offline-model/pairs.ts). */
  pairs: {
    /** Times the hand-written training pairs are listed in the pairs file. */
    handRepeat: env('PAIRS_HAND_REPEAT', 4),
    /** WordNet usage examples that join as SimCSE rows (each training sentence does too). */
    simcseWordnet: env('PAIRS_SIMCSE_WORDNET', 0),
    perStep: env('PAIRS_PER_STEP', 16),
    weight: env('PAIRS_WEIGHT', 1),
    scale: env('PAIRS_SCALE', 20),
  },
} as const;

export type Recipe = typeof RECIPE;
