import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flow } from '../../../functions/customers-table.ts';
import { testFlow } from '../../../shared/testing/index.ts';

/** A Debezium Postgres change of the customers table (JSON converter without schemas). */
const change = (op: 'r' | 'c' | 'u' | 'd', lsn: number, before: object | null, after: object | null) => ({
  key: JSON.stringify({ customerId: ((after ?? before) as { customerId: string }).customerId }),
  value: {
    before,
    after,
    op,
    ts_ms: 1_796_000_000_000 + lsn,
    source: { connector: 'postgresql', db: 'shop', table: 'customers', lsn, ts_ms: 1_796_000_000_000 + lsn },
  },
});

describe('customers-table', () => {
  it('upserts each change’s after into the customers table', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    await driver.send([
      change('r', 100, null, { customerId: 'c-1', tier: 'silver' }),
      change('u', 200, { customerId: 'c-1', tier: 'silver' }, { customerId: 'c-1', tier: 'gold' }),
      change('c', 300, null, { customerId: 'c-2', tier: 'bronze' }),
    ]);
    // Assess
    expect(driver.table('customers')).toEqual([
      { customerId: 'c-1', tier: 'gold' },
      { customerId: 'c-2', tier: 'bronze' },
    ]);
  });

  it('deletes on a delete change, ignores the tombstone after it, and does not bring the row back on an older change', async () => {
    // Prepare
    const driver = testFlow(flow, { tables: { customers: [] } });
    await driver.send([change('r', 100, null, { customerId: 'c-1', tier: 'silver' })]);
    await driver.send([
      change('d', 300, { customerId: 'c-1' }, null),
      { key: '{"customerId":"c-1"}', value: null },
    ]);
    // Act
    const result = await driver.send([change('u', 200, null, { customerId: 'c-1', tier: 'gold' })]);
    // Assess
    expect(driver.table('customers')).toEqual([]);
    expect(result.deadLetters).toEqual([]);
  });

  it('applies a change newer than the row it finds, sent in a later batch', async () => {
    // Prepare
    const driver = testFlow(flow);
    await driver.send([change('r', 100, null, { customerId: 'c-1', tier: 'silver' })]);
    // Act
    await driver.send([change('u', 200, null, { customerId: 'c-1', tier: 'gold' })]);
    // Assess
    expect(driver.table('customers')).toEqual([{ customerId: 'c-1', tier: 'gold' }]);
  });

  it('dead-letters a value that is not JSON at decode and keeps loading the rest', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: '{"customerId":"c-1"}', value: 'not json' },
      change('r', 100, null, { customerId: 'c-2', tier: 'gold' }),
    ]);
    // Assess
    expect(result.deadLetters.map((d) => [d.stage, d.errorClass, d.value])).toEqual([
      ['decode', 'DecodeError', 'not json'],
    ]);
    expect(driver.table('customers')).toEqual([{ customerId: 'c-2', tier: 'gold' }]);
  });

  it('dead-letters a change the table cannot take (a row without its key) at output', async () => {
    // Prepare
    const driver = testFlow(flow);
    // Act
    const result = await driver.send([
      { key: null, value: { op: 'c', before: null, after: { tier: 'gold' }, source: { lsn: 1 } } },
    ]);
    // Assess
    expect(result.deadLetters).toEqual([
      expect.objectContaining({ stage: 'output', component: 'table:customers' }),
    ]);
    expect(driver.table('customers')).toEqual([]);
  });

  it('loads the sample invoke payload: two snapshot rows, and a delete of a row it never had', async () => {
    // Prepare
    const driver = testFlow(flow);
    const payload = readFileSync(
      new URL('../../../events/invoke/customers-table.json', import.meta.url),
      'utf8',
    );
    // Act
    const result = await driver.sendEvent(payload);
    // Assess
    expect(result.deadLetters).toEqual([]);
    expect(driver.table('customers').map((c) => [c.customerId, c.tier])).toEqual([
      ['c-0000', 'gold'],
      ['c-0001', 'silver'],
    ]);
  });
});
