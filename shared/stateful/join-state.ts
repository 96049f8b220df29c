import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import { classifyDynamoDbError } from '../enrich/dynamodb-errors.ts';
import { RetriableError } from '../errors.ts';
import type { TableRef } from '../topology/resources.ts';
import type { Decision, KeptRecord } from './join-plan.ts';
import type { JoinSide } from './join-window.ts';
import { joinPk, padTime } from './state-keys.ts';
import { lastWritePerItem } from './state-store.ts';

/** The TTL attribute the CDK app turns on for state tables (shared with windowed aggregation). */
const EXPIRES = '_sluice_expires';

/** What the state layer sends requests through (a DynamoDBClient satisfies it). */
export interface DynamoDbPort {
  send(command: unknown): Promise<unknown>;
}

/** A kept record with its value (JSON text), as read back from the state table. */
export interface StoredRecord extends KeptRecord {
  readonly value: string;
}

/**
 * The partition's times: stream time over both sides, each side's store time, and what commits keep: the outer-join
 * store's minTime (absent: Long.MAX_VALUE), its version (one more per commit that changed it) and each side's
 * highest committed offset (records at or below it were delivered and committed: a rewind skips them).
 */
export interface JoinTimes {
  readonly streamTime?: number;
  readonly left?: number;
  readonly right?: number;
  readonly minTime?: number;
  readonly version?: number;
  readonly committedLeft?: number;
  readonly committedRight?: number;
}

/** Time attributes of the partition's time item. */
export const TimeAttribute = { stream: 'st', left: 'sl', right: 'sr' } as const;
export type TimeAttribute = (typeof TimeAttribute)[keyof typeof TimeAttribute];

type Item = Record<string, AttributeValue>;

type Sdk = typeof import('@aws-sdk/client-dynamodb');
let sdk: Sdk | undefined;

/**
 * Loads the SDK's commands once: the SDK is external (the runtime provides it), so a static import would load it
 * at cold start in every function whose bundle holds this module (esbuild inlines the dynamic import of it).
 */
export const loadSdk = async (): Promise<void> => {
  sdk ??= await import('@aws-sdk/client-dynamodb');
};

const commands = (): Sdk => {
  if (sdk === undefined) throw new Error('join state: loadSdk() was not awaited');
  return sdk;
};

// Fixed-width numbers sort as text: event times as every state item writes them (state-keys.ts), offsets up to 2^53.
const time = (t: number): string => padTime(Math.max(0, Math.trunc(t)));
const offset = (o: number): string => String(Math.max(0, Math.trunc(o))).padStart(16, '0');

const UNPROCESSED_ATTEMPTS = 8;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The join's items in its state table, all under partition keys starting with the join's name and the source
 * partition (both sides of one partition share them): the stream time (`…#time`), each side's records by key
 * (`…#left#<key>`, sorted by event time and offset), the unmatched records waiting for their window to close
 * (`…#open`, sorted by close time), and claims (`…#claim`, one per emitted result, owned by the record that
 * emits it). Reads are strongly consistent: each side writes its records before it reads the other's, so of two
 * concurrent batches at least one sees the other's records.
 */
export class JoinState {
  private readonly pk: string;
  private readonly sk: string;
  private readonly table: string;

  constructor(
    private readonly client: DynamoDbPort,
    tableRef: TableRef,
    private readonly join: string,
    private readonly expiresAt: () => number,
    private readonly nowSeconds: () => number,
  ) {
    this.table = tableRef.name;
    this.pk = tableRef.partitionKey.name;
    this.sk = tableRef.sortKey?.name ?? 'sk';
  }

  private key(pk: string, sk: string): Item {
    return { [this.pk]: { S: pk }, [this.sk]: { S: sk } };
  }

  private pkOf(partition: number, ...parts: readonly string[]): string {
    return joinPk(this.join, partition, ...parts);
  }

  private async call<T>(command: unknown): Promise<T> {
    try {
      return (await this.client.send(command)) as T;
    } catch (error) {
      throw classifyDynamoDbError(error, this.table);
    }
  }

  recordKey(partition: number, side: JoinSide, key: string, t: number, off: number): Item {
    return this.key(this.pkOf(partition, side, key), `${time(t)}#${offset(off)}`);
  }

  /** The partition's times (strongly consistent). */
  async readTime(partition: number): Promise<JoinTimes> {
    const out = await this.call<{ Item?: Item }>(
      new (commands().GetItemCommand)({
        TableName: this.table,
        Key: this.key(this.pkOf(partition, 'time'), '-'),
        ConsistentRead: true,
      }),
    );
    const times: Record<string, number> = {};
    const names = {
      streamTime: 'st',
      left: 'sl',
      right: 'sr',
      minTime: 'mn',
      version: 'ov',
      committedLeft: 'cl',
      committedRight: 'cr',
    } as const;
    for (const [name, attribute] of Object.entries(names)) {
      const n = out.Item?.[attribute]?.N;
      if (n !== undefined) times[name] = Number(n);
    }
    return times;
  }

  /** Moves a time attribute forward only (`st` stream time, `sl`/`sr` the sides' store times). */
  advance(partition: number, attribute: TimeAttribute | 'cl' | 'cr' | 'ov', to: number): Promise<void> {
    return this.moveTime(partition, attribute, to, '<');
  }

  /** The decisions stored with records already processed once (a replay decides them as it did then). */
  async decided(keys: readonly Item[]): Promise<Map<string, Decision>> {
    const found = new Map<string, Decision>();
    // A delivery can hold one record twice (a rewind over a batch): BatchGetItem refuses duplicate keys.
    keys = [...new Map(keys.map((k) => [JSON.stringify(k), k])).values()];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Item[] = keys.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS)
          throw new RetriableError(`DynamoDB table "${this.table}": keys left unprocessed`);
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
        const out = await this.call<{
          Responses?: Record<string, Item[]>;
          UnprocessedKeys?: Record<string, { Keys?: Item[] }>;
        }>(
          new (commands().BatchGetItemCommand)({
            RequestItems: {
              [this.table]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: '#id, #at, #ot, #late, #done, #alone',
                ExpressionAttributeNames: {
                  '#id': 'id',
                  '#at': 'at',
                  '#ot': 'ot',
                  '#late': 'late',
                  '#done': 'done',
                  '#alone': 'alone',
                },
              },
            },
          }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          if (item.id?.S === undefined || item.at?.N === undefined) continue;
          found.set(item.id.S, {
            at: Number(item.at.N),
            otherTime: item.ot?.N === undefined ? undefined : Number(item.ot.N),
            late: item.late?.BOOL === true,
            claimed: item.done?.BOOL === true,
            ...(item.alone?.SS ? { alone: item.alone.SS } : {}),
          });
        }
        pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    }
    return found;
  }

  /**
   * Keeps records with their decisions (idempotent: an item's key is fixed by side, key, time and offset). A late
   * record's item only remembers its decision: the other side never reads it.
   */
  async keep(
    partition: number,
    records: readonly (StoredRecord & { readonly offset: number; readonly decision: Decision })[],
  ): Promise<void> {
    const expires = String(this.expiresAt());
    const requests: WriteRequest[] = records.map((r) => ({
      PutRequest: {
        Item: {
          ...this.recordKey(partition, r.side, r.key, r.t, r.offset),
          id: { S: r.id },
          k: { S: r.key },
          t: { N: String(r.t) },
          at: { N: String(r.decision.at) },
          ...(r.decision.otherTime !== undefined ? { ot: { N: String(r.decision.otherTime) } } : {}),
          ...(r.decision.late ? { late: { BOOL: true } } : { v: { S: r.value } }),
          [EXPIRES]: { N: expires },
        },
      },
    }));
    await this.writeAll(requests);
  }

  /** The outer-join store's item key of a record: Kafka Streams' order (time, right before left), then offset. */
  private openKey(partition: number, r: { side: JoinSide; t: number; offset: number }): Item {
    return this.key(
      this.pkOf(partition, 'open'),
      `${time(r.t)}#${r.side === 'right' ? 0 : 1}#${offset(r.offset)}`,
    );
  }

  /**
   * Commits a batch's changes to the outer-join store: its unmatched records put, the records it emitted or
   * matched removed, then minTime and this side's committed offset. minTime is set only if no other commit came
   * between the batch's read and now (the version); otherwise it is only lowered to the batch's own records, so
   * the gate never hides a record (a concurrent batch may emit later than Kafka Streams would, never twice).
   */
  async commitOuter(
    partition: number,
    side: JoinSide,
    change: {
      readonly put: readonly (StoredRecord & { readonly offset: number })[];
      readonly remove: readonly { readonly side: JoinSide; readonly t: number; readonly offset: number }[];
      readonly minTime: number | undefined;
      readonly readVersion: number;
      readonly committedOffset: number;
    },
  ): Promise<void> {
    const expires = String(this.expiresAt());
    // writeAll keeps one request per item, the last: a record is removed twice when a replayed record's claim and
    // this batch's own plan both emitted it alone, and a removal, given after the puts, wins (it was emitted).
    await this.writeAll([
      ...change.put.map((r) => ({
        PutRequest: {
          Item: {
            ...this.openKey(partition, r),
            id: { S: r.id },
            side: { S: r.side },
            k: { S: r.key },
            t: { N: String(r.t) },
            v: { S: r.value },
            [EXPIRES]: { N: expires },
          },
        },
      })),
      ...change.remove.map((r) => ({ DeleteRequest: { Key: this.openKey(partition, r) } })),
    ]);
    const committed = side === 'left' ? 'cl' : 'cr';
    const key = this.key(this.pkOf(partition, 'time'), '-');
    try {
      await this.client.send(
        new (commands().UpdateItemCommand)({
          TableName: this.table,
          Key: key,
          UpdateExpression: `SET #ov = :next${change.minTime === undefined ? ' REMOVE #mn' : ', #mn = :mn'}`,
          ConditionExpression: '(attribute_not_exists(#ov) AND :read = :zero) OR #ov = :read',
          ExpressionAttributeNames: {
            '#ov': 'ov',
            '#mn': 'mn',
          },
          ExpressionAttributeValues: {
            ':next': { N: String(change.readVersion + 1) },
            ':read': { N: String(change.readVersion) },
            ':zero': { N: '0' },
            ...(change.minTime === undefined ? {} : { ':mn': { N: String(change.minTime) } }),
          },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException')
        throw classifyDynamoDbError(error, this.table);
      const own = Math.min(...change.put.map((r) => r.t));
      if (Number.isFinite(own)) await this.lower(partition, 'mn', own);
      await this.advance(partition, committed, change.committedOffset);
      await this.advance(partition, 'ov', change.readVersion + 1);
      return;
    }
    await this.advance(partition, committed, change.committedOffset);
  }

  /** Moves a time attribute back only (minTime). */
  private lower(partition: number, attribute: string, to: number): Promise<void> {
    return this.moveTime(partition, attribute, to, '>');
  }

  /** Sets a time attribute when it is absent or `than` the new value (`<`: forward only; `>`: back only). */
  private async moveTime(partition: number, attribute: string, to: number, than: '<' | '>'): Promise<void> {
    try {
      await this.client.send(
        new (commands().UpdateItemCommand)({
          TableName: this.table,
          Key: this.key(this.pkOf(partition, 'time'), '-'),
          UpdateExpression: 'SET #a = :v',
          ConditionExpression: `attribute_not_exists(#a) OR #a ${than} :v`,
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': { N: String(to) } },
        }),
      );
    } catch (error) {
      // Already further in that direction: nothing to do.
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      throw classifyDynamoDbError(error, this.table);
    }
  }

  private async writeAll(all: readonly WriteRequest[]): Promise<void> {
    const requests = lastWritePerItem(all, this.pk, this.sk);
    for (let i = 0; i < requests.length; i += 25) {
      let pending: WriteRequest[] = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS)
          throw new RetriableError(`DynamoDB table "${this.table}": writes left unprocessed`);
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
        const out = await this.call<{ UnprocessedItems?: Record<string, WriteRequest[]> }>(
          new (commands().BatchWriteItemCommand)({ RequestItems: { [this.table]: pending } }),
        );
        pending = out.UnprocessedItems?.[this.table] ?? [];
      }
    }
  }

  /** Records of `side` with `key` kept with event times in [from, to]; expired items (TTL lags) are skipped. */
  async records(
    partition: number,
    side: JoinSide,
    key: string,
    from: number,
    to: number,
  ): Promise<StoredRecord[]> {
    const items = await this.query(this.pkOf(partition, side, key), `${time(from)}#`, `${time(to)}#~`);
    return items.flatMap((item) =>
      item.late?.BOOL === true
        ? []
        : [
            {
              id: item.id?.S ?? '',
              side,
              key,
              t: Number(item.t?.N),
              value: item.v?.S ?? 'null',
            },
          ],
    );
  }

  /** The outer-join store: every unmatched record kept, with its offset. */
  async outer(partition: number): Promise<(StoredRecord & { readonly offset: number })[]> {
    const items = await this.query(this.pkOf(partition, 'open'), '0', '~');
    return items.map((item) => ({
      id: item.id?.S ?? '',
      side: item.side?.S === 'right' ? 'right' : 'left',
      key: item.k?.S ?? '',
      t: Number(item.t?.N),
      value: item.v?.S ?? 'null',
      offset: Number((item[this.sk]?.S ?? '').split('#')[2]),
    }));
  }

  private async query(pk: string, lo: string, hi: string): Promise<Item[]> {
    const items: Item[] = [];
    const now = this.nowSeconds();
    let start: Item | undefined;
    do {
      const out: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.call(
        new (commands().QueryCommand)({
          TableName: this.table,
          ConsistentRead: true,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
          ExpressionAttributeNames: { '#pk': this.pk, '#sk': this.sk },
          ExpressionAttributeValues: { ':pk': { S: pk }, ':lo': { S: lo }, ':hi': { S: hi } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      // DynamoDB's TTL deletes lag (and dynalite never deletes): an expired item is no longer read.
      for (const item of out.Items ?? []) if (Number(item[EXPIRES]?.N ?? Infinity) >= now) items.push(item);
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Marks a record's claims as made, with the outer-join store's records it won to emit alone: a replay of it then
   * only emits again what it claimed.
   */
  async claimed(key: Item, alone: readonly string[] = []): Promise<void> {
    await this.call(
      new (commands().UpdateItemCommand)({
        TableName: this.table,
        Key: key,
        UpdateExpression: alone.length > 0 ? 'SET #done = :yes, #alone = :alone' : 'SET #done = :yes',
        ExpressionAttributeNames: { '#done': 'done', ...(alone.length > 0 ? { '#alone': 'alone' } : {}) },
        ExpressionAttributeValues: {
          ':yes': { BOOL: true },
          ...(alone.length > 0 ? { ':alone': { SS: [...alone] } } : {}),
        },
      }),
    );
  }

  /** The records claimed to be emitted alone under these result ids, as their claims keep them (consistent reads). */
  async aloneClaims(
    partition: number,
    results: readonly string[],
  ): Promise<Map<string, StoredRecord & { readonly offset: number; readonly owner: string }>> {
    const found = new Map<string, StoredRecord & { readonly offset: number; readonly owner: string }>();
    for (const result of results) {
      const out = await this.call<{ Item?: Item }>(
        new (commands().GetItemCommand)({
          TableName: this.table,
          Key: this.key(this.pkOf(partition, 'claim'), result),
          ConsistentRead: true,
        }),
      );
      const item = out.Item;
      if (item?.rid?.S === undefined) continue;
      found.set(result, {
        id: item.rid.S,
        side: item.side?.S === 'right' ? 'right' : 'left',
        key: item.k?.S ?? '',
        t: Number(item.t?.N),
        value: item.v?.S ?? 'null',
        offset: Number(item.off?.N),
        owner: item.owner?.S ?? '',
      });
    }
    return found;
  }

  /**
   * Claims one result for `owner`: true when this owner holds it (first, or claimed by it before: a replay emits
   * again). `owner` 'matched' marks a record as paired, so that nobody emits it alone afterwards.
   */
  async claim(
    partition: number,
    result: string,
    owner: string,
    onlyIfMine = false,
    alone?: StoredRecord & { readonly offset: number },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new (commands().PutItemCommand)({
          TableName: this.table,
          Item: {
            ...this.key(this.pkOf(partition, 'claim'), result),
            owner: { S: owner },
            // A record emitted alone is kept with its claim: a replay of the claimer emits it again from here.
            ...(alone
              ? {
                  rid: { S: alone.id },
                  side: { S: alone.side },
                  k: { S: alone.key },
                  t: { N: String(alone.t) },
                  off: { N: String(alone.offset) },
                  v: { S: alone.value },
                }
              : {}),
            [EXPIRES]: { N: String(this.expiresAt()) },
          },
          ConditionExpression: onlyIfMine
            ? '#owner = :owner'
            : 'attribute_not_exists(#pk) OR #owner = :owner',
          ExpressionAttributeNames: { ...(onlyIfMine ? {} : { '#pk': this.pk }), '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw classifyDynamoDbError(error, this.table);
    }
  }
}
