// Typed records end to end. The type checks here are made by `tsc --noEmit` (part of `npm test`): every
// `@ts-expect-error` line must be an error, so a typing that lets a misspelt field through fails tsc ("unused
// '@ts-expect-error' directive"), and every `expectTypeOf` must hold. The runtime tests hold the builder to the
// flow `defineFlow({ steps, outputs })` makes.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineBucket,
  defineFlow,
  defineIndex,
  defineTables,
  defineTopics,
  enrich,
  type Flow,
  filter,
  map,
  predicate,
  route,
  type Step,
  toOpenSearch,
  toS3,
  toTable,
  toTopic,
  typed,
  validate,
  where,
  z,
} from '../../../shared/index.ts';
import { testFlow } from '../../../shared/testing/index.ts';

// Prepare: a fixture topology of payments, checked by a schema, joined with accounts, scored and routed.
const payment = z.object({
  paymentId: z.string(),
  accountId: z.string(),
  amountCents: z.int(),
  country: z.string(),
  paidAt: z.string(),
});
type Payment = z.output<typeof payment>;

interface Account {
  readonly accountId: string;
  readonly risk: 'low' | 'high';
  readonly opened: string;
  readonly owner: { readonly name: string; readonly country: string };
}

type Scored = Payment & { readonly account: Pick<Account, 'accountId' | 'risk' | 'owner'> | null } & {
  readonly score: number;
};

const topics = defineTopics({
  payments: { name: 'payments.raw', format: 'json', partitions: 1 },
  flagged: typed<Scored>({ name: 'payments.flagged', format: 'json', partitions: 1, internal: true }),
  cleared: typed<Scored>({ name: 'payments.cleared', format: 'json', partitions: 1, internal: true }),
  other: typed<{ readonly somethingElse: string }>({ name: 'other', format: 'json', partitions: 1 }),
  audit: { name: 'payments.audit', format: 'json', partitions: 1, internal: true },
  deadLetters: { name: 'payments.dlq', format: 'bytes', partitions: 1 },
});
const tables = defineTables({
  accounts: typed<Account>({ name: 'accounts', partitionKey: 'accountId' }),
  untyped: { name: 'untyped', partitionKey: 'id' },
});
const bucket = defineBucket({ name: 'payments-lake' });
const index = defineIndex({ name: 'payments' });

/** The value type a flow's outputs receive. */
type OutOf<F> = F extends Flow<unknown, infer Out> ? Out : never;

const head = {
  name: 'score-payments',
  source: { topic: topics.payments },
  deadLetter: toTopic(topics.deadLetters),
};

const scored = defineFlow(head)
  .step(validate(payment))
  .step(
    enrich({
      table: tables.accounts,
      key: 'accountId',
      as: 'account',
      attributes: ['accountId', 'risk', 'owner'],
    }),
  )
  .step(filter(where({ 'account.owner.country': { exists: true } })))
  .step(map((p) => ({ ...p, score: p.account?.risk === 'high' ? p.amountCents / 100 : 0 })))
  .step(
    route({
      to: [topics.flagged, topics.cleared],
      select: (p) =>
        p.score > 10 && p.account?.owner.country !== p.country ? topics.flagged : topics.cleared,
    }),
  )
  .to(
    toTopic(topics.flagged),
    toTopic(topics.cleared),
    toOpenSearch({ index, id: (record) => record.value.paymentId, when: where({ score: { gt: 0 } }) }),
    toS3({ bucket, prefix: 'payments', timeField: 'paidAt' }),
  );

describe('a flow written with the builder', () => {
  it('carries the record type from the schema through enrich, map and route to its outputs', () => {
    // Assess
    type Out = OutOf<typeof scored>;
    expectTypeOf<Out>().toExtend<Scored>();
    expectTypeOf<Out['paymentId']>().toEqualTypeOf<string>();
    expectTypeOf<Out['account']>().toEqualTypeOf<Readonly<
      Pick<Account, 'accountId' | 'risk' | 'owner'>
    > | null>();
    expectTypeOf<Out['score']>().toEqualTypeOf<number>();
    const asRuntimeFlow: Flow = scored;
    expect(asRuntimeFlow.steps.map((s) => s.kind)).toEqual(['validate', 'enrich', 'filter', 'map', 'route']);
  });

  it('types each callback with what the step before gives', () => {
    // Prepare: a flow whose callbacks assert the type they are called with.
    defineFlow({ ...head, source: { topic: topics.flagged } })
      .step(
        map((p, record) => {
          // Assess
          expectTypeOf(p).toEqualTypeOf<Scored>();
          expectTypeOf(record.value).toEqualTypeOf<Scored | null>();
          return p;
        }),
      )
      .step(
        enrich({
          table: tables.untyped,
          key: (p) => p.account?.owner.name,
          as: 'extra',
          join: 'inner',
          attributes: ['x', 'y'],
        }),
      )
      .to(
        toOpenSearch({
          index,
          id: (record) => {
            // Assess: an inner join never leaves the field null; an untyped table's attributes are unknown.
            expectTypeOf(record.value.extra).toEqualTypeOf<Readonly<{ x: unknown; y: unknown }>>();
            return record.value.paymentId;
          },
        }),
      );
  });

  it('makes a misspelt field a compile error, wherever it is written', () => {
    const validated = defineFlow(head).step(validate(payment));
    // @ts-expect-error enrich key: a field of the value
    validated.step(enrich({ table: tables.accounts, key: 'acountId', as: 'account' }));
    // @ts-expect-error enrich key function: reads the value's type
    validated.step(enrich({ table: tables.accounts, key: (p) => p.acountId, as: 'account' }));
    // @ts-expect-error enrich attributes: fields of the table's item type
    validated.step(enrich({ table: tables.accounts, key: 'accountId', as: 'account', attributes: ['risc'] }));
    // @ts-expect-error filter: where paths are fields of the value
    validated.step(filter(where({ amountcents: { gt: 0 } })));
    // @ts-expect-error map: reads the value's type
    validated.step(map((p) => p.amount));
    // @ts-expect-error predicate: reads the record's value type
    validated.step(filter(predicate('big', (record) => record.value?.amount === 1)));
    // @ts-expect-error route: select reads the value's type
    validated.step(route({ to: [topics.flagged], select: (p) => (p.countri ? topics.flagged : null) }));

    const enriched = validated.step(enrich({ table: tables.accounts, key: 'accountId', as: 'account' }));
    // @ts-expect-error a path through the field enrich added
    enriched.step(filter(where({ 'account.riks': 'high' })));
    // @ts-expect-error a field the flow does not have yet (the score comes later)
    enriched.to(toTopic(topics.cleared, { when: where({ score: { gt: 1 } }) }));
    // @ts-expect-error toOpenSearch id: reads the value's type
    enriched.to(toOpenSearch({ index, id: (record) => record.value.paymentid }));
    // @ts-expect-error toS3 timeField: a field of the value
    enriched.to(toS3({ bucket, timeField: 'paidat' }));
    const key = { partition: 'id' };
    // @ts-expect-error toTable item: reads the value's type
    enriched.to(toTable('payments', { key, item: (record) => ({ id: record.value.paymentid }) }));
  });

  it('refuses a step written for another record type', () => {
    // Prepare
    const onlyRisky: Step<Account, Account> = filter(where({ risk: 'high' }));
    const validated = defineFlow(head).step(validate(payment));
    // @ts-expect-error the step reads accounts; the flow carries payments
    validated.step(onlyRisky);
  });

  it('refuses an output topic whose declared type the records do not fit', () => {
    const validated = defineFlow(head).step(validate(payment));
    // @ts-expect-error payments.flagged carries scored payments: these have no account and no score yet
    validated.to(toTopic(topics.flagged));
    const fromOther = defineFlow({ ...head, source: { topic: topics.other } });
    // @ts-expect-error a typed source: its records have no paymentId
    fromOther.to(toOpenSearch({ index, id: (r) => r.value.paymentId }));
  });

  it('is the flow defineFlow({ steps, outputs }) makes: types only, the same data at run time', () => {
    // Prepare
    const checked = validate(payment);
    const joined = enrich({ table: tables.accounts, key: 'accountId', as: 'account' });
    const steps = [checked, joined];
    const outputs = [toTopic(topics.audit)];
    // Act
    const built = defineFlow(head)
      .step(checked)
      .step(joined)
      .to(...outputs);
    const whole = defineFlow({ ...head, steps, outputs });
    // Assess
    expect(built).toEqual(whole);
    expect(built.steps).toEqual(steps);
    expect(built.outputs).toEqual(outputs);
  });

  it('validates the whole flow when its outputs are added, naming the path of what is wrong', () => {
    // Act
    const noOutputs = () => defineFlow(head).step(validate(payment)).to();
    const badBatch = () =>
      defineFlow({ ...head, source: { topic: topics.payments, batchSize: 0 } }).to(toTopic(topics.audit));
    // Assess
    expect(noOutputs).toThrow(/flows\.score-payments\.outputs/);
    expect(badBatch).toThrow(/flows\.score-payments\.source\.batchSize/);
  });

  it('gives the flow test kit the type its outputs receive', async () => {
    // Prepare
    const driver = testFlow(scored, {
      tables: {
        accounts: [{ accountId: 'a-1', risk: 'high', opened: '2020', owner: { name: 'A', country: 'FR' } }],
      },
    });
    // Act
    const result = await driver.send([
      {
        key: 'p-1',
        value: { paymentId: 'p-1', accountId: 'a-1', amountCents: 5000, country: 'DE', paidAt: '2026-01-01' },
      },
    ]);
    // Assess
    const flagged = result.outputs['payments.flagged'] ?? [];
    expectTypeOf(flagged[0]?.value).toEqualTypeOf<OutOf<typeof scored> | null | undefined>();
    expect(flagged.map((r) => r.value?.score)).toEqual([50]);
    expect(result.outputs['payments.cleared']).toEqual([]);
  });
});
