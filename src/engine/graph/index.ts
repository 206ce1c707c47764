export * from './graph.js';
export * from './grad.js';
export * from './ops/elementwise.js';
export * from './ops/linear.js';
export * from './ops/reduce.js';
export * from './ops/shape-ops.js';
export * from './ops/nn.js';
export * from './ops/composite.js';
