/**
 * The flow test kit: `testFlow(flow)` runs a flow's real handler with in-memory outputs and tables. For tests
 * only; never imported by a function, so it is never bundled.
 */
export type { TestRecord } from './kafka-event.ts';
export type { Item } from './memory-tables.ts';
export {
  type DeadLetterRecord,
  type FilteredRecord,
  type FlowDriver,
  type OutputRecord,
  type SourceCoordinates,
  type TestFlowOptions,
  type TestFlowResult,
  type TestFlowSummary,
  testFlow,
} from './test-flow.ts';
