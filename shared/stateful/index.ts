export {
  type AggregateOptions,
  aggregate,
  type Selector,
  type WindowResult,
} from './aggregate.ts';
export {
  avg,
  count,
  max,
  min,
  type NumberSelector,
  type ReduceOptions,
  type Reduction,
  reduce,
  sum,
} from './aggregate-reduce.ts';
export { readWindows, type WindowState } from './state-query.ts';
export {
  type Duration,
  hopping,
  session,
  tumbling,
  type WindowDef,
  type WindowSpec,
  windowsFor,
} from './window.ts';
