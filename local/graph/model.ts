import type { OutputSpec } from '../../shared/outputs/spec.ts';
import type { Step } from '../../shared/steps/step.ts';
import type { Flow } from '../../shared/topology/flow.ts';
import { failureDestinationOf } from '../../shared/topology/on-failure.ts';
import type { Topology } from '../../shared/topology/topology.ts';
import { filterText } from './filter-text.ts';

export const NodeKind = {
  Topic: 'topic',
  Flow: 'flow',
  Table: 'table',
  Bucket: 'bucket',
  Index: 'index',
  /** The app's failed-batches bucket (S3 on-failure destination). */
  FailedBatches: 'failed-batches',
  /** An SQS, SNS or S3 on-failure destination a flow names by ARN. */
  Destination: 'destination',
  /** An SQS queue, SNS topic or EventBridge bus an output sends to. */
  Messaging: 'messaging',
  /** An HTTP endpoint (its origin) an http output sends to. */
  Endpoint: 'endpoint',
} as const;
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

export const EdgeKind = {
  /** A flow's source topic → the flow. */
  Reads: 'reads',
  /** A flow → one of its outputs. */
  Writes: 'writes',
  /** A table an enrich step reads → the flow; a flow → the table a stateful step keeps state in. */
  Joins: 'joins',
  DeadLetter: 'dead-letter',
  OnFailure: 'on-failure',
} as const;
export type EdgeKind = (typeof EdgeKind)[keyof typeof EdgeKind];

export interface GraphNode {
  /** Safe in Mermaid and DOT: letters, digits and `_`. */
  readonly id: string;
  readonly kind: NodeKind;
  /** The label, one entry a line; the first is the resource's or flow's name. */
  readonly lines: readonly string[];
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
}

/** The topology as a picture's data: both renderers (Mermaid, DOT) draw exactly this. */
export interface TopologyGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/**
 * The graph of a topology: every declared topic, table, bucket and index, every flow (its steps on a second
 * line), and the edges between them: source (labelled with the source filter), outputs (labelled with their
 * `when`, the bucket prefix), enrich joins (table, `as`, inner/left), dead letters and the resolved on-failure
 * destination (`failureDestinationOf`, as the CDK app and the emulator resolve it). Deterministic: declaration
 * order throughout, so a regenerated diagram differs only when the topology does.
 */
export const topologyGraph = (topology: Topology): TopologyGraph => {
  const nodes = new Map<string, GraphNode>();
  const ids = new Set<string>();
  const edges: GraphEdge[] = [];

  const node = (kind: NodeKind, key: string, lines: readonly string[], idHint = key): string => {
    const existing = nodes.get(`${kind}/${key}`);
    if (existing) return existing.id;
    const base = (idHint ? `${kind}_${idHint}` : kind).replace(/[^A-Za-z0-9]+/g, '_');
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}_${n}`;
    ids.add(id);
    nodes.set(`${kind}/${key}`, { id, kind, lines });
    return id;
  };
  const topic = (name: string) => node(NodeKind.Topic, name, [name]);
  const table = (name: string) => node(NodeKind.Table, name, [name, 'DynamoDB table']);
  const bucket = (name: string) => node(NodeKind.Bucket, name, [name, 'S3 bucket']);
  const index = (name: string) => node(NodeKind.Index, name, [name, 'OpenSearch index']);
  const postgresTable = (name: string) =>
    node(NodeKind.Table, `postgres:${name}`, [name, 'PostgreSQL table'], `pg_${name}`);

  const destination = (arn: string) => {
    const lines = arnLines(arn);
    return node(NodeKind.Destination, arn, lines, lines[0]);
  };

  const messaging = (kind: string, ref: string) => {
    const name = ref.startsWith('arn:') ? (ref.split(':')[5] ?? ref).replace(/^event-bus\//, '') : ref;
    const what = { sqs: 'SQS queue', sns: 'SNS topic', eventbridge: 'EventBridge bus' }[kind] ?? kind;
    return node(NodeKind.Messaging, `${kind}:${ref}`, [name, what], name);
  };

  const endpoint = (origin: string) => {
    const host = URL.canParse(origin) ? new URL(origin).host : origin;
    return node(NodeKind.Endpoint, origin, [host, 'HTTP endpoint'], host);
  };

  for (const t of topology.topics) topic(t.name);
  for (const t of topology.tables) table(t.name);
  if (topology.bucket) bucket(topology.bucket.name);
  if (topology.index) index(topology.index.name);

  for (const flow of topology.flows) {
    const id = node(NodeKind.Flow, flow.name, flowLines(flow));
    const { filter, pushdown } = flow.source;
    edges.push({
      from: topic(flow.source.topic.name),
      to: id,
      kind: EdgeKind.Reads,
      ...(filter
        ? { label: `${filterText(filter)} · ${pushdown?.pushable ? 'pushed down' : 'in-process'}` }
        : {}),
    });
    for (const step of flow.steps) edges.push(...joinEdges(step, id, table));
    // A route step sends each record to one of its topics: say which step decides on those edges.
    const routedBy = new Map(
      flow.steps.flatMap((step) => (step.routesTo ?? []).map((t) => [t.name, step.name] as const)),
    );
    for (const spec of flow.outputs) {
      const targets = outputTargets(
        spec,
        topology,
        { topic, table, bucket, index, postgresTable, messaging, endpoint },
        routedBy,
      );
      for (const { to, detail } of targets) {
        const parts = [detail, spec.when && `when ${filterText(spec.when)}`].filter(Boolean);
        edges.push({
          from: id,
          to,
          kind: EdgeKind.Writes,
          ...(parts.length ? { label: parts.join(' · ') } : {}),
        });
      }
    }
    for (const name of flow.deadLetter.resources.topics ?? []) {
      edges.push({ from: id, to: topic(name), kind: EdgeKind.DeadLetter, label: 'dead letters' });
    }
    const failure = failureDestinationOf(flow, topology);
    const to =
      failure.kind === 'topic'
        ? topic(failure.topic)
        : failure.kind === 'failed-batches'
          ? node(NodeKind.FailedBatches, '', ['failed batches', 'S3 bucket'])
          : destination(failure.arn);
    edges.push({ from: id, to, kind: EdgeKind.OnFailure, label: 'on failure' });
  }
  // Resources first, flows last (as declared), whatever order the edges met them in: a steadier layout.
  const ordered = [...nodes.values()].sort(
    (a, b) => (a.kind === NodeKind.Flow ? 1 : 0) - (b.kind === NodeKind.Flow ? 1 : 0),
  );
  return { nodes: ordered, edges };
};

const flowLines = (flow: Flow): string[] =>
  flow.steps.length ? [flow.name, flow.steps.map((s) => s.name).join(' → ')] : [flow.name];

const joinEdges = (step: Step, flowId: string, table: (name: string) => string): GraphEdge[] => {
  const j = step.joins;
  if (j) {
    const miss = j.onMissing === 'deadLetter' ? ', misses dead-lettered' : '';
    return [
      {
        from: table(j.table.name),
        to: flowId,
        kind: EdgeKind.Joins,
        label: `as ${j.as} · ${j.join} join${miss}`,
      },
    ];
  }
  // A step that reads a table without describing a join: the edge still shows the read.
  return [
    ...(step.reads ?? []).map((t) => ({
      from: table(t.name),
      to: flowId,
      kind: EdgeKind.Joins,
      label: step.name,
    })),
    // A stateful step's table (windows, join buffers): read and written by the flow.
    ...(step.keepsStateIn ?? []).map((t) => ({
      from: flowId,
      to: table(t.name),
      kind: EdgeKind.Joins,
      label: `${step.name} state`,
    })),
  ];
};

interface Nodes {
  topic(name: string): string;
  table(name: string): string;
  postgresTable(name: string): string;
  bucket(name: string): string;
  index(name: string): string;
  /** An SQS queue, SNS topic or EventBridge bus an output sends to, by name or ARN. */
  messaging(kind: string, ref: string): string;
  /** An HTTP endpoint, by origin. */
  endpoint(origin: string): string;
}

const outputTargets = (
  spec: OutputSpec,
  topology: Topology,
  nodes: Nodes,
  routedBy: ReadonlyMap<string, string>,
): { to: string; detail?: string }[] => {
  const r = spec.resources;
  const targets: { to: string; detail?: string }[] = [
    ...(r.topics ?? []).map((name) => {
      const step = routedBy.get(name);
      return { to: nodes.topic(name), ...(step ? { detail: `routed by ${step}` } : {}) };
    }),
    ...(r.tables ?? []).map((name) => ({ to: nodes.table(name) })),
    ...(r.index !== undefined ? [{ to: nodes.index(r.index) }] : []),
    ...(r.postgresTables ?? []).map((name) => ({ to: nodes.postgresTable(name) })),
  ];
  const messaging = r.queue ?? r.notificationTopic ?? r.eventBus;
  if (messaging !== undefined) targets.push({ to: nodes.messaging(spec.kind, messaging) });
  if (r.endpoint !== undefined) targets.push({ to: nodes.endpoint(r.endpoint) });
  if (spec.kind === 's3') {
    const named = (r as { bucket?: unknown }).bucket;
    const name = typeof named === 'string' ? named : topology.bucket?.name;
    if (name !== undefined)
      targets.push({ to: nodes.bucket(name), ...(r.bucketPrefix ? { detail: `${r.bucketPrefix}/` } : {}) });
  }
  return targets;
};

/** `arn:aws:sqs:eu-west-1:123:orders-failed` → `orders-failed`, `SQS queue`. */
const arnLines = (arn: string): string[] => {
  const [, , service = '', , , ...rest] = arn.split(':');
  const resource = rest.join(':') || arn;
  const what = { sqs: 'SQS queue', sns: 'SNS topic', s3: 'S3 bucket' }[service] ?? service;
  return [resource, what];
};
