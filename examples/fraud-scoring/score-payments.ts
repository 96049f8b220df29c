import {
  defineFlow,
  enrich,
  filter,
  handlerFor,
  map,
  toS3,
  toTopic,
  validate,
  where,
} from '../../shared/index.ts';
import * as z from '../../shared/zod.ts';
import { lake, type Merchant, tables, topics } from './resources.ts';

/** What the payment service publishes; anything else is a dead letter at stage `validate`. */
export const payment = z.object({
  paymentId: z.string().check(z.minLength(1)),
  merchantId: z.string().check(z.minLength(1)),
  cardCountry: z.string().check(z.length(2)),
  amountCents: z.int().check(z.minimum(0)),
  currency: z.string().check(z.length(3)),
  channel: z.enum(['card-present', 'online']),
  test: z._default(z.boolean(), false),
  createdAt: z.string(),
});

/** A payment as validated, with its merchant (null when unknown) and its score: what alerts and the lake get. */
export type ScoredPayment = z.output<typeof payment> & {
  readonly merchant: Pick<Merchant, 'merchantId' | 'name' | 'country' | 'riskLevel'> | null;
  readonly risk: { readonly score: number; readonly reasons: readonly string[] };
};

/** Merchant risk levels, as the risk team keeps them in the merchants table. */
const merchantRisk: Readonly<Record<string, number>> = { low: 0, medium: 20, high: 45 };

/** A payment scoring at least this is an alert. */
export const ALERT_SCORE = 60;

/**
 * The score: additive points with the reason for each, so an analyst reading an alert sees why. Pure: the
 * payment as validated plus the `merchant` item enrich added (null when the merchant is unknown).
 */
export const score = (value: {
  amountCents: number;
  cardCountry: string;
  channel: string;
  merchant: { riskLevel?: string; country?: string } | null;
}) => {
  const reasons: string[] = [];
  let points = 0;
  const add = (n: number, reason: string) => {
    points += n;
    reasons.push(reason);
  };
  if (value.merchant === null) add(30, 'unknown merchant');
  else {
    const level = value.merchant.riskLevel ?? 'medium';
    add(merchantRisk[level] ?? 20, `merchant risk ${level}`);
  }
  if (value.amountCents >= 100_000) add(25, 'amount ≥ 1,000');
  if (value.channel === 'online') add(10, 'card not present');
  if (value.merchant && value.merchant.country !== value.cardCountry) add(15, 'card abroad');
  return { score: Math.min(points, 100), reasons };
};

export const flow = defineFlow({
  name: 'score-payments',
  description: 'Scores card payments against merchant risk; alerts risky ones, keeps all in the lake',
  source: { topic: topics.payments, batchSize: 500, batchingWindowMs: 1000 },
  deadLetter: toTopic(topics.paymentsDeadLetters),
})
  .step(validate(payment, { allowTombstones: false }))
  // Test payments and zero-amount authorisations are not fraud; they are dropped, not dead-lettered.
  .step(filter(where({ test: false, amountCents: { gt: 0 } }), { name: 'real-payments' }))
  .step(
    enrich({
      table: tables.merchants,
      key: (value) => value.merchantId,
      as: 'merchant',
      join: 'left',
      attributes: ['merchantId', 'name', 'country', 'riskLevel'],
    }),
  )
  .step(map((value) => ({ ...value, risk: score(value) }), { name: 'score' }))
  .to(
    toTopic(topics.paymentsAlerts, { when: where({ 'risk.score': { gte: ALERT_SCORE } }) }),
    toS3({ bucket: lake, prefix: 'payments/scored', timeField: 'createdAt' }),
  );

export const handler = handlerFor(flow);
