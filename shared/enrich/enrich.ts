import { dynamoDbClient } from '../clients/dynamodb.ts';
import { ConfigError, LookupError, StepError } from '../errors.ts';
import type { FieldName } from '../fields.ts';
import { isJsonObject } from '../filter/leaves.ts';
import { MetricName } from '../metrics.ts';
import type { DeadLetter } from '../outputs/output.ts';
import { type FlowRecord, isTombstone } from '../record.ts';
import { deadLetterOf, withValue } from '../steps/per-record.ts';
import type { Loose, Step, StepContext, StepResult } from '../steps/step.ts';
import { toConfigError } from '../topology/config-error.ts';
import { FlowDefaults } from '../topology/flow.ts';
import { assertTableRef, type KeyAttribute, type TableRef } from '../topology/resources.ts';
import * as z from '../zod.ts';
import type { DynamoDbPort, LookupKey } from './batch-get.ts';
import { type Cached, type Item, LookupCache, MISSING } from './cache.ts';
import { keyId } from './key-id.ts';

export const Join = { Left: 'left', Inner: 'inner' } as const;
export type Join = (typeof Join)[keyof typeof Join];

export const OnMissing = { Drop: 'drop', DeadLetter: 'deadLetter' } as const;
export type OnMissing = (typeof OnMissing)[keyof typeof OnMissing];

/**
 * A key: a top-level field name of the value, or a function of the value (and record).
 * @typeParam V - the record value type: a field name must be one of its fields
 */
export type KeySelector<V = Loose> = FieldName<V> | ((value: V, record: FlowRecord<V>) => unknown);

/**
 * The value after an enrich step: the value it received plus the `as` field holding the item (projected to
 * `attributes`), or null on a left-join miss.
 * @typeParam In - the value type the step receives
 * @typeParam As - the name of the field it adds
 * @typeParam Item - the item type (the table's, projected)
 * @typeParam J - the join: `inner` never leaves the field null
 */
export type Enriched<In, As extends string, Item, J extends Join = 'left'> = In & {
  readonly [K in As]: J extends 'inner' ? Item : Item | null;
};

/**
 * Options of the `enrich` step.
 * @typeParam In - the value type the step receives: `key` names one of its fields or reads it
 * @typeParam As - the field the item goes to
 * @typeParam Item - the table's item type (from `defineTables` with `typed<Item>(…)`; any object otherwise)
 * @typeParam Attr - the attributes kept (`attributes`): each must be a field of `Item`
 * @typeParam J - the join, `left` or `inner`
 */
export interface EnrichOptions<
  In = Loose,
  As extends string = string,
  Item = Record<string, unknown>,
  Attr extends FieldName<Item> = FieldName<Item>,
  J extends Join = Join,
> {
  /**
   * The step's name in metrics, dead letters and the graph.
   * @default `enrich-<as>`
   * @example name: 'join-customer'
   */
  readonly name?: string;
  /**
   * The table to look records up in, declared with `defineTables` (the flow is granted read on it).
   * @example table: tables.customers
   */
  readonly table: TableRef<Item>;
  /**
   * The partition key of the item to join: a field name of the value, or a function of the value (and record).
   * @example key: (value) => value.customerId
   */
  readonly key: KeySelector<In>;
  /**
   * The sort key of the item to join; required when the table has one.
   * @default none
   * @example sortKey: 'version'
   */
  readonly sortKey?: KeySelector<In>;
  /**
   * The field of the value that receives the item (null on a left-join miss).
   * @example as: 'customer'
   */
  readonly as: As;
  /**
   * left: misses pass with `as: null`. inner: misses are dropped or dead-lettered (`onMissing`).
   * @default 'left'
   * @example join: 'inner'
   */
  readonly join?: J;
  /**
   * Inner-join misses: drop them (as SQL does) or dead-letter them with a LookupError.
   * @default 'drop'
   * @example onMissing: 'deadLetter'
   */
  readonly onMissing?: OnMissing;
  /**
   * Attributes to keep from the item (projection).
   * @default the whole item
   * @example attributes: ['customerId', 'name', 'tier']
   */
  readonly attributes?: readonly Attr[];
  /**
   * The cache across warm invocations; `false` turns it off (each batch still reads each key once).
   * @default `{ maxEntries: 50000, ttlSeconds: 300, negativeTtlSeconds: 60 }`, `maxBytes` a tenth of memory
   * @example cache: { ttlSeconds: 60 }
   */
  readonly cache?: false | EnrichCacheOptions;
  /**
   * Strongly consistent reads (twice the read capacity).
   * @default false
   * @example consistentRead: true
   */
  readonly consistentRead?: boolean;
  /**
   * BatchGetItem calls (100 keys each) in flight at once (1..32).
   * @default 4
   * @example maxParallelCalls: 8
   */
  readonly maxParallelCalls?: number;
  /**
   * Backoff for throttling and UnprocessedKeys; past `maxAttempts` the batch fails and the mapping retries it.
   * @default `{ maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 1000 }`
   * @example retry: { maxAttempts: 4 }
   */
  readonly retry?: {
    readonly maxAttempts?: number;
    readonly baseDelayMs?: number;
    readonly maxDelayMs?: number;
  };
}

/** The lookup cache of one enrich step: bounded by entries and by bytes, whichever is reached first. */
export interface EnrichCacheOptions {
  /**
   * Most entries (items and remembered misses) kept.
   * @default 50000
   * @example maxEntries: 200_000
   */
  readonly maxEntries?: number;
  /**
   * Most bytes of keys and items kept, by an estimate of their size on the heap (on the high side).
   * @default a tenth of the function's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`; 512 MB when unset): 51.2 MiB
   * @example maxBytes: 64 * 1024 * 1024
   */
  readonly maxBytes?: number;
  /**
   * How long a found item is served from the cache: reference-data changes arrive within this.
   * @default 300
   * @example ttlSeconds: 60
   */
  readonly ttlSeconds?: number;
  /**
   * How long a missing key is remembered as missing: new keys arrive within this.
   * @default 60
   * @example negativeTtlSeconds: 10
   */
  readonly negativeTtlSeconds?: number;
}

/** The cache's default byte budget: a tenth of the memory the function has (the Lambda runtime sets the variable). */
export const defaultCacheBytes = (memoryMb = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE): number => {
  const mb = Number(memoryMb);
  return Math.floor(((Number.isFinite(mb) && mb > 0 ? mb : FlowDefaults.memoryMb) * 2 ** 20) / 10);
};

// Each default once: the object defaults below are these (zod does not fill an absent object's fields).
const CacheDefaults = { maxEntries: 50_000, ttlSeconds: 300, negativeTtlSeconds: 60 };
const RetryDefaults = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 1_000 };

const selector = z.union([
  z.string().check(z.minLength(1, 'must name a field')),
  z.custom<(value: unknown, record: FlowRecord) => unknown>(
    (v) => typeof v === 'function',
    'must be a field name or a function',
  ),
]);

/** An integer within bounds, with zod's own messages (as the classic `z.int().min().max()` gave). */
const int = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));
const seconds = () => z.number().check(z.positive(), z.maximum(86_400));

const optionsSchema = z.strictObject({
  name: z.optional(z.string().check(z.minLength(1))),
  table: z.custom<TableRef>(),
  key: selector,
  sortKey: z.optional(selector),
  as: z.string().check(z.minLength(1, 'must name the field that receives the item')),
  join: z._default(
    z.enum(/* @__PURE__ */ Object.values(Join), { error: 'must be left or inner' }),
    Join.Left,
  ),
  onMissing: z.optional(
    z.enum(/* @__PURE__ */ Object.values(OnMissing), { error: 'must be drop or deadLetter' }),
  ),
  attributes: z.optional(
    z.array(z.string().check(z.minLength(1))).check(z.minLength(1, 'lists at least one attribute')),
  ),
  cache: z._default(
    z.union([
      z.literal(false),
      z.strictObject({
        maxEntries: z._default(int(1, 10_000_000), CacheDefaults.maxEntries),
        maxBytes: z.optional(int(2 ** 16, 2 ** 34)),
        ttlSeconds: z._default(seconds(), CacheDefaults.ttlSeconds),
        negativeTtlSeconds: z._default(seconds(), CacheDefaults.negativeTtlSeconds),
      }),
    ]),
    CacheDefaults,
  ),
  consistentRead: z._default(z.boolean(), false),
  maxParallelCalls: z._default(int(1, 32), 4),
  retry: z._default(
    z.strictObject({
      maxAttempts: z._default(int(1, 20), RetryDefaults.maxAttempts),
      baseDelayMs: z._default(int(1, 10_000), RetryDefaults.baseDelayMs),
      maxDelayMs: z._default(int(1, 60_000), RetryDefaults.maxDelayMs),
    }),
    RetryDefaults,
  ),
});

/** DynamoDB's limit on a partition key value; a longer one can never match. */
const MAX_KEY_BYTES = 2048;

/**
 * Stream–table join on DynamoDB (the serverless GlobalKTable). For the whole batch: one key per record, distinct
 * keys looked up once — from the cache when it has them, else by BatchGetItem in chunks of 100 with bounded
 * parallelism — and the item (projected, frozen, shared) set on the value's `as` field.
 *
 * Per record: a missing, empty, over-long or wrongly typed key is a LookupError dead letter; a value that is not
 * a JSON object is a StepError dead letter; tombstones pass untouched. Per batch: throttling and 5xx are
 * RetriableErrors; a table that does not exist is a ConfigError naming it, which fails the batch loudly.
 *
 * The steps and outputs after it see the value with the `as` field added, typed from the table's item type.
 * @example enrich({ table: tables.customers, key: 'customerId', as: 'customer', attributes: ['tier'] })
 */
export const enrich = <
  In = Loose,
  const As extends string = string,
  Item = Record<string, unknown>,
  const Attr extends FieldName<Item> = FieldName<Item>,
  J extends Join = 'left',
>(
  options: EnrichOptions<In, As, Item, Attr, J>,
): Step<In, Enriched<In, As, Readonly<Pick<Item, Attr & keyof Item>>, J>> => {
  const table = assertTableRef(options?.table, 'enrich.table');
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw toConfigError(parsed.error, `enrich(${table.name})`);
  const o = parsed.data;
  if (table.sortKey && o.sortKey === undefined) {
    throw new ConfigError(
      `enrich(${table.name}).sortKey`,
      `is required: table "${table.name}" has sort key "${table.sortKey.name}"`,
    );
  }
  if (o.onMissing !== undefined && o.join !== Join.Inner) {
    throw new ConfigError(
      `enrich(${table.name}).onMissing`,
      'applies to inner joins only (left-join misses pass with null)',
    );
  }
  const name = o.name ?? `enrich-${o.as}`;
  const onMissing = o.onMissing ?? OnMissing.Drop;
  const pkOf = compileSelector(o.key);
  const skOf = o.sortKey === undefined ? undefined : compileSelector(o.sortKey);
  const cacheOptions = o.cache;
  // One cache per DynamoDB client: a client injected through the ports (a test kit's in-memory tables) never
  // serves items cached from another; in a function there is one client, so one cache.
  const caches = new WeakMap<object, LookupCache>();
  const defaultClient = {};
  const cacheFor = (port: object | undefined): LookupCache | undefined => {
    if (cacheOptions === false) return undefined;
    const owner = port ?? defaultClient;
    let cache = caches.get(owner);
    if (cache === undefined) {
      cache = new LookupCache({
        maxEntries: cacheOptions.maxEntries,
        maxBytes: cacheOptions.maxBytes ?? defaultCacheBytes(),
        ttlMs: cacheOptions.ttlSeconds * 1000,
        negativeTtlMs: cacheOptions.negativeTtlSeconds * 1000,
      });
      caches.set(owner, cache);
    }
    return cache;
  };
  const project = projector(o.attributes, table);

  const run = async (records: readonly FlowRecord[], context: StepContext): Promise<StepResult> => {
    const cache = cacheFor(context.ports.dynamodb);
    const deadLetters: DeadLetter[] = [];
    const cacheKeys: (string | number | null)[] = new Array(records.length);
    const resolved: (Cached | undefined)[] = new Array(records.length);
    const pending = new Map<string | number, LookupKey>();
    let hits = 0;

    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      const value = record.value;
      cacheKeys[i] = null;
      if (value === null && isTombstone(record)) continue;
      try {
        if (!isJsonObject(value)) throw new StepError(`${name}: the value is not a JSON object`);
        const pk = checkKey(pkOf(value, record), table.partitionKey, table.name);
        const sk =
          skOf && table.sortKey ? checkKey(skOf(value, record), table.sortKey, table.name) : undefined;
        const cacheKey = sk === undefined ? pk : keyId(pk, sk);
        cacheKeys[i] = cacheKey;
        const cached = cache?.get(cacheKey);
        if (cached !== undefined) {
          hits++;
          resolved[i] = cached;
        } else if (!pending.has(cacheKey)) {
          pending.set(cacheKey, sk === undefined ? { pk } : { pk, sk });
        }
      } catch (error) {
        deadLetters.push(deadLetterOf(record, error, name));
        cacheKeys[i] = null;
        resolved[i] = MISSING;
      }
    }

    context.metrics.count(MetricName.CacheHits, hits);
    context.metrics.count(MetricName.CacheMisses, pending.size);
    const fetched = new Map<string | number, Cached>();
    if (pending.size > 0) {
      const client = (context.ports.dynamodb as DynamoDbPort | undefined) ?? (await dynamoDbClient());
      // Loaded on first use: importing a flow file (the CDK app does) never loads the DynamoDB SDK.
      const { batchGet } = await import('./batch-get.ts');
      const found = await batchGet(client, [...pending.values()], {
        table,
        ...(o.attributes ? { attributes: o.attributes } : {}),
        consistentRead: o.consistentRead,
        maxParallelCalls: o.maxParallelCalls,
        retry: o.retry,
        onCall: () => context.metrics.count(MetricName.LookupCalls, 1),
      });
      for (const { key, item } of found) {
        const cacheKey = key.sk === undefined ? key.pk : keyId(key.pk, key.sk);
        const frozen = project(item);
        fetched.set(cacheKey, frozen);
        cache?.setFound(cacheKey, frozen);
      }
      let notFound = 0;
      for (const cacheKey of pending.keys()) {
        if (!fetched.has(cacheKey)) {
          notFound++;
          fetched.set(cacheKey, MISSING);
          cache?.setMissing(cacheKey);
        }
      }
      context.metrics.count(MetricName.LookupNotFound, notFound);
    }

    const out: FlowRecord[] = [];
    let dropped = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FlowRecord;
      const cacheKey = cacheKeys[i];
      if (cacheKey === null) {
        if (isTombstone(record)) out.push(record);
        continue;
      }
      const item = resolved[i] ?? fetched.get(cacheKey as string | number) ?? MISSING;
      if (item !== MISSING) {
        out.push(withValue(record, { ...(record.value as object), [o.as]: item }));
      } else if (o.join === Join.Left) {
        out.push(withValue(record, { ...(record.value as object), [o.as]: null }));
      } else if (onMissing === OnMissing.Drop) {
        dropped++;
      } else {
        const shown =
          typeof cacheKey === 'string' ? JSON.stringify(cacheKey.slice(0, 200)) : String(cacheKey);
        deadLetters.push(
          deadLetterOf(
            record,
            new LookupError(`${name}: no item in table "${table.name}" for key ${shown}`),
            name,
          ),
        );
      }
    }
    return { records: out, deadLetters, dropped };
  };

  const joins = {
    table,
    as: o.as,
    join: o.join,
    ...(o.join === Join.Inner ? { onMissing } : {}),
  };
  return { kind: 'enrich', name, reads: [table], adds: [o.as], joins, run };
};

const compileSelector = (
  selector: KeySelector,
): ((value: Record<string, unknown>, record: FlowRecord) => unknown) =>
  typeof selector === 'string' ? (value) => value[selector] : selector;

/** A usable key value, or a LookupError saying why not. */
const checkKey = (key: unknown, attribute: KeyAttribute, table: string): string | number => {
  const what = `key "${attribute.name}" for table "${table}"`;
  if (key === undefined || key === null) throw new LookupError(`${what} is missing`);
  if (attribute.type === 'string') {
    if (typeof key !== 'string')
      throw new LookupError(`${what} is not a string (got ${Array.isArray(key) ? 'array' : typeof key})`);
    if (key.length === 0) throw new LookupError(`${what} is empty`);
    if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
      throw new LookupError(`${what} is longer than ${MAX_KEY_BYTES} bytes`);
    }
    return key;
  }
  if (typeof key !== 'number' || !Number.isFinite(key))
    throw new LookupError(`${what} is not a number (got ${typeof key})`);
  return key;
};

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    // Typed arrays (binary attributes) cannot be frozen; they are left as they are.
    if (ArrayBuffer.isView(value)) return value;
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
};

/** Keeps the requested attributes only (the key attributes were fetched to match results), and freezes. */
const projector = (attributes: readonly string[] | undefined, _table: TableRef) => {
  if (attributes === undefined) return (item: Record<string, unknown>): Item => deepFreeze(item);
  return (item: Record<string, unknown>): Item => {
    const projected: Record<string, unknown> = {};
    for (const a of attributes) if (Object.hasOwn(item, a)) projected[a] = item[a];
    return deepFreeze(projected);
  };
};
