/** The host side of a training step: freeze policies, optimizers, schedules, clipping, accumulation. */
export * from './param-names.js';
export * from './freeze.js';
export * from './optimizer.js';
export * from './schedule.js';
export * from './clip.js';
export * from './accumulate.js';
export * from './step.js';
