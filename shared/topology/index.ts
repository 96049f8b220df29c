export { joinPath, toConfigError } from './config-error.ts';
export {
  DEFAULT_BATCHING_WINDOW_MS,
  defineFlow,
  type ErrorHandling,
  type Flow,
  type FlowBuilder,
  FlowDefaults,
  type FlowHead,
  type FlowOptions,
  type FlowResources,
  type FlowSource,
  flowResources,
  type OnFailureDestination,
  type ProvisionedPollers,
  StartingPosition,
} from './flow.ts';
export {
  type BucketRef,
  defineBucket,
  defineIndex,
  defineTables,
  defineTopics,
  type IndexRef,
  type KeyAttribute,
  KeyType,
  type TableOptions,
  type TableRef,
  type TopicOptions,
  type TopicRef,
  typed,
} from './resources.ts';
export { defineTopology, type Topology, type TopologyOptions } from './topology.ts';
