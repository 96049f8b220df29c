import { describe, expect, it } from 'vitest';
import { toDot } from '../../../local/graph/dot.ts';
import { toMermaid } from '../../../local/graph/mermaid.ts';
import { EdgeKind, topologyGraph } from '../../../local/graph/model.ts';
import { toEventBridge } from '../../../shared/outputs/eventbridge.ts';
import { toHttp } from '../../../shared/outputs/http.ts';
import { toPostgres } from '../../../shared/outputs/postgres.ts';
import { toSns } from '../../../shared/outputs/sns.ts';
import { toSqs } from '../../../shared/outputs/sqs.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow, defineTopics, defineTopology } from '../../../shared/topology/index.ts';

const topics = defineTopics({
  enriched: { name: 'reviews.enriched', format: 'json', partitions: 1 },
  dead: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});
const topology = defineTopology({
  topics,
  flows: [
    defineFlow({
      name: 'reviews-out',
      source: { topic: topics.enriched },
      outputs: [
        toHttp({ url: 'https://crm.example.com/v1/reviews' }),
        toHttp({ url: 'https://crm.example.com/v2/reviews', batch: { ndjson: true } }),
        toPostgres({ table: 'review_facts', key: 'review_id' }),
        toSqs('review-queue'),
        toSns('review-alerts'),
        toEventBridge('default', { source: 'sluice.reviews', detailType: 'Review' }),
      ],
      deadLetter: toTopic(topics.dead),
    }),
  ],
});

describe('the topology graph with every kind of non-Kafka output', () => {
  it('draws one node per target the flow writes to: an HTTP endpoint by its host, once per origin', () => {
    // Act
    const graph = topologyGraph(topology);
    // Assess
    const written = graph.edges.filter((e) => e.kind === EdgeKind.Writes).map((e) => e.to);
    const targets = written.map((id) => graph.nodes.find((n) => n.id === id));
    expect(targets.map((n) => [n?.kind, ...(n?.lines ?? [])])).toEqual([
      ['endpoint', 'crm.example.com', 'HTTP endpoint'],
      ['endpoint', 'crm.example.com', 'HTTP endpoint'],
      ['table', 'review_facts', 'PostgreSQL table'],
      ['messaging', 'review-queue', 'SQS queue'],
      ['messaging', 'review-alerts', 'SNS topic'],
      ['messaging', 'default', 'EventBridge bus'],
    ]);
    expect(new Set(written).size).toBe(5);
  });

  it('renders the endpoint in both renderers as a hexagon', () => {
    // Act
    const graph = topologyGraph(topology);
    // Assess
    expect(toMermaid(graph)).toContain('endpoint_crm_example_com{{"crm.example.com<br/>HTTP endpoint"}}');
    expect(toDot(graph)).toMatch(/endpoint_crm_example_com \[label=.*shape=hexagon/);
  });
});
