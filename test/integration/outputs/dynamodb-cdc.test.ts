import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { enrich } from '../../../shared/enrich/enrich.ts';
import type { OutputContext } from '../../../shared/outputs/output.ts';
import { toTable } from '../../../shared/outputs/table.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { defineTables } from '../../../shared/topology/resources.ts';
import { endpoints, localAws } from '../../support/endpoints.ts';
import { flowRecord } from '../../unit/outputs/records.ts';
import { flowRecord as enrichRecord, stepContext } from '../../unit/runtime/records.ts';
import { createCustomersTable, scanCustomers } from './customers-table.ts';
import { useLocalServers } from './support.ts';

useLocalServers();
const dynamodb = new DynamoDBClient(localAws(endpoints().dynamodb.endpoint));
const context: OutputContext = { flowName: 'customers-cdc' };

const createTable = (): Promise<string> => createCustomersTable(dynamodb, 'customers-cdc');

/** Every item as stored, bookkeeping included. */
const items = (table: string): Promise<Record<string, unknown>[]> => scanCustomers(dynamodb, table);

/** The rows a reader sees: live items without the loader's bookkeeping attributes. */
const rows = async (table: string): Promise<Record<string, unknown>[]> => {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
  return Items.map((item) => unmarshall(item))
    .filter((item) => item._sluice_deleted !== true)
    .map(({ customerId, name, tier }) => ({ customerId, name, tier }))
    .sort((a, b) => String(a.customerId).localeCompare(String(b.customerId)));
};

/**
 * A Postgres connector's change stream over 40 customers: a snapshot read, three updates each, and every 5th
 * customer deleted (a `d` then the Kafka tombstone). Every other change is wrapped by the JSON converter with
 * schemas. The LSN grows with the history; the records' offsets are their place in it.
 */
const history = (): FlowRecord[] => {
  const records: FlowRecord[] = [];
  let lsn = 1_000;
  const emit = (id: string, value: unknown) => {
    const offset = records.length;
    records.push(
      flowRecord({ topic: 'shop.public.customers', offset, key: JSON.stringify({ customerId: id }), value }),
    );
  };
  const envelope = (op: string, before: object | null, after: object | null) => {
    lsn += 8;
    const bare = {
      before,
      after,
      source: { connector: 'postgresql', table: 'customers', lsn, ts_ms: 1_700_000_000_000 + lsn },
      op,
      ts_ms: 1_700_000_000_100 + lsn,
    };
    return lsn % 16 === 0 ? { schema: { type: 'struct', optional: false }, payload: bare } : bare;
  };
  for (let i = 0; i < 40; i++) {
    const id = `c-${String(i).padStart(2, '0')}`;
    let row = { customerId: id, name: `Customer ${i}`, tier: 'bronze' };
    emit(id, envelope('r', null, row));
    for (const tier of ['silver', 'gold', 'platinum']) {
      const next = { ...row, tier };
      emit(id, envelope('u', row, next));
      row = next;
    }
    if (i % 5 === 0) {
      emit(id, envelope('d', { customerId: id }, null));
      emit(id, null);
    }
  }
  return records;
};

/** What the source database holds after the history. */
const finalRows = () =>
  Array.from({ length: 40 }, (_, i) => i)
    .filter((i) => i % 5 !== 0)
    .map((i) => ({ customerId: `c-${String(i).padStart(2, '0')}`, name: `Customer ${i}`, tier: 'platinum' }));

/** A seeded shuffle, so the order is arbitrary but the test repeatable. */
const shuffled = <T>(items: readonly T[], seed = 7): T[] => {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

describe('the table loader reading Debezium changes on a DynamoDB-compatible server', () => {
  afterAll(() => dynamodb.destroy());

  it('reaches the database state from the change stream, wrapped or bare, tombstones ignored', async () => {
    // Prepare
    const table = await createTable();
    const output = toTable(table, { key: { partition: 'customerId' }, cdc: 'debezium' }).create();
    // Act
    const result = await output.write(history(), context);
    // Assess
    expect(result.deadLetters).toEqual([]);
    expect(await rows(table)).toEqual(finalRows());
  });

  it('converges when the changes arrive out of order, in small batches, and again as a replay', async () => {
    // Prepare
    const table = await createTable();
    const output = toTable(table, { key: { partition: 'customerId' }, cdc: 'debezium' }).create();
    const changes = shuffled(history());
    // Act: seven batches in arbitrary order, then the whole stream again from the start
    for (let i = 0; i < changes.length; i += 25) {
      await output.write(changes.slice(i, i + 25), context);
    }
    const before = await items(table);
    let replayed = 0;
    for (let i = 0; i < changes.length; i += 50) {
      replayed += (await output.write(history().slice(i, i + 50), context)).replayed ?? 0;
    }
    // Assess: the database's state, and the replay changed no item, positions and offsets included
    expect(await rows(table)).toEqual(finalRows());
    expect(await items(table)).toEqual(before);
    expect(replayed).toBeGreaterThanOrEqual(40);
  });

  it('keeps a deleted row deleted when an older update arrives after the delete', async () => {
    // Prepare
    const table = await createTable();
    const output = toTable(table, { key: { partition: 'customerId' }, cdc: 'debezium' }).create();
    const changes = history().filter((r) => (r.key ?? '').includes('"c-05"'));
    const [read, , , lastUpdate, remove] = changes;
    // Act: the delete lands first, then a stale update in a later batch
    await output.write([read, remove] as FlowRecord[], context);
    const late = await output.write([lastUpdate] as FlowRecord[], context);
    // Assess
    expect(late).toEqual({ written: 0, deadLetters: [], replayed: 1 });
    expect((await rows(table)).map((r) => r.customerId)).not.toContain('c-05');
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
    expect(Items.map((item) => unmarshall(item))).toEqual([
      expect.objectContaining({ customerId: 'c-05', _sluice_deleted: true }),
    ]);
  });

  it('dates a delete marker for DynamoDB TTL, drops the date when the row comes back, and enrich never sees the marker', async () => {
    // Prepare: c-05 read, then deleted; later the database inserts it again (a newer LSN)
    const table = await createTable();
    const output = toTable(table, { key: { partition: 'customerId' }, cdc: 'debezium' }).create();
    const [read, , , , remove] = history().filter((r) => (r.key ?? '').includes('"c-05"'));
    const again = flowRecord({
      topic: 'shop.public.customers',
      offset: 1_000,
      key: JSON.stringify({ customerId: 'c-05' }),
      value: {
        before: null,
        after: { customerId: 'c-05', name: 'Customer 5', tier: 'bronze' },
        source: { connector: 'postgresql', table: 'customers', lsn: 99_999, ts_ms: 1_700_000_100_000 },
        op: 'c',
        ts_ms: 1_700_000_100_100,
      },
    });
    const { customers } = defineTables({ customers: { name: table, partitionKey: 'customerId' } });
    // A new port object per lookup: enrich caches per client, and each lookup here must reach the table.
    const lookUp = async () => {
      const step = enrich({ table: customers, key: 'customerId', as: 'customer', attributes: ['tier'] });
      const result = await step.run(
        [enrichRecord({ customerId: 'c-05' })],
        stepContext({ ports: { dynamodb: { send: (command: never) => dynamodb.send(command) } } }),
      );
      return result.records.map((r) => (r.value as { customer: unknown }).customer);
    };
    // Act
    await output.write([read, remove] as FlowRecord[], context);
    const marker = await items(table);
    const whileDeleted = await lookUp();
    await output.write([again], context);
    const row = await items(table);
    const afterInsert = await lookUp();
    // Assess: the marker expires 7 days after the delete record's time (later than Debezium's clocks here)
    expect(marker).toEqual([
      expect.objectContaining({
        customerId: 'c-05',
        _sluice_deleted: true,
        _sluice_expires: (remove as FlowRecord).source.timestamp / 1000 + 7 * 24 * 3600,
      }),
    ]);
    expect(whileDeleted).toEqual([null]);
    expect(row).toEqual([expect.objectContaining({ customerId: 'c-05', tier: 'bronze' })]);
    expect(row[0]).not.toHaveProperty('_sluice_expires');
    expect(row[0]).not.toHaveProperty('_sluice_deleted');
    expect(afterInsert).toEqual([{ tier: 'bronze' }]);
  });

  it('dead-letters malformed changes with the reason and writes the rest of the batch', async () => {
    const table = await createTable();
    const output = toTable(table, { key: { partition: 'customerId' }, cdc: 'debezium' }).create();
    const [good] = history();
    const bad = flowRecord({ topic: 'shop.public.customers', offset: 900, value: { op: 'u', before: null } });
    const result = await output.write([bad, good] as FlowRecord[], context);
    expect(result.written).toBe(1);
    expect(result.deadLetters.map((d) => [d.record.source.offset, d.stage, d.error.message])).toEqual([
      [900, 'output', 'Debezium op "u" must carry an "after" object'],
    ]);
    expect(await rows(table)).toEqual([{ customerId: 'c-00', name: 'Customer 0', tier: 'bronze' }]);
  });
});
