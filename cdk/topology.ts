import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Flow, Topology } from '../shared/topology/index.ts';
import { failureDestinationOf } from '../shared/topology/on-failure.ts';
import { projectRoot } from './bundling.ts';
import type { DeployFlow, DeployModel, FlowSource } from './model.ts';
import { deploySchemas } from './schema-registry.ts';
import { TopologyDeployError } from './validate.ts';

export interface FromTopologyOptions {
  /**
   * Directory holding one `<flow name>.ts` per flow (its declaration and handler): the bundle entry.
   * @default `functions/` in the repository
   */
  readonly functionsDir?: string;
}

const source = (flow: Flow, topology: Topology): FlowSource => {
  const s = flow.source;
  const eh = s.errorHandling;
  // Resolved as the local runner resolves it; the failed-batches bucket is the stacks' default (no field).
  const onFailure = failureDestinationOf(flow, topology);
  return {
    topic: s.topic.name,
    consumerGroup: s.consumerGroup,
    batchSize: s.batchSize,
    // Only a window the flow set is passed on; otherwise the mapping keeps its own default.
    ...(s.batchingWindowSet ? { batchingWindowMs: s.batchingWindowMs } : {}),
    startingPosition: s.startingPosition,
    // The runtime keeps epoch milliseconds; the mapping takes seconds.
    ...(s.startingPositionTimestamp !== undefined
      ? { startingTimestamp: Math.floor(s.startingPositionTimestamp / 1000) }
      : {}),
    // The runtime's own pushdown compiler decided what the mapping can evaluate; a filter it could not push
    // down runs in-process only.
    filterPatterns: s.pushdown?.pushable ? s.pushdown.criteria.Filters.map((f) => f.Pattern) : [],
    ...(s.provisionedPollers
      ? {
          provisioned: {
            minimumPollers: s.provisionedPollers.minimum,
            maximumPollers: s.provisionedPollers.maximum,
          },
        }
      : {}),
    ...(eh.retryAttempts !== undefined ? { retryAttempts: eh.retryAttempts } : {}),
    ...(eh.maximumRecordAgeSeconds !== undefined ? { maxRecordAgeSeconds: eh.maximumRecordAgeSeconds } : {}),
    ...(eh.splitBatchOnError !== undefined ? { splitBatchOnError: eh.splitBatchOnError } : {}),
    ...(eh.reportBatchItemFailures !== undefined
      ? { reportBatchItemFailures: eh.reportBatchItemFailures }
      : {}),
    ...(onFailure.kind === 'failed-batches' ? {} : { onFailure }),
  };
};

/**
 * The CDK app's view of the runtime's validated topology: plain data, nothing re-declared. A flow's bundle
 * entry is its own file, `functions/<flow name>.ts`, which must exist.
 */
export const fromTopology = (topology: Topology, options: FromTopologyOptions = {}): DeployModel => {
  const functionsDir = options.functionsDir ?? join(projectRoot, 'functions');
  const flows = topology.flows.map((flow): DeployFlow => {
    const entry = join(functionsDir, `${flow.name}.ts`);
    if (!existsSync(entry)) {
      throw new TopologyDeployError(
        `flows.${flow.name}`,
        `its file ${entry} (the function's entry) does not exist`,
      );
    }
    const deadLetterTopic = flow.deadLetter.resources.topics?.[0];
    return {
      name: flow.name,
      entry,
      source: source(flow, topology),
      lookups: flow.readsTables.map((t) => t.name),
      outputs: flow.outputs.map((o) => ({ kind: o.kind, name: o.name, resources: o.resources })),
      ...(flow.schemas ? { schemas: deploySchemas(flow.schemas) } : {}),
      ...(deadLetterTopic ? { deadLetterTopic } : {}),
      memoryMb: flow.memoryMb,
      timeoutSeconds: flow.timeoutSeconds,
    };
  });
  return {
    topics: topology.topics.map((t) => t.name),
    tables: topology.tables.map((t) => ({
      name: t.name,
      partitionKey: t.partitionKey.name,
      partitionKeyType: t.partitionKey.type === 'number' ? 'N' : 'S',
      ...(t.sortKey
        ? {
            sortKey: t.sortKey.name,
            sortKeyType: t.sortKey.type === 'number' ? ('N' as const) : ('S' as const),
          }
        : {}),
    })),
    ...(topology.bucket ? { bucket: topology.bucket.name } : {}),
    ...(topology.index ? { index: topology.index.name } : {}),
    flows,
  };
};
