import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Topology } from '../../shared/topology/topology.ts';
import { localAwsConfig } from '../services/aws-local.ts';
import type { LocalState } from '../services/state.ts';

/** moto's account: what local ARNs carry, and what the local functions get as SLUICE_ACCOUNT_ID. */
export const localAccountId = '123456789012';

/** The queue `npm start` subscribes to an SNS topic (or routes a bus to) so it can read what was sent. */
export const inboxOf = (target: string): string =>
  target.endsWith('.fifo') ? `${target.slice(0, -'.fifo'.length)}-inbox.fifo` : `${target}-inbox`;

/** The SQS, SNS and EventBridge targets the flows name (names only: an ARN is someone else's resource). */
export const messagingTargets = (topology: Topology) => {
  const named = (ref: string | undefined) => (ref && !ref.startsWith('arn:') ? [ref] : []);
  const outputs = topology.flows.flatMap((f) => f.outputs);
  const unique = (refs: string[]) => [...new Set(refs)].sort();
  return {
    queues: unique(outputs.flatMap((o) => named(o.resources.queue))),
    topics: unique(outputs.flatMap((o) => named(o.resources.notificationTopic))),
    buses: unique(outputs.flatMap((o) => named(o.resources.eventBus)).filter((b) => b !== 'default')),
  };
};

const clients = (state: LocalState) => {
  const config = localAwsConfig(state.s3?.endpoint ?? '');
  return { sqs: new SQSClient(config), sns: new SNSClient(config), events: new EventBridgeClient(config) };
};

const createQueue = async (sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> => {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      ...(name.endsWith('.fifo') ? { Attributes: { FifoQueue: 'true' } } : {}),
    }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
};

/**
 * Empties an inbox queue. SQS allows one PurgeQueue per queue a minute, and two runs (`npm start`, then
 * `--resume`) can come sooner: then what is left is received and deleted instead.
 */
const emptyQueue = async (sqs: SQSClient, url: string): Promise<void> => {
  try {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    return;
  } catch (error) {
    if (!String((error as { Code?: string }).Code ?? (error as Error).name).includes('PurgeQueueInProgress'))
      throw error;
  }
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
  }
};

/**
 * Creates on moto (idempotently) the queues, SNS topics and buses the flows send to, as the CDK app creates them
 * in AWS, plus an inbox queue for each topic (subscribed, raw delivery) and bus (a rule for every event), emptied
 * so that a run reads only what it sent. Returns how many targets it made.
 */
export const provisionMessaging = async (topology: Topology, state: LocalState): Promise<number> => {
  const targets = messagingTargets(topology);
  if (targets.queues.length + targets.topics.length + targets.buses.length === 0) return 0;
  const { sqs, sns, events } = clients(state);
  try {
    for (const queue of targets.queues) await createQueue(sqs, queue);
    for (const topic of targets.topics) {
      const { TopicArn } = await sns.send(
        new CreateTopicCommand({
          Name: topic,
          ...(topic.endsWith('.fifo') ? { Attributes: { FifoTopic: 'true' } } : {}),
        }),
      );
      const inbox = await createQueue(sqs, inboxOf(topic));
      await emptyQueue(sqs, inbox.url);
      // Subscribing again with the same endpoint is a no-op in SNS (and moto): the same subscription.
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: inbox.arn,
          Attributes: { RawMessageDelivery: 'true' },
        }),
      );
    }
    for (const bus of targets.buses) {
      try {
        await events.send(new CreateEventBusCommand({ Name: bus }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceAlreadyExistsException') throw error;
      }
      const inbox = await createQueue(sqs, inboxOf(bus));
      await emptyQueue(sqs, inbox.url);
      await events.send(
        new PutRuleCommand({
          Name: 'sluice-inbox',
          EventBusName: bus,
          EventPattern: JSON.stringify({ 'detail-type': [{ exists: true }] }),
        }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: 'sluice-inbox',
          EventBusName: bus,
          Targets: [{ Id: 'inbox', Arn: inbox.arn }],
        }),
      );
    }
  } finally {
    sqs.destroy();
    sns.destroy();
    events.destroy();
  }
  return targets.queues.length + targets.topics.length + targets.buses.length;
};

/** Reads and deletes every message in a queue (by name): the bodies, in the order received. */
export const drainQueue = async (state: LocalState, name: string): Promise<string[]> => {
  const { sqs, sns, events } = clients(state);
  sns.destroy();
  events.destroy();
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      if (Messages.length === 0) return bodies;
      for (const m of Messages) bodies.push(m.Body ?? '');
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  } finally {
    sqs.destroy();
  }
};

/** What the notifications received say about the expected alerts: how many matched, and how many did not. */
export const notificationsFor = (
  bodies: readonly string[],
  alertIds: ReadonlySet<string>,
): { matched: number; unexpected: number } => {
  const seen = new Set<string>();
  let unexpected = 0;
  for (const body of bodies) {
    let id: unknown;
    try {
      id = (JSON.parse(body) as { reviewId?: unknown }).reviewId;
    } catch {
      id = undefined;
    }
    if (typeof id === 'string' && alertIds.has(id) && !seen.has(id)) seen.add(id);
    else unexpected += 1;
  }
  return { matched: seen.size, unexpected };
};
