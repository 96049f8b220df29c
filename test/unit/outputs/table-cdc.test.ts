import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { toTable } from '../../../shared/outputs/table.ts';
import { readChange } from '../../../shared/outputs/table-cdc.ts';
import { planTableWrites, type TablePlanOptions } from '../../../shared/outputs/table-items.ts';
import { fakeTableWriter, flowRecord } from './records.ts';

const plan: TablePlanOptions = {
  key: { partition: 'customerId' },
  item: () => ({}),
  tombstones: 'delete',
  cdc: 'debezium',
};

/** A Debezium change as the Postgres connector writes it (schemas off). */
const change = (
  op: string,
  fields: { before?: object | null; after?: object | null; lsn?: number; tsMs?: number; sourceTsMs?: number },
) => ({
  before: fields.before ?? null,
  after: fields.after ?? null,
  source: {
    connector: 'postgresql',
    db: 'shop',
    table: 'customers',
    ts_ms: fields.sourceTsMs ?? 1_700_000_000_000,
    ...(fields.lsn === undefined ? {} : { lsn: fields.lsn }),
  },
  op,
  ts_ms: fields.tsMs ?? 1_700_000_000_500,
});

const record = (offset: number, value: unknown, key: string | null = '{"customerId":"c1"}') =>
  flowRecord({ topic: 'shop.public.customers', offset, key, value });

const items = (records: Parameters<typeof planTableWrites>[0]) =>
  planTableWrites(records, plan, marshall).writes.map((w) =>
    w.request.PutRequest?.Item ? unmarshall(w.request.PutRequest.Item) : undefined,
  );

describe('reading a Debezium change event', () => {
  it('reads c, r and u as upserts of after, with or without the JSON converter schema/payload wrapper', () => {
    // Prepare
    const bare = change('u', { after: { customerId: 'c1', tier: 'gold' }, lsn: 42 });
    const wrapped = { schema: { type: 'struct', name: 'shop.public.customers.Envelope' }, payload: bare };
    // Act
    const results = [
      readChange(record(1, bare)),
      readChange(record(1, wrapped)),
      readChange(record(1, { ...bare, op: 'c' })),
      readChange(record(1, { ...bare, op: 'r' })),
    ];
    // Assess
    for (const result of results) {
      expect(result).toMatchObject({ op: 'upsert', row: { customerId: 'c1', tier: 'gold' } });
    }
  });

  it('reads d as a delete keyed by before, and by the record key (wrapped or bare) when before is absent', () => {
    const withBefore = readChange(record(2, change('d', { before: { customerId: 'c1' }, lsn: 43 })));
    const wrappedKey = readChange(
      record(2, change('d', { lsn: 43 }), '{"schema":{"type":"struct"},"payload":{"customerId":"c1"}}'),
    );
    const textKey = readChange(record(2, change('d', { lsn: 43 }), 'c1'));
    expect(withBefore).toMatchObject({ op: 'delete', before: { customerId: 'c1' } });
    expect(wrappedKey).toMatchObject({ op: 'delete', before: undefined, recordKey: { customerId: 'c1' } });
    expect(textKey).toMatchObject({ op: 'delete', recordKey: 'c1' });
  });

  it('skips the Kafka tombstone that follows a delete', () => {
    expect(readChange(record(3, null))).toEqual({ op: 'skip' });
  });

  it('orders by source.lsn alone when there is one, else by source.ts_ms, then ts_ms, then the offset', () => {
    // Prepare: the later LSN has the earlier clocks and offset; the same change sent again has the same position
    const early = readChange(record(9, change('u', { after: { customerId: 'c1' }, lsn: 100, tsMs: 9e12 })));
    const late = readChange(record(1, change('u', { after: { customerId: 'c1' }, lsn: 101, tsMs: 1 })));
    const again = readChange(record(7, change('u', { after: { customerId: 'c1' }, lsn: 101, tsMs: 2 })));
    // Without an LSN (MySQL, SQL Server ...): source.ts_ms, then ts_ms, then the offset
    const first = readChange(record(5, change('u', { after: { customerId: 'c1' }, sourceTsMs: 7, tsMs: 8 })));
    const second = readChange(
      record(4, change('u', { after: { customerId: 'c1' }, sourceTsMs: 7, tsMs: 9 })),
    );
    const third = readChange(record(6, change('u', { after: { customerId: 'c1' }, sourceTsMs: 7, tsMs: 9 })));
    // Assess
    const position = (c: ReturnType<typeof readChange>) => ('position' in c ? c.position : '');
    expect(position(early) < position(late)).toBe(true);
    expect(position(again)).toBe(position(late));
    expect(position(first) < position(second)).toBe(true);
    expect(position(second) < position(third)).toBe(true);
  });

  it.each([
    ['a value that is not an object', [1, 2], 'must be a JSON object'],
    ['no op', { after: { customerId: 'c1' } }, 'no "op" field'],
    ['a truncate', { ...change('t', {}) }, 'op "t" is not a row change'],
    ['an update without after', change('u', { lsn: 1 }), 'must carry an "after" object'],
    ['no source', { op: 'c', after: { customerId: 'c1' } }, 'no source object'],
    ['a negative LSN', change('c', { after: { customerId: 'c1' }, lsn: -1 }), 'source.lsn must be'],
    [
      'a fractional source time',
      change('c', { after: { customerId: 'c1' }, sourceTsMs: 1.5 }),
      'source.ts_ms',
    ],
  ])('rejects %s with the reason', (_what, value, reason) => {
    expect(() => readChange(record(1, value))).toThrow(reason);
  });
});

describe('planning the writes of a change stream', () => {
  it('keeps per key the change with the highest source position, whatever its place in the batch', () => {
    // Act: the batch holds the newer change first
    const writes = items([
      record(1, change('u', { after: { customerId: 'c1', tier: 'gold' }, lsn: 200 })),
      record(2, change('u', { after: { customerId: 'c1', tier: 'bronze' }, lsn: 150 })),
      record(3, change('c', { after: { customerId: 'c2', tier: 'silver' }, lsn: 160 })),
    ]);
    // Assess
    expect(writes).toEqual([
      expect.objectContaining({ customerId: 'c1', tier: 'gold', _sluice_offset: 1 }),
      expect.objectContaining({ customerId: 'c2', tier: 'silver', _sluice_offset: 3 }),
    ]);
    expect(writes[0]?._sluice_pos).toBe(`${'200'.padStart(20, '0')}.${'0'.repeat(20)}.${'0'.repeat(20)}`);
  });

  it('turns a delete into a marker item with the key, the position and _sluice_deleted, and skips the tombstone', () => {
    const { writes, rejected } = planTableWrites(
      [record(1, change('d', { before: { customerId: 'c1', tier: 'gold' }, lsn: 300 })), record(2, null)],
      plan,
      marshall,
    );
    expect(rejected).toEqual([]);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.record.source.offset).toBe(1);
    expect(unmarshall(writes[0]?.request.PutRequest?.Item ?? {})).toEqual({
      customerId: 'c1',
      _sluice_deleted: true,
      _sluice_pos: writes[0]?.position,
      _sluice_topic: 'shop.public.customers',
      _sluice_partition: 0,
      _sluice_offset: 1,
      // the record's time (2025-01-02T03:04:05Z, later than the change's ts_ms) + 7 days, in epoch seconds
      _sluice_expires: Date.UTC(2025, 0, 2, 3, 4, 5) / 1000 + 7 * 24 * 3600,
    });
  });

  it("dates a marker's expiry from the latest of the record time, ts_ms and source.ts_ms, plus the retention", () => {
    // Prepare: Debezium's clocks later than the Kafka record time, then earlier; a retention of one day
    const deletedAt = Date.UTC(2026, 5, 1, 12, 0, 0, 750);
    const recordTime = Date.UTC(2026, 5, 1);
    const delete_ = (offset: number, id: string, fields: Parameters<typeof change>[1]) =>
      flowRecord({
        topic: 'shop.public.customers',
        offset,
        timestamp: recordTime,
        key: JSON.stringify({ customerId: id }),
        value: change('d', { before: { customerId: id }, ...fields }),
      });
    const records = [
      delete_(1, 'c1', { lsn: 10, sourceTsMs: deletedAt - 5, tsMs: deletedAt }),
      delete_(2, 'c2', { lsn: 11, sourceTsMs: deletedAt, tsMs: 1 }),
      delete_(3, 'c3', { lsn: 12, sourceTsMs: 1, tsMs: 1 }),
    ];
    // Act
    const { writes } = planTableWrites(records, { ...plan, deleteMarkerTtlSeconds: 86_400 }, marshall);
    // Assess
    expect(writes.map((w) => unmarshall(w.request.PutRequest?.Item ?? {})._sluice_expires)).toEqual([
      Math.floor(deletedAt / 1000) + 86_400,
      Math.floor(deletedAt / 1000) + 86_400,
      recordTime / 1000 + 86_400,
    ]);
  });

  it('dates a marker from the wall clock when the delete carries no time at all', () => {
    // Prepare: no Kafka timestamp (-1) and no Debezium clocks
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['Date'] });
    const value = { op: 'd', before: { customerId: 'c1' }, source: { lsn: 5 } };
    const untimed = flowRecord({ topic: 'shop.public.customers', offset: 1, timestamp: -1, value });
    // Act
    const [marker] = items([untimed]);
    vi.useRealTimers();
    // Assess
    expect(marker?._sluice_expires).toBe(Date.UTC(2026, 0, 1) / 1000 + 7 * 24 * 3600);
  });

  it('writes an upsert without _sluice_expires, so the row that replaces a marker never expires', () => {
    const [row] = items([record(1, change('c', { after: { customerId: 'c1', tier: 'gold' }, lsn: 400 }))]);
    expect(row).toMatchObject({ customerId: 'c1', tier: 'gold' });
    expect(row).not.toHaveProperty('_sluice_expires');
    expect(row).not.toHaveProperty('_sluice_deleted');
  });

  it('rejects a malformed change and a delete with no key, and still plans the rest of the batch', () => {
    const { writes, rejected } = planTableWrites(
      [
        record(1, { op: 'x' }),
        record(2, change('d', { lsn: 5 }), null),
        record(3, change('c', { after: { customerId: 'c3' }, lsn: 6 })),
      ],
      plan,
      marshall,
    );
    expect(writes.map((w) => w.record.source.offset)).toEqual([3]);
    expect(rejected.map(([r, e]) => [r.source.offset, e.message])).toEqual([
      [1, 'Debezium op "x" is not a row change (c, r, u or d)'],
      [2, 'Debezium delete carries no key: neither "before" nor the record key holds "customerId"'],
    ]);
  });
});

describe('toTable with cdc', () => {
  it.each(['item', 'keyOf', 'tombstones'] as const)('refuses %s at load time, naming it', (option) => {
    const value = option === 'tombstones' ? 'ignore' : () => ({});
    const declare = () =>
      toTable({ name: 'customers', partitionKey: 'customerId' }, { cdc: 'debezium', [option]: value });
    expect(declare).toThrow(ConfigError);
    expect(declare).toThrow(`toTable(customers).${option}: not with cdc`);
  });

  it('keeps delete markers 7 days unless deleteMarkerTtlSeconds says otherwise, and takes it only with cdc', () => {
    // Prepare
    const customers = { name: 'customers', partitionKey: 'customerId' };
    // Act
    const byDefault = toTable(customers, { cdc: 'debezium' });
    const month = toTable(customers, { cdc: 'debezium', deleteMarkerTtlSeconds: 30 * 86_400 });
    const plain = () => toTable(customers, { deleteMarkerTtlSeconds: 60 });
    const zero = () => toTable(customers, { cdc: 'debezium', deleteMarkerTtlSeconds: 0 });
    // Assess
    expect(byDefault.plan.deleteMarkerTtlSeconds).toBe(604_800);
    expect(month.plan.deleteMarkerTtlSeconds).toBe(2_592_000);
    expect(plain).toThrow("toTable(customers).deleteMarkerTtlSeconds: only with cdc: 'debezium'");
    expect(zero).toThrow('toTable(customers).deleteMarkerTtlSeconds: must be ≥ 1');
  });
});

describe('the table loader writing a change stream (DynamoDB client faked)', () => {
  const writer = (send: (command: unknown) => Promise<unknown>) => fakeTableWriter(plan, send);
  const failure = (name: string, status = 400) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it('sends each change as a PutItem conditional on an older position, and counts refused ones as replayed', async () => {
    // Prepare: the fake table refuses c2 as it would a change older than what it holds
    const sent: PutItemCommand[] = [];
    const send = vi.fn(async (command: unknown) => {
      sent.push(command as PutItemCommand);
      if (unmarshall((command as PutItemCommand).input.Item ?? {}).customerId === 'c2') {
        throw failure('ConditionalCheckFailedException');
      }
      return {};
    });
    const records = [
      record(1, change('c', { after: { customerId: 'c1' }, lsn: 10 })),
      record(2, change('u', { after: { customerId: 'c2' }, lsn: 11 })),
    ];
    // Act
    const result = await writer(send).write(records, { flowName: 'f' });
    // Assess
    expect(result).toEqual({ written: 1, deadLetters: [], replayed: 1 });
    expect(sent.map((c) => c.constructor)).toEqual([PutItemCommand, PutItemCommand]);
    expect(sent[0]?.input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#pos) OR #pos < :pos',
      ExpressionAttributeNames: { '#pos': '_sluice_pos' },
      ExpressionAttributeValues: { ':pos': { S: expect.stringMatching(/^0+10\./) } },
    });
  });

  it('retries a throttled change, and dead-letters one the table refuses as invalid', async () => {
    let throttles = 2;
    const send = vi.fn(async (command: unknown) => {
      const item = unmarshall((command as PutItemCommand).input.Item ?? {});
      if (item.customerId === 'c1' && throttles-- > 0) throw failure('ThrottlingException');
      if (item.customerId === 'c2') throw failure('ValidationException');
      return {};
    });
    const result = await writer(send).write(
      [
        record(1, change('c', { after: { customerId: 'c1' }, lsn: 10 })),
        record(2, change('c', { after: { customerId: 'c2' }, lsn: 11 })),
        record(3, { op: 'c' }),
      ],
      { flowName: 'f' },
    );
    expect(result.written).toBe(1);
    expect(result.deadLetters.map((d) => [d.record.source.offset, d.stage, d.error.message])).toEqual([
      [3, 'output', 'Debezium op "c" must carry an "after" object'],
      [2, 'output', 'table customers rejected the item: ValidationException: ValidationException'],
    ]);
    expect(send).toHaveBeenCalledTimes(4);
  });
});
