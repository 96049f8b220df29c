import type {
  AttributeValue,
  BatchGetItemCommand,
  BatchGetItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { unmarshall as Unmarshall } from '@aws-sdk/util-dynamodb';
import { RetriableError } from '../errors.ts';
import type { TableRef } from '../topology/resources.ts';
import { classifyDynamoDbError } from './dynamodb-errors.ts';
import { keyId } from './key-id.ts';

/** The attribute of a deleted row's marker in a table loaded from a change stream (CdcAttribute.Deleted). */
const DELETED = '_sluice_deleted';

/** DynamoDB's limit on keys per BatchGetItem request. */
export const MAX_KEYS_PER_CALL = 100;

/** The one thing enrichment needs from a DynamoDB client: a DynamoDBClient satisfies it. */
export interface DynamoDbPort {
  send(command: BatchGetItemCommand): Promise<BatchGetItemCommandOutput>;
}

export interface RetryOptions {
  /** Calls per chunk, first one included, before unprocessed keys become a RetriableError. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface LookupKey {
  readonly pk: string | number;
  readonly sk?: string | number;
}

export interface BatchGetOptions {
  readonly table: TableRef;
  /** Attributes to read (key attributes are added, so results can be matched to keys); all when undefined. */
  readonly attributes?: readonly string[];
  readonly consistentRead: boolean;
  readonly maxParallelCalls: number;
  readonly retry: RetryOptions;
  /** Counts every request sent, retries included. */
  readonly onCall: () => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * The SDK pieces, imported on the first lookup and kept: the SDK is external (the runtime provides it), so a
 * static import here would load it at cold start (~150 ms) in every function that bundles this module.
 */
let sdk: Promise<{ command: typeof BatchGetItemCommand; unmarshall: typeof Unmarshall }> | undefined;
const loadSdk = () =>
  (sdk ??= Promise.all([import('@aws-sdk/client-dynamodb'), import('@aws-sdk/util-dynamodb')]).then(
    ([dynamodb, util]) => ({ command: dynamodb.BatchGetItemCommand, unmarshall: util.unmarshall }),
  ));

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** "Full jitter" exponential backoff: uniform in [0, min(max, base·2^attempt)]. */
export const backoffDelay = (attempt: number, retry: RetryOptions, random: () => number): number =>
  Math.floor(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt));

/**
 * Reads the given (distinct) keys: chunks of 100, at most `maxParallelCalls` requests in flight, UnprocessedKeys
 * retried with jittered exponential backoff until `maxAttempts`, then a RetriableError. Returns the unmarshalled
 * items found, each paired with the key it answers; absent keys are simply not returned.
 */
export const batchGet = async (
  client: DynamoDbPort,
  keys: readonly LookupKey[],
  options: BatchGetOptions,
): Promise<{ key: LookupKey; item: Record<string, unknown> }[]> => {
  const { table } = options;
  const pkName = table.partitionKey.name;
  const skName = table.sortKey?.name;
  const projection = projectionOf(options.attributes, pkName, skName);
  const chunks: LookupKey[][] = [];
  for (let i = 0; i < keys.length; i += MAX_KEYS_PER_CALL) chunks.push(keys.slice(i, i + MAX_KEYS_PER_CALL));

  const found: { key: LookupKey; item: Record<string, unknown> }[] = [];
  const { command: BatchGetItemCommand, unmarshall } = await loadSdk();
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  const fetchChunk = async (chunk: readonly LookupKey[]): Promise<void> => {
    const wanted = new Map<string, LookupKey>();
    for (const key of chunk) wanted.set(keyId(key.pk, key.sk), key);
    let pending: Record<string, AttributeValue>[] = chunk.map((key) => marshalKey(key, table));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= options.retry.maxAttempts) {
        throw new RetriableError(
          `DynamoDB table "${table.name}": ${pending.length} keys still unprocessed after ${attempt} BatchGetItem calls (throttled)`,
        );
      }
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, options.retry, random));
      options.onCall();
      let response: BatchGetItemCommandOutput;
      try {
        response = await client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [table.name]: { Keys: pending, ConsistentRead: options.consistentRead, ...projection },
            },
          }),
        );
      } catch (error) {
        throw classifyDynamoDbError(error, table.name);
      }
      for (const raw of response.Responses?.[table.name] ?? []) {
        const item = unmarshall(raw);
        // What a change stream's delete leaves (toTable cdc): a marker that keeps the order, not a row.
        if (item[DELETED] === true) continue;
        const key = wanted.get(
          keyId(item[pkName] as string | number, skName ? (item[skName] as string | number) : undefined),
        );
        if (key !== undefined) found.push({ key, item });
      }
      pending =
        (response.UnprocessedKeys?.[table.name]?.Keys as Record<string, AttributeValue>[] | undefined) ?? [];
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as LookupKey[];
      await fetchChunk(chunk);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.maxParallelCalls, chunks.length) }, worker));
  return found;
};

const attr = (value: string | number): AttributeValue =>
  typeof value === 'number' ? { N: String(value) } : { S: value };

const marshalKey = (key: LookupKey, table: TableRef): Record<string, AttributeValue> => {
  const marshalled: Record<string, AttributeValue> = { [table.partitionKey.name]: attr(key.pk) };
  if (table.sortKey && key.sk !== undefined) marshalled[table.sortKey.name] = attr(key.sk);
  return marshalled;
};

const projectionOf = (
  attributes: readonly string[] | undefined,
  pkName: string,
  skName: string | undefined,
): { ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> } => {
  if (attributes === undefined) return {};
  const names = [...new Set([pkName, ...(skName ? [skName] : []), ...attributes, DELETED])];
  // Placeholders for every name: attribute names may be reserved words ("name", "status").
  return {
    ProjectionExpression: names.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
  };
};
