import { describe, expect, it } from 'vitest';
import { toDot } from '../../../local/graph/dot.ts';
import { mermaidText, toMermaid } from '../../../local/graph/mermaid.ts';
import { EdgeKind, topologyGraph } from '../../../local/graph/model.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { defineTopology } from '../../../shared/topology/topology.ts';
import { paymentsTopology } from './fixture.ts';

describe('the topology graph', () => {
  it('draws every resource and flow, their paths, and labels filters, whens, joins, routes and the bucket prefix', () => {
    // Act
    const mermaid = toMermaid(topologyGraph(paymentsTopology));
    // Assess
    expect(mermaid).toBe(EXPECTED_MERMAID);
  });

  it('sends each flow to the on-failure destination the CDK app resolves: <source>.failed, an ARN, or the bucket', () => {
    // Act
    const graph = topologyGraph(paymentsTopology);
    // Assess
    const onFailure = graph.edges.filter((e) => e.kind === EdgeKind.OnFailure).map((e) => [e.from, e.to]);
    expect(onFailure).toEqual([
      ['flow_score_payments', 'topic_payments_failed'],
      ['flow_payments_lake', 'destination_payments_lake_failed'],
      ['flow_accounts_table', 'failed_batches'],
      ['flow_payments_search', 'failed_batches'],
    ]);
  });

  it('renders DOT from the same graph: one statement per node and per edge, labels as written', () => {
    // Prepare
    const graph = topologyGraph(paymentsTopology);
    // Act
    const dot = toDot(graph);
    // Assess
    for (const node of graph.nodes) expect(dot).toContain(`  ${node.id} [label="${node.lines.join('\\n')}"`);
    const edges = dot.split('\n').filter((line) => line.includes(' -> '));
    expect(edges).toHaveLength(graph.edges.length);
    graph.edges.forEach((e, i) => {
      expect(edges[i]).toMatch(new RegExp(`^  ${e.from} -> ${e.to}\\b`));
      if (e.label) expect(edges[i]).toContain(`label="${e.label}"`);
    });
    expect(dot).toContain('label="when 10 ≤ amount < 1000 and note exists"');
  });

  it('escapes what would break a Mermaid label, and a DOT string', () => {
    // Act
    const mermaid = mermaidText('a < "b" & #c` >');
    const dot = toDot({ nodes: [{ id: 'n', kind: 'flow', lines: ['say "hi" \\ bye'] }], edges: [] });
    // Assess
    expect(mermaid).toBe('a #60; #34;b#34; #38; #35;c#96; #62;');
    expect(dot).toContain('n [label="say \\"hi\\" \\\\ bye"');
  });

  it('gives names that differ only in punctuation distinct ids', () => {
    // Prepare
    const topics = defineTopics({
      dotted: { name: 'a.b', format: 'json', partitions: 1 },
      underscored: { name: 'a_b', format: 'json', partitions: 1, internal: true },
      dlq: { name: 'dlq', format: 'bytes', partitions: 1 },
    });
    const flow = defineFlow({
      name: 'copy',
      source: { topic: topics.dotted },
      outputs: [toTopic(topics.underscored)],
      deadLetter: toTopic(topics.dlq),
    });
    // Act
    const graph = topologyGraph(defineTopology({ topics, flows: [flow] }));
    // Assess
    expect(graph.nodes.map((n) => n.id).slice(0, 2)).toEqual(['topic_a_b', 'topic_a_b_2']);
    expect(graph.edges[1]).toMatchObject({ from: 'flow_copy', to: 'topic_a_b_2' });
  });
});

const EXPECTED_MERMAID = `flowchart LR
  topic_payments(["payments"])
  topic_payments_failed(["payments.failed"])
  topic_payments_scored(["payments.scored"])
  topic_payments_flagged(["payments.flagged"])
  topic_accounts_cdc(["accounts.cdc"])
  topic_payments_dlq(["payments.dlq"])
  table_accounts[("accounts<br/>DynamoDB table")]
  table_merchants[("merchants<br/>DynamoDB table")]
  bucket_payments_lake[("payments-lake<br/>S3 bucket")]
  index_payments[("payments<br/>OpenSearch index")]
  destination_payments_lake_failed>"payments-lake-failed<br/>SQS queue"]
  failed_batches[("failed batches<br/>S3 bucket")]
  flow_score_payments["score-payments<br/>enrich-account → enrich-merchant → score → risk-router"]
  flow_payments_lake["payments-lake"]
  flow_accounts_table["accounts-table"]
  flow_payments_search["payments-search"]
  topic_payments -->|"(amount #62; 100 and currency = 'EUR') or country in ('NL', 'BE') · pushed down"| flow_score_payments
  table_accounts -.->|"as account · inner join, misses dead-lettered"| flow_score_payments
  table_merchants -.->|"as merchant · left join"| flow_score_payments
  flow_score_payments -->|"routed by risk-router"| topic_payments_scored
  flow_score_payments -->|"routed by risk-router · when account.risk starts with 'high'"| topic_payments_flagged
  flow_score_payments -.->|"dead letters"| topic_payments_dlq
  flow_score_payments -.->|"on failure"| topic_payments_failed
  topic_payments_scored -->|"predicate notATest · in-process"| flow_payments_lake
  flow_payments_lake -->|"payments/scored/"| bucket_payments_lake
  flow_payments_lake -.->|"dead letters"| topic_payments_dlq
  flow_payments_lake -.->|"on failure"| destination_payments_lake_failed
  topic_accounts_cdc --> flow_accounts_table
  flow_accounts_table --> table_accounts
  flow_accounts_table -.->|"dead letters"| topic_payments_dlq
  flow_accounts_table -.->|"on failure"| failed_batches
  topic_payments_scored --> flow_payments_search
  flow_payments_search -->|"when 10 ≤ amount #60; 1000 and note exists"| index_payments
  flow_payments_search -.->|"dead letters"| topic_payments_dlq
  flow_payments_search -.->|"on failure"| failed_batches
  linkStyle 5,6,9,10,13,14,17,18 stroke:#b5473f
  classDef topic fill:#e0ecff,stroke:#4a6fa5
  classDef flow fill:#fff4d6,stroke:#b08a2e
  classDef store fill:#e3f4e1,stroke:#4f8a4a
  classDef failure fill:#fde2e1,stroke:#b5473f
  class topic_payments,topic_payments_failed,topic_payments_scored,topic_payments_flagged,topic_accounts_cdc,topic_payments_dlq topic
  class table_accounts,table_merchants,bucket_payments_lake,index_payments store
  class destination_payments_lake_failed,failed_batches failure
  class flow_score_payments,flow_payments_lake,flow_accounts_table,flow_payments_search flow
`;
