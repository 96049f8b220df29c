import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import type { Filter } from '../filter/filter.ts';
import type { FlowRecord, ValueRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { fn, int, parseOptions, text } from './options.ts';

const optionsSchema = z.strictObject({
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * The events' `source` (rules match on it); `aws.` is AWS's own prefix.
   * @example source: 'sluice.reviews'
   */
  source: text().check(
    z.maxLength(256, { error: 'at most 256 characters' }),
    z.refine((s) => !s.startsWith('aws.'), { error: 'must not start with aws. (reserved for AWS services)' }),
  ),
  /**
   * The events' `detail-type`: text, or read from the record.
   * @example detailType: 'ReviewAlert'
   */
  detailType: z.union([text(), fn<(record: FlowRecord) => string>()], {
    error: 'expected a string or a function',
  }),
  /**
   * The event's `detail`, a JSON object.
   * @default the record's value (which must be a JSON object)
   * @example detail: (record) => ({ reviewId: record.value.reviewId })
   */
  detail: z.optional(fn<(record: FlowRecord) => unknown>()),
  /**
   * The customer-managed KMS key (ARN) the bus is encrypted with; the CDK app grants its use to the flow.
   * @default none (an AWS-owned key)
   * @example kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-…'
   */
  kmsKey: z.optional(z.string().check(z.startsWith('arn:', { error: 'must be a KMS key ARN' }))),
  /**
   * PutEvents requests in flight at once.
   * @default 4
   * @example concurrency: 8
   */
  concurrency: z._default(int(1, 32), 4),
  /**
   * How long throttled requests and retriable entry failures are retried before the batch fails (shortened near
   * the deadline).
   * @default 30000
   * @example retryBudgetMs: 10_000
   */
  retryBudgetMs: z._default(int(0), 30_000),
});

/**
 * Options of `toEventBridge`.
 * @typeParam V - the record value type: `detail`, `detailType` and `when` read it
 */
export type EventBridgeOutputOptions<V = Loose> = Omit<
  z.input<typeof optionsSchema>,
  'when' | 'detail' | 'detailType'
> & {
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
  /**
   * The events' `detail-type`: text, or read from the record.
   * @example detailType: 'ReviewAlert'
   */
  readonly detailType: string | ((record: ValueRecord<V>) => string);
  /**
   * The event's `detail`, a JSON object.
   * @default the record's value (which must be a JSON object)
   * @example detail: (record) => ({ reviewId: record.value.reviewId })
   */
  readonly detail?: (record: ValueRecord<V>) => unknown;
};

export interface EventBridgeResources {
  /** The bus's name or ARN, as declared. */
  readonly eventBus: string;
  readonly kmsKey?: string;
}

// EventBridge: bus names of 1–256 letters, digits and . - _ (a partner bus's name has slashes: give its ARN).
const busName = /^[A-Za-z0-9._-]{1,256}$/;

const busTarget = (bus: unknown): { ref: string; name: string } => {
  if (typeof bus !== 'string' || bus.length === 0)
    throw new ConfigError('toEventBridge(bus)', 'expected an event bus name or ARN');
  if (bus.startsWith('arn:')) {
    const parts = bus.split(':');
    const resource = parts[5] ?? '';
    if (parts.length !== 6 || parts[2] !== 'events' || !resource.startsWith('event-bus/'))
      throw new ConfigError(
        'toEventBridge(bus)',
        `"${bus}" is not an event bus ARN (arn:<partition>:events:<region>:<account>:event-bus/<name>)`,
      );
    return { ref: bus, name: resource.slice('event-bus/'.length) };
  }
  if (!busName.test(bus))
    throw new ConfigError('toEventBridge(bus)', `"${bus}" is not a valid event bus name`);
  return { ref: bus, name: bus };
};

/**
 * Put the flow's records on an EventBridge bus as events (PutEvents, 10 a request), each with its record's time.
 * A name other than `default` is a bus the app creates; an ARN an existing bus. EventBridge has no deduplication:
 * delivery is at least once, as with Kafka outputs.
 * @typeParam V - the value type of the flow's records, which `detail` and `detailType` read
 * @example toEventBridge('default', { source: 'sluice.reviews', detailType: 'ReviewAlert' })
 */
export const toEventBridge = <V = Loose>(
  bus: string,
  options: EventBridgeOutputOptions<V>,
): DeclaredOutput<'eventbridge', EventBridgeResources, V> => {
  const target = busTarget(bus);
  const path = `toEventBridge(${target.name})`;
  const opts = parseOptions(optionsSchema, options, path);
  const name = `eventbridge:${target.name}`;
  return {
    kind: 'eventbridge',
    name,
    ...whenOf(opts.when),
    resources: { eventBus: target.ref, ...(opts.kmsKey ? { kmsKey: opts.kmsKey } : {}) },
    create: () =>
      lazyOutput(name, async () => {
        const [{ eventBridgeClient }, { createEventBridgeWriter }] = await Promise.all([
          import('../clients/eventbridge.ts'),
          import('./eventbridge-writer.ts'),
        ]);
        const client = await eventBridgeClient();
        return createEventBridgeWriter({
          name,
          bus: target.ref,
          busName: target.name,
          source: opts.source,
          detailType: opts.detailType,
          ...(opts.detail ? { detail: opts.detail } : {}),
          concurrency: opts.concurrency,
          retry: { baseMs: 50, maxDelayMs: 2_000, budgetMs: opts.retryBudgetMs },
          client: () => client,
        });
      }),
  };
};
