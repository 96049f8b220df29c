import type {
  AttributeValue,
  BatchWriteItemCommandOutput,
  QueryCommandOutput,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay, batchGet, type LookupKey, type RetryOptions } from '../enrich/batch-get.ts';
import { classifyDynamoDbError } from '../enrich/dynamodb-errors.ts';
import { RetriableError } from '../errors.ts';
import type { TableRef } from '../topology/resources.ts';

/** What the state needs from a DynamoDB client: a DynamoDBClient satisfies it. */
export interface StatePort {
  send(command: unknown): Promise<unknown>;
}

/** DynamoDB's limit on requests per BatchWriteItem. */
const MAX_BATCH_WRITE = 25;
const RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 1_000 };

type Sdk = typeof import('@aws-sdk/client-dynamodb') & typeof import('@aws-sdk/util-dynamodb');
let sdk: Promise<Sdk> | undefined;
/** Loaded on first use: importing a flow file (the CDK app does) never loads the SDK. */
const loadSdk = (): Promise<Sdk> =>
  (sdk ??= Promise.all([import('@aws-sdk/client-dynamodb'), import('@aws-sdk/util-dynamodb')]).then(
    ([dynamodb, util]) => ({ ...dynamodb, ...util }),
  ));

export type Item = Record<string, unknown>;

/** One item to write: its whole content, and whether it must be new or at a version. */
export interface Put {
  readonly item: Item;
  /** Absent: no condition. `null`: the item must not exist. A number: the item's version must be it. */
  readonly version?: number | null;
}

/**
 * The state table as the aggregation uses it: consistent reads (its own writes of the last batch), batched
 * unconditional writes, conditional puts where a condition is the fence, a bounded Query, deletes. Throttling,
 * 5xx and lost conditions are RetriableErrors: the batch is retried with its records, and the fences make the
 * retry change nothing twice.
 */
export class StateStore {
  readonly #client: StatePort;
  readonly #table: TableRef;
  readonly #pk: string;
  readonly #sk: string;
  readonly #onCall: (name: string) => void;

  constructor(client: StatePort, table: TableRef, onCall: (name: string) => void = () => {}) {
    this.#client = client;
    this.#table = table;
    this.#pk = table.partitionKey.name;
    this.#sk = table.sortKey?.name ?? 'sk';
    this.#onCall = onCall;
  }

  #send = async <T>(name: string, command: unknown): Promise<T> => {
    this.#onCall(name);
    try {
      return (await this.#client.send(command)) as T;
    } catch (error) {
      throw this.#classify(error);
    }
  };

  #classify(error: unknown): Error {
    const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
    if (e?.name === 'TransactionCanceledException') {
      const codes = (e.CancellationReasons ?? []).map((r) => r.Code).filter((c) => c && c !== 'None');
      return new RetriableError(
        `DynamoDB table "${this.#table.name}": state write cancelled (${codes.join(', ') || 'no reason given'}); another writer changed a window, or DynamoDB throttled: the batch is retried`,
        { cause: error },
      );
    }
    if (e?.name === 'TransactionConflictException' || e?.name === 'TransactionInProgressException')
      return new RetriableError(`DynamoDB table "${this.#table.name}": ${e.name}`, { cause: error });
    return classifyDynamoDbError(error, this.#table.name);
  }

  /** The items at these keys (consistent reads), by `pk\u0000sk`. */
  async read(keys: readonly { pk: string; sk: string }[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    if (keys.length === 0) return found;
    const items = await batchGet(this.#client as never, keys as readonly LookupKey[], {
      table: this.#table,
      consistentRead: true,
      maxParallelCalls: 4,
      retry: RETRY,
      onCall: () => this.#onCall('BatchGetItem'),
    });
    for (const { key, item } of items) found.set(`${key.pk}\u0000${key.sk}`, item);
    return found;
  }

  /**
   * Conditional puts, `concurrency` at once: each must find the item absent (`version: null`) or at its
   * version, so a write that lost a race with another writer (a rebalance letting two invocations read one
   * partition) fails as a RetriableError instead of overwriting; the retry reads again. One request per item
   * (BatchWriteItem takes no conditions; dynalite serves no TransactWriteItems): only for windows that more than
   * one source partition writes (a topic not keyed by the grouping key).
   */
  async putAll(puts: readonly Put[], concurrency = 16): Promise<void> {
    if (puts.length === 0) return;
    const { PutItemCommand, marshall } = await loadSdk();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < puts.length) {
        const put = puts[next++] as Put;
        this.#onCall('PutItem');
        try {
          await this.#client.send(
            new PutItemCommand({
              TableName: this.#table.name,
              Item: marshall(put.item, { removeUndefinedValues: true }),
              ...this.#condition(put.version),
            }),
          );
        } catch (error) {
          if ((error as { name?: string })?.name === 'ConditionalCheckFailedException')
            throw new RetriableError(
              `DynamoDB table "${this.#table.name}": another writer changed state item ${JSON.stringify(put.item[this.#pk])}/${JSON.stringify(put.item[this.#sk])} since it was read; the batch is retried`,
              { cause: error },
            );
          throw this.#classify(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, puts.length) }, worker));
  }

  /** Unconditional puts, 25 a request, unprocessed ones retried with backoff. */
  async batchPut(items: readonly Item[]): Promise<void> {
    const { marshall } = await loadSdk();
    await this.#batchWrite(
      items.map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })),
    );
  }

  /** Deletes these keys, 25 a request, unprocessed ones retried with backoff. */
  async delete(keys: readonly { pk: string; sk: string }[]): Promise<void> {
    await this.#batchWrite(
      keys.map((k) => ({ DeleteRequest: { Key: { [this.#pk]: { S: k.pk }, [this.#sk]: { S: k.sk } } } })),
    );
  }

  /** 25 requests a call, `concurrency` calls at once; each call's UnprocessedItems retried with backoff. */
  async #batchWrite(all: readonly WriteRequest[], concurrency = 4): Promise<void> {
    const { BatchWriteItemCommand } = await loadSdk();
    const requests = lastWritePerItem(all, this.#pk, this.#sk);
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += MAX_BATCH_WRITE)
      chunks.push(requests.slice(i, i + MAX_BATCH_WRITE));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        let pending = chunks[next++] as WriteRequest[];
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= RETRY.maxAttempts)
            throw new RetriableError(
              `DynamoDB table "${this.#table.name}": ${pending.length} writes still unprocessed after ${attempt} calls (throttled)`,
            );
          if (attempt > 0) await sleep(backoffDelay(attempt - 1, RETRY, Math.random));
          const response = await this.#send<BatchWriteItemCommandOutput>(
            'BatchWriteItem',
            new BatchWriteItemCommand({ RequestItems: { [this.#table.name]: pending } }),
          );
          pending = response.UnprocessedItems?.[this.#table.name] ?? [];
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  }

  #condition(version: number | null | undefined): {
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  } {
    if (version === undefined) return {};
    if (version === null)
      return {
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': this.#pk },
      };
    return {
      ConditionExpression: '#v = :v',
      ExpressionAttributeNames: { '#v': 'v' },
      ExpressionAttributeValues: { ':v': { N: String(version) } },
    };
  }

  /**
   * One item, only if the table's item still has `field` at `expected` (-1: no item, or no such field): the fence
   * of a commit. False when another writer moved it first.
   */
  async putIfAt(item: Item, field: string, expected: number): Promise<boolean> {
    const { PutItemCommand, marshall } = await loadSdk();
    this.#onCall('PutItem');
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table.name,
          Item: marshall(item, { removeUndefinedValues: true }),
          ...(expected < 0
            ? { ConditionExpression: 'attribute_not_exists(#f)', ExpressionAttributeNames: { '#f': field } }
            : {
                ConditionExpression: '#f = :f',
                ExpressionAttributeNames: { '#f': field },
                ExpressionAttributeValues: { ':f': { N: String(expected) } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string })?.name === 'ConditionalCheckFailedException') return false;
      throw this.#classify(error);
    }
  }

  /**
   * One item unless the table's item already has `field` at or above `value` (the session windows' meta commit:
   * their state items are fenced each, so a commit another invocation moved further is left as it is).
   */
  async putUnlessAhead(item: Item, field: string, value: number): Promise<void> {
    const { PutItemCommand, marshall } = await loadSdk();
    this.#onCall('PutItem');
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table.name,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#f) OR #f < :f',
          ExpressionAttributeNames: { '#f': field },
          ExpressionAttributeValues: { ':f': { N: String(value) } },
        }),
      );
    } catch (error) {
      if ((error as { name?: string })?.name === 'ConditionalCheckFailedException') return;
      throw this.#classify(error);
    }
  }

  /** The items of one partition key whose sort key is below `below`, in sort-key order (consistent). */
  async query(pk: string, below: string): Promise<Item[]> {
    const { QueryCommand, unmarshall } = await loadSdk();
    const items: Item[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#send<QueryCommandOutput>(
        'Query',
        new QueryCommand({
          TableName: this.#table.name,
          KeyConditionExpression: '#pk = :pk AND #sk < :below',
          ExpressionAttributeNames: { '#pk': this.#pk, '#sk': this.#sk },
          ExpressionAttributeValues: { ':pk': { S: pk }, ':below': { S: below } },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const raw of page.Items ?? []) items.push(unmarshall(raw));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One request per item, the last one given for its key: BatchWriteItem refuses a key twice in one call, and two
 * requests for one item in calls running at once would land in either order.
 */
export const lastWritePerItem = (
  requests: readonly WriteRequest[],
  pk: string,
  sk: string,
): WriteRequest[] => {
  const byItem = new Map<string, WriteRequest>();
  for (const request of requests) {
    const key = request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {};
    const id = `${key[pk]?.S ?? key[pk]?.N}\u0000${key[sk]?.S ?? key[sk]?.N}`;
    byItem.delete(id);
    byItem.set(id, request);
  }
  return byItem.size === requests.length ? [...requests] : [...byItem.values()];
};
