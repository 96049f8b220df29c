import { readFileSync } from 'node:fs';
import pg from 'pg';
import { MartFlowUser, martTablesWithDdl, provisionMart } from '../../shared/outputs/postgres-provision.ts';
import type { Topology } from '../../shared/topology/topology.ts';
import type { SampleRecord } from '../samples/generate.ts';
import type { LocalState } from '../services/state.ts';

const withClient = async <T>(state: LocalState, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const url = state.postgres?.endpoint;
  if (!url) throw new Error('postgres is not running: start it with npm run servers -- up postgres');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/**
 * Creates each table a flow writes from its DDL, `<sqlDir>/<table>.sql` (idempotent: `CREATE … IF NOT
 * EXISTS`), as a database migration would before the flows deploy, and the flows' own user with rights on those
 * tables' rows only (the same provisioning the data stack runs on AWS). A table without a file must exist already.
 */
export const provisionPostgres = async (
  topology: Topology,
  state: LocalState,
  sqlDir: string,
): Promise<string[]> => {
  const tables = martTablesWithDdl(topology, sqlDir);
  if (tables.length === 0) return [];
  return withClient(state, (client) => provisionMart(client, { tables }));
};

/**
 * The URL local flows sign in with: the server's, as the flows' user (trust authentication, no password) on the
 * administrator's database, so a grant the flows lack fails locally as it would on AWS.
 */
export const flowUserUrl = (adminUrl: string, user = MartFlowUser): string => {
  const url = new URL(adminUrl);
  const database = url.pathname.length > 1 ? url.pathname.slice(1) : decodeURIComponent(url.username);
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
};

interface SampleReview {
  readonly reviewId: string;
  readonly customerId: string;
  readonly productId: string;
  readonly rating: number;
}

/** What a review's row must hold: its own fields, its product's category and its customer's tier (or null). */
export interface ExpectedFact {
  readonly review_id: string;
  readonly customer_id: string;
  readonly product_id: string;
  readonly rating: number;
  readonly customer_tier: string | null;
  readonly product_category: string;
}

/**
 * The rows the reviews mart must hold for the first `count` enriched sample reviews (by id), from the samples:
 * the review, the products seed, and each customer's tier after the change stream.
 */
export const expectedFacts = (
  reviews: readonly SampleRecord[],
  enrichedIds: ReadonlySet<string>,
  customerTiers: ReadonlyMap<string, string | undefined>,
  productsSeed: string,
  count = 5,
): ExpectedFact[] => {
  const categories = new Map(
    (JSON.parse(readFileSync(productsSeed, 'utf8')) as { productId: string; category: string }[]).map((p) => [
      p.productId,
      p.category,
    ]),
  );
  const wanted = [...enrichedIds].sort().slice(0, count);
  const byId = new Map(
    reviews.flatMap((r) => {
      const value = r.value as SampleReview | null;
      return value && typeof value.reviewId === 'string' ? [[value.reviewId, value] as const] : [];
    }),
  );
  return wanted.map((id) => {
    const review = byId.get(id) as SampleReview;
    return {
      review_id: id,
      customer_id: review.customerId,
      product_id: review.productId,
      rating: review.rating,
      customer_tier: customerTiers.get(review.customerId) ?? null,
      product_category: categories.get(review.productId) ?? '?',
    };
  });
};

/** The mart's rows for these review ids (the table outlives runs: only the sample's ids are counted). */
export const martRows = async (
  state: LocalState,
  ids: ReadonlySet<string>,
): Promise<{ count: number; rows: Map<string, ExpectedFact> }> =>
  withClient(state, async (client) => {
    const { rows } = await client.query<ExpectedFact>(
      'SELECT review_id, customer_id, product_id, rating, customer_tier, product_category FROM review_facts WHERE review_id = ANY($1)',
      [[...ids]],
    );
    return { count: rows.length, rows: new Map(rows.map((r) => [r.review_id, r])) };
  });

/** How many of the expected rows the mart holds exactly (every column compared). */
export const matchingFacts = (
  expected: readonly ExpectedFact[],
  rows: ReadonlyMap<string, ExpectedFact>,
): number =>
  expected.filter((want) => {
    const got = rows.get(want.review_id);
    return got !== undefined && JSON.stringify({ ...got }) === JSON.stringify({ ...want });
  }).length;
