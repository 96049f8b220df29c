import type { Client } from '@opensearch-project/opensearch';
import { RecordRejectedError, RetriableError, Stage } from '../errors.ts';
import { type BackoffDeps, backoff, realClock, retryBudget } from './backoff.ts';
import type { DeadLetter, Output } from './output.ts';
import { type RateLimiter, waitDeadline } from './rate-limit.ts';
import {
  type BulkAction,
  type BulkItemResult,
  type BulkPlanOptions,
  chunkBulk,
  classifyItem,
  ItemOutcome,
  itemErrorMessage,
  planBulk,
} from './search-bulk.ts';

/** The part of the OpenSearch client the writer uses. */
export type SearchClient = Pick<Client, 'bulk'> & { indices: Pick<Client['indices'], 'exists' | 'create'> };

export interface SearchWriterDeps extends BulkPlanOptions {
  /** Taken from before each request (rate-limit.ts); none when the output has no `rateLimit`. */
  readonly limiter?: RateLimiter;
  readonly name: string;
  readonly client: () => SearchClient;
  readonly maxBulkBytes: number;
  readonly maxBulkActions: number;
  /** Index body (mappings, settings) to create the index with when it is missing; nothing to create if unset. */
  readonly create?: { readonly mappings?: unknown; readonly settings?: unknown };
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

const statusOf = (error: unknown): number | undefined => {
  const meta = (error as { meta?: { statusCode?: number } } | null)?.meta;
  return typeof meta?.statusCode === 'number' ? meta.statusCode : undefined;
};

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** A whole-request failure worth retrying: no response at all, throttling, or a server error. */
const retriableRequestError = (error: unknown): boolean => {
  const status = statusOf(error);
  return status === undefined || status === 429 || status >= 500;
};

/**
 * Indexes a batch with `_bulk`, one item at a time in effect: written items are done, throttled items are sent
 * again with backoff within a bounded time (then the batch fails, to be replayed), rejected items are
 * dead-lettered with the store's error.
 */
export const createSearchWriter = (deps: SearchWriterDeps): Output => {
  /**
   * Creates the index with its declared mapping when it is missing. Checked on every batch, not cached: a
   * deleted index would otherwise be auto-created by the next bulk request with dynamic mappings.
   */
  const ensureIndex = async (client: SearchClient): Promise<void> => {
    if (!deps.create) return;
    try {
      const exists = await client.indices.exists({ index: deps.index });
      if (exists.body === true) return;
      await client.indices.create({ index: deps.index, body: deps.create as never });
    } catch (error) {
      const type = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
      if (type === 'resource_already_exists_exception') return;
      throw new RetriableError(`opensearch index ${deps.index} not ready: ${describe(error)}`, {
        cause: error,
      });
    }
  };

  return {
    name: deps.name,
    async write(records, context) {
      const client = deps.client();
      const deadLetters: DeadLetter[] = [];
      const reject = (action: { record: DeadLetter['record'] }, error: RecordRejectedError) =>
        deadLetters.push({ record: action.record, stage: Stage.Output, error, component: deps.name });

      const { actions, rejected } = planBulk(records, deps);
      for (const [record, error] of rejected) reject({ record }, error);
      if (actions.length === 0) return { written: records.length - deadLetters.length, deadLetters };

      await ensureIndex(client);

      const wait = backoff(
        { ...deps.retry, budgetMs: retryBudget(deps.retry.budgetMs, context.deadlineMs) },
        deps.clock ?? realClock,
      );
      const deadline = waitDeadline(context.deadlineMs);
      let pending: BulkAction[] = actions;
      let lastProblem = '';
      while (pending.length > 0) {
        const again: BulkAction[] = [];
        let indexMissing = false;
        for (const chunk of chunkBulk(pending, {
          maxBytes: deps.maxBulkBytes,
          maxActions: deps.maxBulkActions,
        })) {
          let items: Record<string, BulkItemResult>[];
          // Outside the try: a wait past the deadline fails the batch now, it is not a request to retry.
          await deps.limiter?.acquire(chunk.length, deadline);
          try {
            // A pre-serialised NDJSON string is sent as-is by the client (its types only admit arrays).
            const body = chunk.map((a) => a.ndjson).join('') as unknown as never[];
            // On the index's own path: the action lines name no index (the grant and the domain allow only this).
            const response = await client.bulk({ index: deps.index, body });
            items = (response.body as { items: Record<string, BulkItemResult>[] }).items;
          } catch (error) {
            if (!retriableRequestError(error)) {
              throw new RetriableError(`opensearch bulk failed: ${describe(error)}`, { cause: error });
            }
            lastProblem = describe(error);
            again.push(...chunk);
            continue;
          }
          chunk.forEach((action, i) => {
            const item = items[i]?.[action.op];
            if (!item) {
              lastProblem = 'bulk response is missing items';
              again.push(action);
              return;
            }
            const outcome = classifyItem(action.op, item);
            if (outcome === ItemOutcome.Refused) {
              // Not this record's fault: every record would be dead-lettered. Fail the batch; the mapping retries.
              throw new RetriableError(
                `opensearch refused writes to ${deps.index}: ${itemErrorMessage(item)}`,
              );
            }
            if (outcome === ItemOutcome.IndexMissing) indexMissing = true;
            if (outcome === ItemOutcome.Retry || outcome === ItemOutcome.IndexMissing) {
              lastProblem = itemErrorMessage(item);
              again.push(action);
            } else if (outcome === ItemOutcome.Reject) {
              reject(
                action,
                new RecordRejectedError(
                  `opensearch rejected document ${action.id}: ${itemErrorMessage(item)}`,
                ),
              );
            }
          });
        }
        pending = again;
        // Deleted mid-batch: recreate it with its mapping before the items go again.
        if (indexMissing) await ensureIndex(client);
        if (pending.length > 0 && !(await wait())) {
          throw new RetriableError(
            `opensearch: ${pending.length} document(s) still not written after retrying: ${lastProblem}`,
          );
        }
      }
      return { written: records.length - deadLetters.length, deadLetters };
    },
  };
};
