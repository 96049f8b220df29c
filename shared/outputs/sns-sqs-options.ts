import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import type { FieldPath } from '../fields.ts';
import type { Filter } from '../filter/filter.ts';
import type { FlowRecord, ValueRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
import { fn, int, text } from './options.ts';
import { MAX_DECLARED_ATTRIBUTES } from './sns-sqs-message.ts';

/** The options `toSqs` and `toSns` share. */
export const messageOptionsSchema = z.strictObject({
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * The message body for a record: a string is sent as itself, anything else as JSON.
   * @default the record's value (a string as itself, bytes as base64, the rest as JSON)
   * @example body: (record) => ({ review: record.value.reviewId, rating: record.value.rating })
   */
  body: z.optional(fn<(record: FlowRecord) => unknown>()),
  /**
   * Record headers copied into message attributes (String) when the record has them; `sluice.lineage` is always
   * added, so at most 9.
   * @default none
   * @example attributes: ['traceparent', 'tenant']
   */
  attributes: z.optional(
    z.array(text()).check(
      z.maxLength(MAX_DECLARED_ATTRIBUTES, {
        error: `at most ${MAX_DECLARED_ATTRIBUTES} (SQS and SNS take 10 attributes; one is sluice.lineage)`,
      }),
    ),
  ),
  /**
   * FIFO targets (a name ending in `.fifo`) only, and required there: the value field whose text is the message
   * group id (order is kept within a group). The deduplication id comes from the record's lineage.
   * @default none
   * @example groupField: 'customerId'
   */
  groupField: z.optional(text()),
  /**
   * The customer-managed KMS key (ARN) the target is encrypted with; the CDK app grants its use to the flow.
   * @default none (not encrypted, or an AWS-managed key)
   * @example kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-…'
   */
  kmsKey: z.optional(z.string().check(z.startsWith('arn:', { error: 'must be a KMS key ARN' }))),
  /**
   * Batch requests in flight at once. A FIFO target always sends one at a time, to keep each group's order.
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
 * Options of `toSqs` and `toSns`.
 * @typeParam V - the record value type: `body`, `groupField` and `when` read it
 */
export type MessageOutputOptions<V = Loose> = Omit<
  z.input<typeof messageOptionsSchema>,
  'when' | 'body' | 'groupField'
> & {
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
  /**
   * The message body for a record: a string is sent as itself, anything else as JSON.
   * @default the record's value (a string as itself, bytes as base64, the rest as JSON)
   * @example body: (record) => ({ review: record.value.reviewId, rating: record.value.rating })
   */
  readonly body?: (record: ValueRecord<V>) => unknown;
  /**
   * FIFO targets only, and required there: the value field whose text is the message group id.
   * @default none
   * @example groupField: 'customerId'
   */
  readonly groupField?: FieldPath<V>;
};

/** A target given by name or ARN: its name, whether it is FIFO, and how the grants and the writer name it. */
export interface MessageTarget {
  /** What the flow declared: a name or an ARN. */
  readonly ref: string;
  readonly name: string;
  readonly fifo: boolean;
}

/**
 * Reads a target given by name or ARN of `service`, checking the name against `pattern` (the service's rule).
 * Throws a ConfigError at `path`.
 */
export const messageTarget = (
  ref: unknown,
  service: string,
  pattern: RegExp,
  path: string,
): MessageTarget => {
  if (typeof ref !== 'string' || ref.length === 0)
    throw new ConfigError(path, `expected a ${service} name or ARN`);
  const arn = ref.startsWith('arn:') ? ref.split(':') : undefined;
  if (arn && (arn.length !== 6 || arn[2] !== service || !/^\d{12}$/.test(arn[4] ?? '')))
    throw new ConfigError(
      path,
      `"${ref}" is not an ${service} ARN (arn:<partition>:${service}:<region>:<account>:<name>)`,
    );
  const name = arn ? (arn[5] as string) : ref;
  if (!pattern.test(name)) throw new ConfigError(path, `"${name}" is not a valid ${service} name`);
  return { ref, name, fifo: name.endsWith('.fifo') };
};

/**
 * The load-time checks of a FIFO choice: a FIFO target needs `groupField`, a standard one refuses it. The first is
 * run by `defineFlow` (through the spec's `check`), so its error names the flow.
 */
export const fifoCheck = (target: MessageTarget, groupField: string | undefined, what: string) => {
  if (!target.fifo && groupField !== undefined)
    throw new ConfigError(
      `${what}.groupField`,
      `only for FIFO targets (${target.name} does not end in .fifo)`,
    );
  return (path: string): void => {
    if (target.fifo && groupField === undefined)
      throw new ConfigError(
        `${path}.groupField`,
        `${what}: ${target.name} is FIFO: declare groupField, the value field that names each message's group`,
      );
  };
};
