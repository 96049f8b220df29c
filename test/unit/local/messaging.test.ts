import { describe, expect, it } from 'vitest';
import { topologyGraph } from '../../../local/graph/model.ts';
import { inboxOf, messagingTargets, notificationsFor } from '../../../local/runner/messaging.ts';
import { toEventBridge } from '../../../shared/outputs/eventbridge.ts';
import { toSns } from '../../../shared/outputs/sns.ts';
import { toSqs } from '../../../shared/outputs/sqs.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow, defineTopics, defineTopology } from '../../../shared/topology/index.ts';

const topics = defineTopics({
  alerts: { name: 'reviews.alerts', format: 'json', partitions: 1 },
  dead: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});
const topology = defineTopology({
  topics,
  flows: [
    defineFlow({
      name: 'alerts-notify',
      source: { topic: topics.alerts },
      outputs: [
        toSns('review-alerts.fifo', { groupField: 'customerId' }),
        toSqs('arn:aws:sqs:eu-west-1:210987654321:theirs'),
        toEventBridge('default', { source: 'sluice.reviews', detailType: 'ReviewAlert' }),
      ],
      deadLetter: toTopic(topics.dead),
    }),
  ],
});

describe('npm start and the graph with SQS, SNS and EventBridge outputs', () => {
  it("provisions only targets named without an ARN, and not the account's default bus", () => {
    expect(messagingTargets(topology)).toEqual({ queues: [], topics: ['review-alerts.fifo'], buses: [] });
    expect(inboxOf('review-alerts.fifo')).toBe('review-alerts-inbox.fifo');
    expect(inboxOf('review-alerts')).toBe('review-alerts-inbox');
  });

  it('counts notifications that match an alert once, and every other one (a repeat, a stranger) as unexpected', () => {
    // Act
    const received = notificationsFor(
      ['{"reviewId":"r-1"}', '{"reviewId":"r-2"}', '{"reviewId":"r-1"}', '{"reviewId":"r-9"}', 'not json'],
      new Set(['r-1', 'r-2', 'r-3']),
    );
    // Assess
    expect(received).toEqual({ matched: 2, unexpected: 3 });
  });

  it('draws each target as a node the flow writes to, named by its name', () => {
    // Act
    const graph = topologyGraph(topology);
    // Assess
    const targets = graph.nodes.filter((n) => n.kind === 'messaging').map((n) => n.lines);
    expect(targets).toEqual([
      ['review-alerts.fifo', 'SNS topic'],
      ['theirs', 'SQS queue'],
      ['default', 'EventBridge bus'],
    ]);
    expect(graph.edges.filter((e) => e.kind === 'writes')).toHaveLength(3);
  });
});
