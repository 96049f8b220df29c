import { ConfigError } from '../errors.ts';
import { checkJoins } from '../stateful/join-topology.ts';
import type { Flow } from './flow.ts';
import { checkRepartitioning } from './repartition.ts';
import { type BucketRef, type IndexRef, isTopicRef, type TableRef, type TopicRef } from './resources.ts';

export interface TopologyOptions {
  readonly topics: Readonly<Record<string, TopicRef>>;
  readonly tables?: Readonly<Record<string, TableRef>>;
  readonly bucket?: BucketRef;
  readonly index?: IndexRef;
  readonly flows: readonly Flow[];
}

export interface Topology {
  readonly topics: readonly TopicRef[];
  readonly tables: readonly TableRef[];
  readonly bucket?: BucketRef;
  readonly index?: IndexRef;
  readonly flows: readonly Flow[];
  topic(name: string): TopicRef | undefined;
  table(name: string): TableRef | undefined;
  flow(name: string): Flow | undefined;
}

/**
 * The whole deployment as data. Checks what no single flow can: unique names, consumer groups unique across flows,
 * that every topic, table, bucket prefix and index a flow reads or writes is declared here (and declared the
 * same way, when a flow holds its own reference), and that exactly the topics flows write are `internal`.
 * Throws a ConfigError naming the path of the first problem.
 */
export const defineTopology = (options: TopologyOptions): Topology => {
  const topics = uniqueByName(Object.values(options.topics ?? {}), 'topics');
  const tables = uniqueByName(Object.values(options.tables ?? {}), 'tables');
  const flows = options.flows ?? [];

  const flowNames = new Set<string>();
  const groups = new Map<string, string>();
  const stateOwners = new Map<string, { readonly path: string; readonly kind: string }>();
  for (const flow of flows) {
    const at = `flows.${flow.name}`;
    if (flowNames.has(flow.name)) throw new ConfigError(`${at}.name`, 'is declared twice');
    flowNames.add(flow.name);

    checkTopic(topics, flow.source.topic, `${at}.source.topic`);
    // Across all flows, whatever their topic: "The consumer group ID must be unique among all your Kafka event
    // sources" (https://docs.aws.amazon.com/lambda/latest/api/API_AmazonManagedKafkaEventSourceConfig.html).
    const group = flow.source.consumerGroup;
    const other = groups.get(group);
    if (other !== undefined) {
      throw new ConfigError(
        `${at}.source.consumerGroup`,
        `"${group}" is already the consumer group of flow ${other}; a consumer group id must be unique among all Kafka event sources`,
      );
    }
    groups.set(group, flow.name);
    const onFailure = flow.source.errorHandling.onFailure;
    if (onFailure && isTopicRef(onFailure))
      checkTopic(topics, onFailure, `${at}.source.errorHandling.onFailure`);

    flow.steps.forEach((step, i) => {
      for (const table of step.reads ?? []) checkTable(tables, table, `${at}.steps[${i}] (${step.name})`);
      for (const table of step.keepsStateIn ?? []) {
        const path = `${at}.steps[${i}] (${step.name})`;
        checkTable(tables, table, path, 'keeps state in');
        // A stateful step's items are prefixed with its name: two steps of one name would share their state.
        // The two sides of one join share theirs by design (checkJoins holds there are exactly two).
        const owner = stateOwners.get(`${table.name}\u0000${step.name}`);
        if (owner !== undefined && !(owner.kind === 'join' && step.kind === 'join'))
          throw new ConfigError(
            `${path}.name`,
            `"${step.name}" already keeps state in table "${table.name}" (${owner.path}); stateful steps sharing a table need distinct names`,
          );
        stateOwners.set(`${table.name}\u0000${step.name}`, { path, kind: step.kind });
      }
      for (const topic of step.routesTo ?? []) checkTopic(topics, topic, `${at}.steps[${i}] (${step.name})`);
    });

    const specs = [
      ...flow.outputs.map((o, i) => ({ o, path: `${at}.outputs[${i}]` })),
      { o: flow.deadLetter, path: `${at}.deadLetter` },
    ];
    for (const { o, path } of specs) {
      const r = o.resources;
      r.topics?.forEach((name, i) => {
        if (!topics.has(name))
          throw new ConfigError(
            `${path}.resources.topics[${i}]`,
            `topic "${name}" is not declared in the topology`,
          );
      });
      r.tables?.forEach((name, i) => {
        if (!tables.has(name))
          throw new ConfigError(
            `${path}.resources.tables[${i}]`,
            `table "${name}" is not declared in the topology`,
          );
      });
      if (r.bucketPrefix !== undefined && options.bucket === undefined) {
        throw new ConfigError(
          `${path}.resources.bucketPrefix`,
          'writes to the bucket, but the topology declares no bucket',
        );
      }
      // Grants name the topology's bucket and index: an output writing another one would have none.
      checkTheOne(`${path}.resources.bucket`, 'bucket', r.bucket, options.bucket);
      checkTheOne(`${path}.resources.index`, 'index', r.index, options.index);
    }
  }

  checkInternalTopics(options.topics ?? {}, topics, flows);
  checkJoins(flows);
  checkRepartitioning(flows, topics);

  const flowList = Object.freeze([...flows]);
  const topicList = Object.freeze([...topics.values()]);
  const tableList = Object.freeze([...tables.values()]);
  return Object.freeze({
    topics: topicList,
    tables: tableList,
    ...(options.bucket ? { bucket: options.bucket } : {}),
    ...(options.index ? { index: options.index } : {}),
    flows: flowList,
    topic: (name: string) => topics.get(name),
    table: (name: string) => tables.get(name),
    flow: (name: string) => flowList.find((f) => f.name === name),
  });
};

const uniqueByName = <R extends { readonly name: string }>(
  refs: readonly R[],
  kind: string,
): Map<string, R> => {
  const byName = new Map<string, R>();
  for (const ref of refs) {
    if (byName.has(ref.name)) throw new ConfigError(`${kind}.${ref.name}`, 'is declared twice');
    byName.set(ref.name, ref);
  }
  return byName;
};

const checkTopic = (topics: Map<string, TopicRef>, ref: TopicRef, path: string): void => {
  const declared = topics.get(ref.name);
  if (declared === undefined)
    throw new ConfigError(path, `topic "${ref.name}" is not declared in the topology`);
  if (
    declared.format !== ref.format ||
    declared.partitions !== ref.partitions ||
    declared.internal !== ref.internal
  ) {
    throw new ConfigError(path, `topic "${ref.name}" differs from its declaration in the topology`);
  }
};

/** An output's bucket or index must be the topology's one. */
const checkTheOne = (
  path: string,
  kind: string,
  name: string | undefined,
  declared: { readonly name: string } | undefined,
): void => {
  if (name === undefined || name === declared?.name) return;
  throw new ConfigError(
    path,
    declared
      ? `${kind} "${name}" is not the topology's ${kind} "${declared.name}"`
      : `${kind} "${name}" is not declared in the topology`,
  );
};

const checkTable = (tables: Map<string, TableRef>, ref: TableRef, path: string, verb = 'reads'): void => {
  const declared = tables.get(ref.name);
  if (declared === undefined)
    throw new ConfigError(path, `${verb} table "${ref.name}", which is not declared in the topology`);
  if (declared.partitionKey.name !== ref.partitionKey.name || declared.sortKey?.name !== ref.sortKey?.name) {
    throw new ConfigError(path, `table "${ref.name}" differs from its declaration in the topology`);
  }
};

/**
 * Lineage headers are trusted only on topics that flows write (TopicRef.internal); a flow's runtime sees only its
 * own source topic, so the declaration must be right both ways: an internal topic that no flow writes would
 * trust outside producers, and a flow-written topic read as ingress would cut every path (and the lake's replay
 * guard with it) at that hop.
 */
const checkInternalTopics = (
  declared: Readonly<Record<string, TopicRef>>,
  topics: Map<string, TopicRef>,
  flows: readonly Flow[],
): void => {
  const writers = new Map<string, string>();
  for (const flow of flows) {
    for (const spec of [...flow.outputs, flow.deadLetter]) {
      for (const name of spec.resources.topics ?? []) if (!writers.has(name)) writers.set(name, flow.name);
    }
  }
  for (const [id, ref] of Object.entries(declared)) {
    if (ref.internal && !writers.has(ref.name)) {
      throw new ConfigError(
        `topics.${id}.internal`,
        `topic "${ref.name}" is declared internal, but no flow writes it: its producers are outside Sluice, so their lineage headers cannot be trusted`,
      );
    }
  }
  for (const flow of flows) {
    const name = flow.source.topic.name;
    const writer = writers.get(name);
    if (writer !== undefined && topics.get(name)?.internal !== true) {
      throw new ConfigError(
        `flows.${flow.name}.source.topic`,
        `topic "${name}" is written by flow ${writer}; declare it internal: true in defineTopics, so this flow keeps the lineage its records carry`,
      );
    }
  }
};
