/**
 * Writes the reference topology's sample data into events/: deterministic (seeded), so the files are reviewable
 * and the expected outcome is known by construction. Run: node --import tsx local/samples/generate.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildEvent, type FetchedRecord } from '../esm/event.ts';
import { projectRoot } from '../services/paths.ts';

/** One record for a topic: what `npm run produce` and the runner publish. */
export interface SampleRecord {
  readonly key: string | null;
  /** JSON value; null is a tombstone. Absent when `text` or `base64` carries the value. */
  readonly value?: unknown;
  /** A value that is not JSON, as UTF-8 text. */
  readonly text?: string;
  /** A value given as its exact bytes, sent as they are (not encoded for the topic's format). */
  readonly base64?: string;
  readonly headers?: Readonly<Record<string, string | { base64: string }>>;
  readonly timestamp?: number;
  /** Why this record is in the sample, for records meant to be rejected. */
  readonly expect?: string;
  /**
   * When `npm start` publishes it: records of a later wave once every flow has drained the earlier ones, as time
   * passing would have them arrive (a later hour's reviews, then a late one), so which windows a record finds
   * open does not depend on how the flows' batches interleave. Absent: 0.
   */
  readonly wave?: number;
}

const mulberry32 = (seed: number) => {
  let state = seed;
  return () => {
    state += 0x6d2b79f5;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
const random = mulberry32(20261125);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const pad = (n: number, width = 4) => String(n).padStart(width, '0');

const countries = [
  ['GB', 'United Kingdom', '020 7946 01', '+44'],
  ['DE', 'Germany', '030 901820', '+49'],
  ['FR', 'France', '01 42 68 53', '+33'],
  ['US', 'United States', '(212) 555-01', '+1'],
  ['ES', 'Spain', '912 345 6', '+34'],
] as const;
const countrySpellings = (c: (typeof countries)[number]) => [
  c[0],
  c[0].toLowerCase(),
  c[1],
  c[1].toUpperCase(),
];
const tiers = ['gold', 'silver', 'bronze'] as const;
const words = [
  'blender',
  'sturdy',
  'loud',
  'quiet',
  'broke',
  'great',
  'value',
  'returned',
  'gift',
  'works',
  'leaks',
  'fast',
];
const base = Date.UTC(2026, 10, 20, 8, 0, 0);

export const CUSTOMERS = 200;
export const PRODUCTS = 50;
export const REVIEWS = 2000;

const customers = Array.from({ length: CUSTOMERS }, (_, i) => {
  const country = countries[i % countries.length] ?? countries[0];
  return {
    customerId: `c-${pad(i)}`,
    name: `Customer ${i}`,
    tier: tiers[i % 3],
    country: country[0],
    email: `customer${i}@example.com`,
    since: new Date(base - (i + 1) * 86_400_000).toISOString().slice(0, 10),
  };
});

/**
 * customers.cdc: the customers table of a Postgres database as Debezium's Postgres connector writes it (JSON
 * converter, schemas off): an initial snapshot (`op: "r"`), tier upgrades (`"u"`, with `before`), deletes (`"d"`,
 * each followed by the Kafka tombstone Debezium writes for compaction; half with `before`, half with `before:
 * null`, as under REPLICA IDENTITY NOTHING, keyed by the record key), then what a connector restarted before
 * committing its offsets sends again: five upgrades and the snapshot row of the deleted c-0195, older than the
 * delete the table already holds. Keys are Debezium's: the primary key as JSON. `source.lsn` orders the changes.
 */
type Customer = (typeof customers)[number];
let lsn = 23_000_000;
const debezium = (op: 'r' | 'u' | 'd', before: Customer | null, after: Customer | null, ms: number) => {
  lsn += 136;
  return {
    before,
    after,
    source: {
      version: '3.1.2.Final',
      connector: 'postgresql',
      name: 'shop',
      ts_ms: ms - 40,
      snapshot: op === 'r' ? 'true' : 'false',
      db: 'shop',
      schema: 'public',
      table: 'customers',
      txId: 780 + Math.floor(lsn / 100_000),
      lsn,
    },
    op,
    ts_ms: ms,
  };
};
const changeKey = (c: Customer) => JSON.stringify({ customerId: c.customerId });
// In history order: lsn grows with each change made.
const snapshot = customers.map((c, i) => ({
  key: changeKey(c),
  value: debezium('r', null, c, base + i),
  timestamp: base + i,
}));
const upgrades = customers.slice(0, 20).map((c, i) => {
  const after = { ...c, tier: 'gold' as const };
  return {
    key: changeKey(c),
    value: debezium('u', c, after, base + 10_000 + i),
    timestamp: base + 10_000 + i,
  };
});
const deletes = customers.slice(190).flatMap((c, i) => [
  {
    key: changeKey(c),
    value: debezium('d', i % 2 ? null : c, null, base + 20_000 + i),
    timestamp: base + 20_000 + i,
  },
  { key: changeKey(c), value: null, timestamp: base + 20_000 + i },
]);
const customerChanges: SampleRecord[] = [
  ...snapshot,
  ...upgrades,
  ...deletes,
  // Sent again after a restart: the table refuses them as not newer than what it holds (c-0195 stays deleted).
  ...upgrades.slice(1, 6).map((u, i) => ({ ...u, timestamp: base + 30_000 + i })),
  { ...snapshot[195], timestamp: base + 30_005 } as SampleRecord,
];

const products = Array.from({ length: PRODUCTS }, (_, i) => ({
  productId: `p-${pad(i, 3)}`,
  name: `${pick(['Kitchen', 'Garden', 'Travel', 'Office'])} ${pick(['Blender', 'Kettle', 'Lamp', 'Chair', 'Bag'])} ${i}`,
  category: pick(['kitchen', 'garden', 'travel', 'office']),
  priceCents: 999 + i * 250,
}));

const timestampStyles = [
  (ms: number) => Math.floor(ms / 1000),
  (ms: number) => ms,
  (ms: number) => new Date(ms).toISOString(),
  (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00'),
  (ms: number) => new Date(ms).toUTCString(),
];

/**
 * A valid review that draws nothing from the seeded generator, for samples added later: the ordinary reviews
 * stay exactly what they were.
 */
const fixedReview = (i: number) => {
  const customer = customers[i % CUSTOMERS] as (typeof customers)[number];
  const country = countries.find((c) => c[0] === customer.country) ?? countries[0];
  return {
    reviewId: `r-${pad(i, 5)}`,
    customerId: customer.customerId,
    productId: products[i % PRODUCTS]?.productId,
    rating: 4,
    title: 'does the job',
    text: 'does the job, arrived on time',
    source: 'site',
    country: country[0],
    email: customer.email,
    phone: `${country[2]}42`,
    createdAt: new Date(base + 3_600_000 + i * 1_000).toISOString(),
  };
};

/** Where ordinary review `i` sits in time: one a second from 09:00 (2,000 reviews: until 09:33:19). */
const reviewTime = (i: number) => base + 3_600_000 + i * 1_000;

const review = (i: number) => {
  const customer = customers[Math.floor(random() * CUSTOMERS)] as (typeof customers)[number];
  const country = countries.find((c) => c[0] === customer.country) ?? countries[0];
  const at = reviewTime(i);
  return {
    reviewId: `r-${pad(i, 5)}`,
    customerId: customer.customerId,
    productId: products[Math.floor(random() * PRODUCTS)]?.productId,
    rating: 1 + Math.floor(random() * 5),
    title: `${pick(words)} ${pick(words)}`,
    text: Array.from({ length: 12 + Math.floor(random() * 30) }, () => pick(words)).join(' '),
    source: pick(['site', 'app']),
    country: pick(countrySpellings(country)),
    email: `  ${customer.email.toUpperCase()} `,
    phone: `${country[2]}${pad(Math.floor(random() * 100), 2)}`,
    createdAt: pick(timestampStyles)(at),
  };
};

/** Bad records of every kind the runtime handles, each with the reason it must end in the dead-letter topic. */
const badReviews = (): SampleRecord[] => [
  { key: 'bad-json', text: '{"reviewId": "r-bad", "rating": ', expect: 'decode: value is not JSON' },
  {
    key: 'bad-shape',
    value: { reviewId: 'r-bad-shape', rating: 'five stars' },
    expect: 'validate: wrong shape',
  },
  { key: 'bad-rating', value: { ...review(90_001), rating: 9 }, expect: 'validate: rating out of range' },
  {
    key: 'bad-empty-customer',
    value: { ...review(90_002), customerId: '' },
    expect: 'validate: empty lookup key',
  },
  {
    key: 'bad-numeric-customer',
    value: { ...review(90_003), customerId: 42 },
    expect: 'validate: lookup key not a string',
  },
  {
    key: 'bad-country',
    value: { ...review(90_004), country: 'Atlantis' },
    expect: 'step: country not recognised',
  },
  {
    key: 'bad-timestamp',
    value: { ...review(90_005), createdAt: 'yesterday-ish' },
    expect: 'step: timestamp not recognised',
  },
  { key: 'bad-tombstone', value: null, expect: 'validate: tombstone in an event stream' },
  {
    key: 'bad-product',
    value: { ...review(90_006), productId: 'p-999' },
    expect: 'enrich: product missing (inner join)',
  },
  {
    // Longer than RFC 5321 allows: refused before any pattern runs (a backtracking check took seconds on these).
    key: 'bad-long-email',
    value: { ...fixedReview(90_007), email: `${'a'.repeat(300)}@example.com` },
    expect: 'step: email longer than 254 characters',
  },
  {
    // JSON.parse would round it silently; written as text, since a JS number cannot hold it.
    key: 'bad-big-integer',
    text: JSON.stringify(fixedReview(90_008)).replace(/}$/, ',"legacyId":12345678901234567890}'),
    expect: 'decode: integer beyond 2^53',
  },
  { key: 'bad-json-null', text: 'null', expect: 'validate: the JSON value null (not a tombstone)' },
];

/** Records that look odd but are valid and must come through. */
const oddButValid = (): SampleRecord[] => [
  { key: null, value: review(90_100) },
  {
    key: 'binary-header',
    value: review(90_101),
    headers: { trace: { base64: Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('base64') } },
  },
  { key: 'unknown-customer', value: { ...review(90_102), customerId: 'c-9999' } },
  { key: 'deleted-customer', value: { ...review(90_103), customerId: 'c-0195' } },
  { key: 'long-review', value: { ...review(90_104), text: 'works '.repeat(8_000) } },
  {
    // Lineage headers from an outside producer: ignored on an ingress topic, the record's path starts here.
    key: 'forged-lineage',
    value: fixedReview(90_105),
    headers: { 'sluice.path': 'reviews.raw/9>reviews.clean/9', 'sluice.origin.offset': '999999999' },
  },
];

const reviews: SampleRecord[] = [];
const bad = badReviews();
// Each odd review takes the time of its place among the ordinary ones (it follows review 150 + 200 k), so event
// time only grows along a partition and no window closes before the next hour's reviews (product-ratings).
const odd = oddButValid().map((r, k) => {
  const value = r.value as { createdAt: string };
  return { ...r, value: { ...value, createdAt: new Date(reviewTime(150 + 200 * k) + 500).toISOString() } };
});
for (let i = 0; i < REVIEWS; i++) {
  const r = review(i);
  reviews.push({ key: r.reviewId, value: r, headers: { 'source-system': r.source } });
  const nextBad = i % 200 === 100 ? bad.shift() : undefined;
  if (nextBad) reviews.push(nextBad);
  const nextOdd = i % 200 === 150 ? odd.shift() : undefined;
  if (nextOdd) reviews.push(nextOdd);
}
reviews.push(...bad, ...odd);

const DAY = 86_400_000;
const currencyOf: Readonly<Record<string, string>> = {
  GB: 'GBP',
  DE: 'EUR',
  FR: 'EUR',
  ES: 'EUR',
  US: 'USD',
};

/**
 * orders: what the shop's order service wrote in Avro through the Glue registry (functions/schemas/orders.ts),
 * each value as the JSON of its Avro record (`npm start` and `npm run produce` encode it). Drawn from a seed of
 * their own, so the reviews stay what they were. Every 8th ordinary review follows an order of its customer that
 * has its product among the lines, placed 1–29 days before the review, except every 5th of those: 31–40 days
 * before (outside a 30-day window) or an hour after the review. 50 more orders come from random customers.
 */
const orderRandom = mulberry32(20261201);
const orderPick = <T>(items: readonly T[]): T => items[Math.floor(orderRandom() * items.length)] as T;
const order = (n: number, customer: Customer, productIds: readonly string[], orderTime: number) => {
  const lines = productIds.map((productId) => ({
    productId,
    quantity: 1 + Math.floor(orderRandom() * 3),
    unitPriceCents: products.find((p) => p.productId === productId)?.priceCents ?? 0,
  }));
  const age = base - orderTime;
  return {
    orderId: `o-${pad(n, 5)}`,
    customerId: customer.customerId,
    orderTime,
    status: age > 10 * DAY ? 'DELIVERED' : age > 3 * DAY ? 'SHIPPED' : age > 0 ? 'PAID' : 'PLACED',
    currency: currencyOf[customer.country] ?? 'EUR',
    lines,
    totalCents: lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0),
    couponCode: orderRandom() < 0.15 ? orderPick(['WELCOME10', 'WINTER26', 'LOYAL5']) : null,
  };
};
const orders: SampleRecord[] = [];
for (const r of reviews) {
  const id = /^r-(\d{5})$/.exec(r.key ?? '')?.[1];
  const i = Number(id);
  if (id === undefined || i >= REVIEWS || i % 8 !== 0) continue;
  const { customerId, productId } = r.value as { customerId: string; productId: string };
  const customer = customers.find((c) => c.customerId === customerId) as Customer;
  const n = orders.length;
  const before =
    n % 5 !== 4 ? (1 + orderRandom() * 28) * DAY : n % 10 === 4 ? (31 + orderRandom() * 9) * DAY : -3_600_000;
  const others = orderRandom() < 0.3 ? [orderPick(products).productId] : [];
  const o = order(
    n,
    customer,
    [productId, ...others.filter((p) => p !== productId)],
    Math.round(reviewTime(i) - before),
  );
  orders.push({ key: o.orderId, value: o, timestamp: o.orderTime });
}
for (let k = 0; k < 50; k++) {
  const o = order(
    orders.length,
    orderPick(customers),
    [orderPick(products).productId],
    Math.round(base - orderRandom() * 30 * DAY),
  );
  orders.push({ key: o.orderId, value: o, timestamp: o.orderTime });
}
// What the order service cannot have meant: each dead-lettered at decode, with the reason AWS names.
const firstOrder = orders[0]?.value;
orders.splice(
  100,
  0,
  {
    key: 'bad-not-framed',
    text: JSON.stringify(firstOrder),
    expect: 'decode: DESERIALIZATION_ERROR (JSON, not Glue framing)',
  },
  {
    key: 'bad-unknown-schema',
    // Glue framing (version 3, no compression) naming a schema version the registry does not hold.
    base64: Buffer.concat([
      Buffer.from([3, 0]),
      Buffer.from('0badc0de0badc0de0badc0de0badc0de', 'hex'),
      Buffer.from('0a6f2d3939393939', 'hex'),
    ]).toString('base64'),
    expect: 'decode: SCHEMA_NOT_FOUND',
  },
);
/**
 * Wave 1, the next hour: one review of every product at 10:30, which moves stream time on every partition of
 * reviews.by-product past 10:00 + 10 min grace, so product-ratings closes and emits every product's 09:00 hour
 * (the 10:00 hour stays open, in the table only). Wave 2: a review written at 09:45 that arrives after that, late.
 * Drawn from nothing random, so the reviews above stay exactly what they were.
 */
const NEXT_HOUR = 10_000;
for (let k = 0; k < PRODUCTS; k++) {
  const value = {
    ...fixedReview(NEXT_HOUR + k),
    rating: 1 + (k % 5),
    createdAt: new Date(base + 9_000_000 + k * 1_000).toISOString(),
  };
  reviews.push({ key: value.reviewId, value, headers: { 'source-system': 'site' }, wave: 1 });
}
{
  const value = { ...fixedReview(NEXT_HOUR + PRODUCTS), createdAt: new Date(base + 6_300_000).toISOString() };
  reviews.push({
    key: value.reviewId,
    value,
    headers: { 'source-system': 'site' },
    wave: 2,
    expect:
      'late: written at 09:45, it arrives after stream time reached 10:30, past 10:00 + 10 min grace (product-ratings only)',
  });
}

/** Records as the mapping would fetch them from one partition, for the `invoke` payload files. */
const fetchedFrom = (topic: string, records: readonly SampleRecord[], firstOffset = 0): FetchedRecord[] =>
  records.map((r, i) => ({
    topic,
    partition: 0,
    offset: firstOffset + i,
    timestamp: r.timestamp ?? base + 3_600_000 + i * 1000,
    key: r.key === null ? null : Buffer.from(r.key),
    value:
      r.text !== undefined
        ? Buffer.from(r.text)
        : r.base64 !== undefined
          ? Buffer.from(r.base64, 'base64')
          : r.value === null || r.value === undefined
            ? null
            : Buffer.from(JSON.stringify(r.value)),
    headers: Object.entries(r.headers ?? {}).map(([key, v]) => ({
      key,
      value: typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.base64, 'base64'),
    })),
    payloadBytes: 0,
  }));

const msk = {
  clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/sluice/a1b2c3d4-5678-90ab-cdef-111111111111-1',
  bootstrapServers:
    'b-1.sluice.abcd12.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.sluice.abcd12.c2.kafka.eu-west-1.amazonaws.com:9098',
};

/** A cleansed review as cleanse-reviews writes it to reviews.clean. */
const cleanReview = (i: number, customerId: string, productId: string, rating: number) => ({
  reviewId: `r-inv-${i}`,
  customerId,
  productId,
  rating,
  title: 'stopped working',
  text: 'broke after a week, returned it',
  source: 'app',
  country: 'GB',
  email: 'customer0@example.com',
  phone: '********0153',
  createdAt: '2026-11-20T09:00:00.000Z',
});

/** Lambda event-source payloads for `npm run invoke -- <flow> events/invoke/<flow>.json`. */
const invokeEvents = (): Record<string, unknown> => {
  const rawSample = [
    { key: 'r-inv-1', value: review(90_201), headers: { 'source-system': 'app' } },
    { key: 'r-inv-2', value: { ...review(90_202), rating: 1 } },
    { key: 'bad-json', text: '{"reviewId": ', expect: 'decode: value is not JSON' },
    {
      key: 'bad-country',
      value: { ...review(90_203), country: 'Atlantis' },
      expect: 'step: country not recognised',
    },
    { key: 'bad-tombstone', value: null, expect: 'validate: tombstone in an event stream' },
  ];
  // Tier-2 and tier-3 records carry the lineage headers the upstream flow wrote (shared/outputs/lineage.ts).
  const lineage = (flow: string, topic: string, offset: number, path: string, origin: number) => ({
    'sluice.source.topic': topic,
    'sluice.source.partition': '0',
    'sluice.source.offset': String(offset),
    'sluice.flow': flow,
    'sluice.path': path,
    'sluice.origin.offset': String(origin),
  });
  const clean = [
    { key: 'r-inv-1', value: cleanReview(1, 'c-0000', 'p-001', 1) },
    { key: 'r-inv-2', value: cleanReview(2, 'c-0001', 'p-002', 5) },
    { key: 'r-inv-3', value: cleanReview(3, 'c-9999', 'p-003', 2) },
    {
      key: 'r-inv-4',
      value: cleanReview(4, 'c-0003', 'p-999', 4),
      expect: 'enrich: product missing (inner join)',
    },
  ].map((r, i) => ({
    ...r,
    headers: lineage('cleanse-reviews', 'reviews.raw', 1200 + i, 'reviews.raw/0', 1200 + i),
  }));
  const enriched = clean.slice(0, 3).map((r, i) => ({
    key: r.key,
    value: {
      ...r.value,
      customer: { customerId: r.value.customerId, tier: 'gold' },
      product: { productId: r.value.productId },
    },
    headers: lineage('enrich-reviews', 'reviews.clean', 7000 + i, 'reviews.raw/0>reviews.clean/0', 1200 + i),
  }));
  return {
    'cleanse-reviews.json': buildEvent(msk, fetchedFrom('reviews.raw', rawSample, 1200)),
    'cleanse-reviews.self-managed.json': buildEvent(
      { bootstrapServers: '10.0.1.15:9092' },
      fetchedFrom('reviews.raw', rawSample.slice(0, 2), 40),
    ),
    'customers-table.json': buildEvent(
      msk,
      fetchedFrom('customers.cdc', [...customerChanges.slice(0, 2), ...customerChanges.slice(220, 222)], 300),
    ),
    'enrich-reviews.json': buildEvent(msk, fetchedFrom('reviews.clean', clean, 7000)),
    'lake-sink.json': buildEvent(msk, fetchedFrom('reviews.enriched', enriched, 5000)),
    'search-sink.json': buildEvent(msk, fetchedFrom('reviews.enriched', enriched, 5000)),
  };
};

/** Every file of events/ this generator owns, by path relative to events/, with its exact content. */
let rendered: Map<string, string> | undefined;
export const renderSamples = (): Map<string, string> => {
  // Memoised: the invoke payloads draw from the same seeded sequence, so they are made once per process.
  if (rendered) return rendered;
  const jsonl = (records: readonly SampleRecord[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files = new Map<string, string>([
    ['records/reviews.raw.jsonl', jsonl(reviews)],
    ['records/customers.cdc.jsonl', jsonl(customerChanges)],
    ['records/orders.jsonl', jsonl(orders)],
    ['seeds/products.json', json(products)],
  ]);
  for (const [file, event] of Object.entries(invokeEvents())) files.set(`invoke/${file}`, json(event));
  rendered = files;
  return files;
};

function writeSamples(): void {
  const files = renderSamples();
  for (const [path, content] of files) {
    const target = join(projectRoot, 'events', path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  console.log(
    `events/: ${reviews.length} reviews, ${customerChanges.length} customer changes, ${orders.length} orders, ${products.length} products, ${files.size} files`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) writeSamples();
