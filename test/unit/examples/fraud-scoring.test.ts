import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flow } from '../../../examples/fraud-scoring/score-payments.ts';
import { topology } from '../../../examples/fraud-scoring/topology.ts';
import { testFlow } from '../../../shared/testing/index.ts';

const example = (path: string) => new URL(`../../../examples/fraud-scoring/${path}`, import.meta.url);
const merchants = JSON.parse(readFileSync(example('events/seeds/merchants.json'), 'utf8'));
const lake = 's3:sluice-fraud-lake/payments/scored';

const payment = (paymentId: string, fields: Record<string, unknown> = {}) => ({
  key: paymentId,
  value: {
    paymentId,
    merchantId: 'm-grocer',
    cardCountry: 'GB',
    amountCents: 2500,
    currency: 'GBP',
    channel: 'card-present',
    createdAt: '2026-11-20T09:00:00.000Z',
    ...fields,
  },
});

describe('the fraud-scoring example (docs/writing-a-flow.md)', () => {
  it('scores every real payment into the lake and alerts only those scoring 60 or more', async () => {
    // Prepare
    const driver = testFlow(flow, { tables: { merchants } });
    // Act
    const result = await driver.send([
      payment('pay-safe'),
      payment('pay-risky', {
        merchantId: 'm-giftcards',
        cardCountry: 'US',
        amountCents: 150_000,
        channel: 'online',
      }),
    ]);
    // Assess
    expect(result.outputs[lake]?.map((r) => r.value)).toEqual([
      expect.objectContaining({
        paymentId: 'pay-safe',
        merchant: { merchantId: 'm-grocer', name: 'Corner Grocer', country: 'GB', riskLevel: 'low' },
        risk: { score: 0, reasons: ['merchant risk low'] },
      }),
      expect.objectContaining({
        paymentId: 'pay-risky',
        risk: {
          score: 95,
          reasons: ['merchant risk high', 'amount ≥ 1,000', 'card not present', 'card abroad'],
        },
      }),
    ]);
    expect(result.outputs['payments.alerts']?.map((r) => r.key)).toEqual(['pay-risky']);
  });

  it('scores a payment at an unknown merchant (left join: merchant null) instead of dropping it', async () => {
    // Prepare
    const driver = testFlow(flow, { tables: { merchants } });
    // Act
    const result = await driver.send([payment('pay-1', { merchantId: 'm-nobody', channel: 'online' })]);
    // Assess
    expect(result.outputs[lake]?.[0]?.value).toMatchObject({
      merchant: null,
      risk: { score: 40, reasons: ['unknown merchant', 'card not present'] },
    });
    expect(result.deadLetters).toEqual([]);
  });

  it('filters out test payments and zero-amount authorisations without dead-lettering them', async () => {
    // Prepare
    const driver = testFlow(flow, { tables: { merchants } });
    // Act
    const result = await driver.send([
      payment('pay-test', { test: true }),
      payment('pay-zero', { amountCents: 0 }),
      payment('pay-real'),
    ]);
    // Assess
    expect(result.filtered.map((r) => r.key)).toEqual(['pay-test', 'pay-zero']);
    expect(result.outputs[lake]?.map((r) => r.key)).toEqual(['pay-real']);
    expect(result.deadLetters).toEqual([]);
  });

  it('dead-letters a payment that fails the schema at validate, naming the field, and scores the rest', async () => {
    // Prepare
    const driver = testFlow(flow, { tables: { merchants } });
    // Act
    const result = await driver.send([payment('pay-bad', { amountCents: -5 }), payment('pay-good')]);
    // Assess
    expect(result.deadLetters).toEqual([
      expect.objectContaining({ key: 'pay-bad', stage: 'validate', errorClass: 'ValidationError' }),
    ]);
    expect(result.deadLetters[0]?.reason).toContain('amountCents');
    expect(result.outputs[lake]?.map((r) => r.key)).toEqual(['pay-good']);
  });

  it('handles the sample Lambda event: 1 alert, 4 payments in the lake, 2 filtered, 2 dead letters (validate, decode)', async () => {
    // Prepare
    const driver = testFlow(flow, { tables: { merchants } });
    // Act
    const result = await driver.sendEvent(readFileSync(example('events/invoke/score-payments.json'), 'utf8'));
    // Assess
    expect(result.outputs['payments.alerts']?.map((r) => r.key)).toEqual(['pay-2']);
    expect(result.outputs[lake]?.map((r) => r.key).sort()).toEqual(['pay-1', 'pay-2', 'pay-3', 'pay-6']);
    expect(result.filtered.map((r) => r.key).sort()).toEqual(['pay-4', 'pay-5']);
    expect(result.deadLetters.map((d) => `${d.key} ${d.stage}`).sort()).toEqual([
      'pay-7 validate',
      'pay-8 decode',
    ]);
  });

  it('is a valid topology on its own: one flow, its table and topics declared, the lake bucket', () => {
    // Assess
    expect(topology.flows.map((f) => f.name)).toEqual(['score-payments']);
    expect(flow.readsTables.map((t) => t.name)).toEqual(['merchants']);
    expect(topology.bucket?.name).toBe('sluice-fraud-lake');
  });
});
