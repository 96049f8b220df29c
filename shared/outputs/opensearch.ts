import * as z from 'zod/mini';
import type { Filter } from '../filter/filter.ts';
import type { FlowRecord, ValueRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import { fn, int, nameOf, oneOf, parseOptions, resourceName } from './options.ts';
import { limiterOf, rateLimitSchema } from './rate-limit-option.ts';

const optionsSchema = z.strictObject({
  /**
   * Slow this output down to a rate (a token bucket per execution environment, shared by all its partitions;
   * Lambda's concurrency multiplies it). A wait that would pass the invocation's deadline fails the batch
   * (retriable) instead.
   * @default none
   * @example rateLimit: { perSecond: 500, burst: 1000 }
   */
  rateLimit: z.optional(rateLimitSchema),
  /**
   * The index (name or declared index).
   * @example index: reviewsIndex
   */
  index: resourceName,
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * Document id from a business key.
   * @default `<topic>-<partition>-<offset>`
   * @example id: (record) => record.value.reviewId
   */
  id: z.optional(fn<(record: FlowRecord) => string>()),
  /**
   * The document for a record.
   * @default its value (a JSON object)
   * @example document: (record) => ({ ...record.value, indexedAt: record.timestamp })
   */
  document: z.optional(fn<(record: FlowRecord) => unknown>()),
  /**
   * The id of the document a tombstone deletes: a tombstone has no value to read a business key from.
   * @default the record key when `id` is set (Kafka's convention for keyed entities), else `<topic>-<partition>-<offset>`
   * @example tombstoneId: (record) => String(record.key)
   */
  tombstoneId: z.optional(fn<(record: FlowRecord) => string>()),
  /**
   * A tombstone (a Kafka null value; not the JSON value `null`) deletes its document, or is ignored.
   * @default 'delete'
   * @example tombstones: 'ignore'
   */
  tombstones: z._default(oneOf(['delete', 'ignore']), 'delete'),
  /**
   * Mappings the index is created with when it is missing.
   * @default none (OpenSearch guesses)
   * @example mappings: { properties: { reviewId: { type: 'keyword' } } }
   */
  mappings: z.optional(z.record(z.string(), z.unknown(), { error: 'must be an object' })),
  /**
   * Settings the index is created with when it is missing.
   * @default none
   * @example settings: { number_of_shards: 1 }
   */
  settings: z.optional(z.record(z.string(), z.unknown(), { error: 'must be an object' })),
  /**
   * How requests are signed: SigV4 for an OpenSearch Service domain, `sigv4-aoss` for Serverless, or none.
   * @default SLUICE_OPENSEARCH_AUTH, else `sigv4` for an https endpoint and none for a local http one
   * @example auth: 'sigv4-aoss'
   */
  auth: z.optional(oneOf(['sigv4', 'sigv4-aoss', 'none'])),
  /**
   * Bytes per `_bulk` request at most.
   * @default 5242880 (5 MiB)
   * @example maxBulkBytes: 10 * 1024 * 1024
   */
  maxBulkBytes: z._default(int(1024, 100 * 1024 * 1024), 5 * 1024 * 1024),
  /**
   * Actions per `_bulk` request at most.
   * @default 5000
   * @example maxBulkActions: 1000
   */
  maxBulkActions: z._default(int(1, 100_000), 5_000),
  /**
   * How long throttled or failing items are retried before the batch fails (shortened near the deadline).
   * @default 30000
   * @example retryBudgetMs: 10_000
   */
  retryBudgetMs: z._default(int(0), 30_000),
});

/**
 * Options of `toOpenSearch`.
 * @typeParam V - the record value type: `id`, `document`, `tombstoneId` and `when` read it
 */
export type OpenSearchOutputOptions<V = Loose> = Omit<
  z.input<typeof optionsSchema>,
  'when' | 'id' | 'document' | 'tombstoneId'
> & {
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
  /**
   * Document id from a business key.
   * @default `<topic>-<partition>-<offset>`
   * @example id: (record) => record.value.reviewId
   */
  readonly id?: (record: ValueRecord<V>) => string;
  /**
   * The document for a record.
   * @default its value (a JSON object)
   * @example document: (record) => ({ ...record.value, indexedAt: record.source.timestamp })
   */
  readonly document?: (record: ValueRecord<V>) => unknown;
  /**
   * The id of the document a tombstone deletes: a tombstone has no value to read a business key from.
   * @default the record key when `id` is set (Kafka's convention for keyed entities), else `<topic>-<partition>-<offset>`
   * @example tombstoneId: (record) => String(record.key)
   */
  readonly tombstoneId?: (record: FlowRecord<V>) => string;
};
export interface OpenSearchResources {
  readonly index: string;
}

/**
 * Index the flow's records into OpenSearch with `_bulk`; replay-safe through stable document ids.
 * @typeParam V - the value type of the flow's records, which `id` and `document` read
 * @example toOpenSearch({ index: reviewsIndex, id: (record) => record.value.reviewId })
 */
export const toOpenSearch = <V = Loose>(
  options: OpenSearchOutputOptions<V>,
): DeclaredOutput<'opensearch', OpenSearchResources, V> => {
  const opts = parseOptions(optionsSchema, options, 'toOpenSearch');
  const index = nameOf(opts.index);
  const name = `opensearch:${index}`;
  const create =
    opts.mappings || opts.settings
      ? {
          ...(opts.mappings ? { mappings: opts.mappings } : {}),
          ...(opts.settings ? { settings: opts.settings } : {}),
        }
      : undefined;
  return {
    kind: 'opensearch',
    name,
    ...whenOf(opts.when),
    resources: { index },
    create: () =>
      lazyOutput(name, async () => {
        const [{ openSearchClient }, { createSearchWriter }] = await Promise.all([
          import('../clients/opensearch.ts'),
          import('./search-writer.ts'),
        ]);
        const client = openSearchClient(opts.auth);
        return createSearchWriter({
          ...limiterOf(opts.rateLimit),
          name,
          index,
          ...(opts.id ? { id: opts.id } : {}),
          ...(opts.document ? { document: opts.document } : {}),
          ...(opts.tombstoneId ? { tombstoneId: opts.tombstoneId } : {}),
          tombstones: opts.tombstones,
          ...(create ? { create } : {}),
          maxBulkBytes: opts.maxBulkBytes,
          maxBulkActions: opts.maxBulkActions,
          retry: { baseMs: 100, maxDelayMs: 5_000, budgetMs: opts.retryBudgetMs },
          client: () => client,
        });
      }),
  };
};
