export { emitBatchMetrics } from './emit-metrics.ts';
export { type FlowHandler, type HandlerOptions, handlerFor } from './handler-for.ts';
export {
  type BatchDeps,
  BatchFailedError,
  type BatchOutcome,
  type BatchSummary,
  runBatch,
} from './run-batch.ts';
export { selectorFor } from './select.ts';
