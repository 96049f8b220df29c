import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { RecordRejectedError, RetriableError, Stage } from '../errors.ts';
import { type BackoffDeps, backoff, realClock, retryBudget } from './backoff.ts';
import type { DeadLetter, Output } from './output.ts';
import { type RateLimiter, waitDeadline } from './rate-limit.ts';
import {
  CdcAttribute,
  chunk,
  type Marshall,
  planTableWrites,
  type TablePlanOptions,
  type TableWrite,
} from './table-items.ts';

export interface TableWriterDeps extends TablePlanOptions {
  /** Taken from before each request (rate-limit.ts); none when the output has no `rateLimit`. */
  readonly limiter?: RateLimiter;
  readonly name: string;
  readonly table: string;
  readonly client: () => Pick<DynamoDBClient, 'send'>;
  /** BatchWriteItem requests in flight at once (keys are distinct, so order between them does not matter). */
  readonly concurrency: number;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** An item the table will never accept as sent (bad key type, too large, invalid attribute). */
const isValidation = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ValidationException';

const throttling = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'LimitExceededException',
]);

/** Worth retrying here: throttling, a server error, or no response at all. Anything else fails the batch now. */
const isTransient = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (throttling.has(error.name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
};

/**
 * Loads a batch into a table: last write per key, BatchWriteItem 25 at a time (a change stream's changes: one
 * conditional PutItem each, `concurrency` at once), UnprocessedItems and throttling
 * retried with jittered backoff within a bounded time (then the batch fails and is replayed; replaying puts
 * the same items again, so nothing is lost and state converges).
 */
export const createTableWriter = (deps: TableWriterDeps): Output => ({
  name: deps.name,
  async write(records, context) {
    const deadLetters: DeadLetter[] = [];
    const reject = (record: DeadLetter['record'], error: RecordRejectedError) =>
      deadLetters.push({ record, stage: Stage.Output, error, component: deps.name });
    const [{ BatchWriteItemCommand, DeleteItemCommand, PutItemCommand }, { marshall }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/util-dynamodb'),
    ]);
    const { writes, rejected } = planTableWrites(records, deps, marshall as Marshall);
    for (const [record, error] of rejected) reject(record, error);
    const budget = { ...deps.retry, budgetMs: retryBudget(deps.retry.budgetMs, context.deadlineMs) };
    const client = deps.client();
    const deadline = waitDeadline(context.deadlineMs);
    const limit = (records: number) => deps.limiter?.acquire(records, deadline);

    /** One item at a time, to find which item of a rejected batch the table refuses. */
    const writeOneByOne = async (batch: readonly TableWrite[]) => {
      for (const { record, request } of batch) {
        try {
          await limit(1);
          if (request.PutRequest) {
            await client.send(new PutItemCommand({ TableName: deps.table, Item: request.PutRequest.Item }));
          } else if (request.DeleteRequest) {
            await client.send(
              new DeleteItemCommand({ TableName: deps.table, Key: request.DeleteRequest.Key }),
            );
          }
        } catch (error) {
          if (!isValidation(error)) throw error;
          reject(
            record,
            new RecordRejectedError(`table ${deps.table} rejected the item: ${describe(error)}`),
          );
        }
      }
    };

    const writeChunk = async (batch: TableWrite[]) => {
      const wait = backoff(budget, deps.clock ?? realClock);
      let pending: WriteRequest[] = batch.map((w) => w.request);
      let lastProblem = '';
      while (pending.length > 0) {
        // Outside the try: a wait past the deadline fails the batch now, it is not a throttle to retry.
        await limit(pending.length);
        try {
          const result = await client.send(
            new BatchWriteItemCommand({ RequestItems: { [deps.table]: pending } }),
          );
          pending = result.UnprocessedItems?.[deps.table] ?? [];
          lastProblem = `${pending.length} unprocessed item(s)`;
        } catch (error) {
          if (isValidation(error)) {
            if (pending.length !== batch.length)
              throw new RetriableError(`table ${deps.table}: ${describe(error)}`);
            await writeOneByOne(batch);
            return;
          }
          if (!isTransient(error)) throw error;
          lastProblem = describe(error);
        }
        if (pending.length > 0 && !(await wait())) {
          throw new RetriableError(
            `table ${deps.table}: items still not written after retrying: ${lastProblem}`,
          );
        }
      }
    };

    /**
     * A change from a change stream: one PutItem that applies only over an older position (BatchWriteItem
     * takes no conditions). A refusal means the table already holds this change or a newer one: a replay or
     * an out-of-order change, left out and counted as replayed.
     */
    let stale = 0;
    const writeChange = async ({ record, request, position }: TableWrite) => {
      const wait = backoff(budget, deps.clock ?? realClock);
      for (;;) {
        await limit(1);
        try {
          await client.send(
            new PutItemCommand({
              TableName: deps.table,
              Item: request.PutRequest?.Item,
              ConditionExpression: 'attribute_not_exists(#pos) OR #pos < :pos',
              ExpressionAttributeNames: { '#pos': CdcAttribute.Position },
              ExpressionAttributeValues: { ':pos': { S: position as string } },
            }),
          );
          return;
        } catch (error) {
          if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
            stale += 1;
            return;
          }
          if (isValidation(error)) {
            reject(
              record,
              new RecordRejectedError(`table ${deps.table} rejected the item: ${describe(error)}`),
            );
            return;
          }
          if (!isTransient(error)) throw error;
          if (!(await wait())) {
            throw new RetriableError(
              `table ${deps.table}: change not written after retrying: ${describe(error)}`,
            );
          }
        }
      }
    };

    const queue = writes[0]?.position === undefined ? chunk(writes, 25) : writes.map((w) => [w]);
    const failures: unknown[] = [];
    const worker = async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        try {
          await (batch[0]?.position === undefined ? writeChunk(batch) : writeChange(batch[0]));
        } catch (error) {
          failures.push(error);
          queue.length = 0;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.concurrency, queue.length) }, worker));
    const failure = failures[0];
    if (failure !== undefined) {
      throw failure instanceof RetriableError
        ? failure
        : new RetriableError(`table ${deps.table} write failed: ${describe(failure)}`, { cause: failure });
    }
    return {
      written: records.length - deadLetters.length - stale,
      deadLetters,
      ...(stale > 0 ? { replayed: stale } : {}),
    };
  },
});
