/** Training: the host side of a step (freeze policies, optimizers, schedules, clipping, accumulation) and the loop over it. */
export * from './param-names.js';
export * from './freeze.js';
export * from './optimizer.js';
export * from './schedule.js';
export * from './clip.js';
export * from './accumulate.js';
export * from './step.js';
// The training loop over them: options, events, result, evaluation and metrics.
export * from './metrics.js';
export * from './evaluate.js';
export * from './events.js';
export * from './step-runner.js';
export * from './trainer-options.js';
export * from './training-state.js';
export * from './trainer.js';
export * from './eval-model.js';
