/** Masked-language-model pretraining: corpus, vocabulary builder, MLM head and graphs, the run. */
export * from './corpus.js';
export * from './wordpiece-trainer.js';
export * from './vocabulary.js';
export * from './mlm-data.js';
export * from './mlm-head.js';
export * from './pretrain-options.js';
export * from './pretrain.js';
export * from './perplexity.js';
