import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { TableOutputSpec } from '../outputs/table.ts';
import { CdcAttribute, LineageAttribute, planTableWrites } from '../outputs/table-items.ts';
import type { FlowRecord } from '../record.ts';

export type Item = Record<string, unknown>;

const internal = new Set<string>([...Object.values(LineageAttribute), ...Object.values(CdcAttribute)]);

/** An item as a user sees it: without the lineage and change-position attributes the loader adds. */
const visible = (item: Item): Item =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !internal.has(name)));

const matches = (item: Item, key: Item): boolean =>
  Object.entries(key).every(([name, value]) => item[name] === value);

/**
 * Tables as plain items in memory: enrich steps read them through a DynamoDB port (BatchGetItem), `toTable`
 * outputs write them with the real write plan (last write per key, Debezium changes ordered by position).
 */
export class MemoryTables {
  readonly #tables = new Map<string, Item[]>();

  constructor(tables: Readonly<Record<string, readonly Item[]>> = {}) {
    for (const [name, items] of Object.entries(tables))
      this.#tables.set(
        name,
        items.map((i) => ({ ...i })),
      );
  }

  /** The items of a table, as a user sees them (deleted rows' markers left out). */
  items(table: string): Item[] {
    return (this.#tables.get(table) ?? []).filter((i) => i[CdcAttribute.Deleted] !== true).map(visible);
  }

  /** The DynamoDB port enrich steps read: `BatchGetItem` over these items. */
  readonly port = {
    send: async (command: unknown): Promise<unknown> => {
      const input = (command as { input?: { RequestItems?: unknown } }).input;
      const requests = input?.RequestItems as
        | Record<string, { Keys: Record<string, AttributeValue>[] }>
        | undefined;
      if (requests === undefined) throw new Error('the flow test kit serves BatchGetItem only');
      const Responses: Record<string, Record<string, AttributeValue>[]> = {};
      for (const [table, { Keys }] of Object.entries(requests)) {
        Responses[table] = Keys.flatMap((key) => {
          const found = this.items(table).find((item) => matches(item, unmarshall(key)));
          return found ? [marshall(found, { removeUndefinedValues: true })] : [];
        });
      }
      return { Responses, UnprocessedKeys: {} };
    },
  };

  /**
   * Applies what a `toTable` output would write for these records; returns the records the output rejects
   * (bad key, not an object), as the real writer dead-letters them.
   */
  write(spec: TableOutputSpec, records: readonly FlowRecord[]): readonly [FlowRecord, Error][] {
    const { plan } = spec;
    const { writes, rejected } = planTableWrites(records, plan, marshall);
    const table = this.#tables.get(plan.table) ?? [];
    this.#tables.set(plan.table, table);
    const keyOf = (item: Item): Item =>
      Object.fromEntries(
        [plan.key.partition, plan.key.sort].flatMap((name) => (name ? [[name, item[name]]] : [])),
      );
    for (const { request, position } of writes) {
      if (request.DeleteRequest?.Key) {
        const key = unmarshall(request.DeleteRequest.Key);
        const at = table.findIndex((item) => matches(item, key));
        if (at >= 0) table.splice(at, 1);
      } else if (request.PutRequest?.Item) {
        const item = unmarshall(request.PutRequest.Item);
        const at = table.findIndex((existing) => matches(existing, keyOf(item)));
        const current = at >= 0 ? table[at] : undefined;
        // The loader's conditional put: a change only moves a row forward in the source's history.
        const stale =
          position !== undefined &&
          current !== undefined &&
          typeof current[CdcAttribute.Position] === 'string' &&
          !((current[CdcAttribute.Position] as string) < position);
        if (stale) continue;
        if (at >= 0) table[at] = item;
        else table.push(item);
      }
    }
    return rejected;
  }
}
