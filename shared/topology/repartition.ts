import { ConfigError } from '../errors.ts';
import type { Flow } from './flow.ts';
import type { TopicRef } from './resources.ts';

/**
 * Partitioning the topology relies on, declared with `keyedBy` on topics (Kafka Streams' rule: a grouping key
 * that is not the topic's key needs a repartition topic keyed by it first):
 * - a step that groups by a value field (`aggregate`) must read a topic declared `keyedBy` that field: otherwise
 *   one key's records are spread over partitions, each with its own stream time, and windows close early;
 * - a flow that `rekey`s by a field (the repartition hop) must write topic outputs declared `keyedBy` that field,
 *   so what the topic says is what its producer does.
 * Joins are checked with their co-partitioning (`checkJoins`), which reads the same declaration.
 * Throws a ConfigError naming the flow, the step and the fix.
 */
export const checkRepartitioning = (flows: readonly Flow[], topics: ReadonlyMap<string, TopicRef>): void => {
  for (const flow of flows) {
    const source = flow.source.topic;
    flow.steps.forEach((step, i) => {
      const by = step.groupsBy;
      if (by === undefined || source.keyedBy === by) return;
      if (by === 'function' && source.keyedBy !== undefined) return;
      const path = `flows.${flow.name}.steps[${i}] (${step.name}).key`;
      throw new ConfigError(
        path,
        `flow ${flow.name} groups by ${by === 'function' ? 'a function' : `"${by}"`}, but its source topic "${source.name}" is ${
          source.keyedBy === undefined ? 'not declared keyedBy it' : `keyed by "${source.keyedBy}"`
        }: declare a repartition topic keyed by it (keyedBy: '${by === 'function' ? '<field>' : by}', internal: true), write it from a flow that rekeys the records (rekey({ key: '${by === 'function' ? '<field>' : by}' })), and aggregate that topic`,
      );
    });
    const rekeyed = flow.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.rekeysBy !== undefined);
    const last = rekeyed[rekeyed.length - 1];
    if (last === undefined || last.s.rekeysBy === 'function') continue;
    const by = last.s.rekeysBy as string;
    flow.outputs.forEach((output, o) => {
      for (const name of output.resources.topics ?? []) {
        const keyedBy = topics.get(name)?.keyedBy;
        if (keyedBy === by) continue;
        throw new ConfigError(
          `flows.${flow.name}.outputs[${o}]`,
          `flow ${flow.name} rekeys its records by "${by}" (steps[${last.i}] ${last.s.name}), but writes topic "${name}", which is ${
            keyedBy === undefined ? 'not declared keyedBy it' : `declared keyedBy "${keyedBy}"`
          }: declare the topic keyedBy: '${by}' (it is a repartition topic)`,
        );
      }
    });
  }
};
