import { dynamoDbClient } from '../clients/dynamodb.ts';
import type { TableRef } from '../topology/resources.ts';
import { StateAttribute as A, windowPk } from './state-keys.ts';
import { type StatePort, StateStore } from './state-store.ts';

/** One window of a key as the state table holds it now (kept current as records arrive). */
export interface WindowState<R = unknown> {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The result over the records applied so far (final once stream time passed end + grace). */
  readonly value: R;
}

/**
 * The interactive query: a key's windows of an aggregation, oldest first, read with one consistent Query.
 * Windows past their expiry are left out, since DynamoDB's TTL deletes them only eventually (dynalite never).
 * @example await readWindows(tables.productStats, 'ratings-per-hour', 'p-42')
 */
export const readWindows = async <R = unknown>(
  table: TableRef,
  aggregation: string,
  key: string,
  options: { readonly client?: StatePort; readonly now?: number } = {},
): Promise<WindowState<R>[]> => {
  const client = options.client ?? (await dynamoDbClient());
  const store = new StateStore(client, table);
  const nowSeconds = (options.now ?? Date.now()) / 1000;
  // '~' sorts after the 16 digits of every window start.
  const items = await store.query(windowPk(aggregation, key), '~');
  return items
    .filter((item) => {
      const expires = item[A.Expires];
      return !(typeof expires === 'number' && expires < nowSeconds);
    })
    .flatMap((item) =>
      // Session windows keep a key's sessions in one item (shared/stateful/session.ts).
      Array.isArray(item.sessions)
        ? (item.sessions as { start: number; end: number; result: R }[]).map((s) => ({
            key: item[A.Key] as string,
            windowStart: s.start,
            windowEnd: s.end,
            value: s.result,
          }))
        : [
            {
              key: item[A.Key] as string,
              windowStart: item[A.Start] as number,
              windowEnd: item[A.End] as number,
              value: item[A.Result] as R,
            },
          ],
    );
};
