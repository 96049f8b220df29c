import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import type { Filter } from '../filter/filter.ts';
import type { ValueRecord } from '../record.ts';
import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import type { HttpAuth } from './http-auth.ts';
import { IdempotencyHeader, RecordKeysHeader } from './http-requests.ts';
import { fn, int, oneOf, parseOptions } from './options.ts';
import { limiterOf, rateLimitSchema } from './rate-limit-option.ts';

/** Headers the output sets itself (or that fetch owns): a declared one would be ambiguous or ignored. */
const ownHeaders = new Set([
  'authorization',
  IdempotencyHeader.toLowerCase(),
  RecordKeysHeader.toLowerCase(),
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
]);
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const secretArn = z
  .string({ error: 'expected a string' })
  .check(z.startsWith('arn:', { error: 'must be a Secrets Manager ARN' }));

const optionsSchema = z.strictObject({
  /**
   * The endpoint: an absolute http or https URL. Requests go to it alone (redirects are followed only to the
   * same origin).
   * @example url: 'https://api.example.com/v1/reviews'
   */
  url: z.string({ error: 'expected a URL' }),
  /**
   * The request method.
   * @default 'POST'
   * @example method: 'PUT'
   */
  method: z._default(oneOf(['POST', 'PUT', 'PATCH']), 'POST'),
  /**
   * Headers sent on every request (not credentials: use `auth`).
   * @default none
   * @example headers: { 'x-api-version': '2024-01-01' }
   */
  headers: z._default(z.record(z.string(), z.string({ error: 'expected a string' })), {}),
  /**
   * Credentials from Secrets Manager, read once per execution environment: a bearer token (the secret's text,
   * or JSON `{"token"}`) or basic auth (JSON `{"username", "password"}`). The CDK app grants reading that
   * secret only.
   * @default none
   * @example auth: { type: 'bearer', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-token-AbCdEf' }
   */
  auth: z.optional(
    z.discriminatedUnion(
      'type',
      [
        z.strictObject({ type: z.literal('bearer'), secretArn }),
        z.strictObject({ type: z.literal('basic'), secretArn }),
      ],
      { error: 'type must be bearer or basic' },
    ),
  ),
  /**
   * Send records in batches, as NDJSON (one JSON line per record, `application/x-ndjson`), instead of one JSON
   * request per record. A batch's `Idempotency-Key` is the digest of its records' keys, which it lists in
   * `Sluice-Idempotency-Keys` (so `maxRecords` is capped at 300: the list stays under 8 KB, nginx's default
   * header limit).
   * @default one request per record
   * @example batch: { ndjson: true, maxRecords: 100, maxBytes: 1_048_576 }
   */
  batch: z.optional(
    z.strictObject({
      ndjson: z.literal(true, { error: 'must be true (NDJSON is the batch format)' }),
      /** @default 100 */
      maxRecords: z._default(int(1, 300), 100),
      /** @default 1048576 (1 MiB) */
      maxBytes: z._default(int(1024, 64 * 1024 * 1024), 1024 * 1024),
    }),
  ),
  /**
   * One request's time at most, shortened to what the invocation has left; a timeout is retried like a 5xx.
   * @default 10000
   * @example timeoutMs: 3_000
   */
  timeoutMs: z._default(int(1, 15 * 60_000), 10_000),
  /**
   * Requests in flight at once from one execution environment (all partitions together).
   * @default 4
   * @example concurrency: 16
   */
  concurrency: z._default(int(1, 256), 4),
  /**
   * Requests of one source partition go one after the other, so the endpoint receives them in source order;
   * `false` lets them overlap (up to `concurrency`).
   * @default true
   * @example ordered: false
   */
  ordered: z._default(z.boolean({ error: 'expected true or false' }), true),
  /**
   * How long throttled, failing or timed-out requests are retried before the batch fails (shortened near the
   * deadline).
   * @default 30000
   * @example retryBudgetMs: 10_000
   */
  retryBudgetMs: z._default(int(0), 30_000),
  /**
   * The JSON body for a record.
   * @default its value
   * @example body: (record) => ({ id: record.value.reviewId, rating: record.value.rating })
   */
  body: z.optional(fn<(record: ValueRecord<unknown>) => unknown>()),
  /**
   * The output's name in metrics and dead letters (unique within the flow).
   * @default `http:<host><path>`
   * @example name: 'http:crm'
   */
  name: z.optional(z.string().check(z.minLength(1, { error: 'must not be empty' }))),
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  when: z.optional(z.unknown()),
  /**
   * Slow this output down to a rate (a token bucket per execution environment, shared by all its partitions;
   * Lambda's concurrency multiplies it). A wait that would pass the invocation's deadline fails the batch
   * (retriable) instead.
   * @default none
   * @example rateLimit: { perSecond: 20, per: 'request' }
   */
  rateLimit: z.optional(rateLimitSchema),
});

/**
 * Options of `toHttp`.
 * @typeParam V - the record value type: `body` and `when` read it
 */
export type HttpOutputOptions<V = Loose> = Omit<z.input<typeof optionsSchema>, 'when' | 'body'> & {
  /**
   * Only records matching this filter go to this output (a throwing filter dead-letters the record for it alone).
   * @default every record
   * @example when: where({ rating: { lte: 2 } })
   */
  readonly when?: Filter<V>;
  /**
   * The JSON body for a record (tombstones are not sent).
   * @default its value
   * @example body: (record) => ({ id: record.value.reviewId, rating: record.value.rating })
   */
  readonly body?: (record: ValueRecord<V>) => unknown;
};

export interface HttpResources {
  /** The endpoint's origin: the flow needs network egress to it (the CDK app asks how). */
  readonly endpoint: string;
  /** The auth secret, the only one the flow may read. */
  readonly secretArn?: string;
}

const endpointOf = (url: string, path: string): URL => {
  if (!URL.canParse(url)) throw new ConfigError(`${path}.url`, `not an absolute URL: ${JSON.stringify(url)}`);
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new ConfigError(`${path}.url`, `must be http or https, got ${parsed.protocol}`);
  if (parsed.username || parsed.password)
    throw new ConfigError(`${path}.url`, 'must not carry credentials: use auth (a Secrets Manager secret)');
  return parsed;
};

const headersOf = (headers: Record<string, string>, path: string): Record<string, string> => {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (!headerName.test(name)) throw new ConfigError(`${path}.headers.${name}`, 'not a valid header name');
    if (ownHeaders.has(key))
      throw new ConfigError(
        `${path}.headers.${name}`,
        key === 'authorization'
          ? 'credentials go in auth (a Secrets Manager secret)'
          : 'set by the output itself',
      );
    if (/[\r\n\0]/.test(value))
      throw new ConfigError(`${path}.headers.${name}`, 'must not contain CR, LF or NUL');
    lower[key] = value;
  }
  return lower;
};

/**
 * Send the flow's records to an HTTP endpoint: JSON per record or batched NDJSON, each request with an
 * `Idempotency-Key` from the records' lineage (the same for every copy a replay makes), retried on 429, 5xx and
 * timeouts (honouring `Retry-After`), records the endpoint refuses (another 4xx) dead-lettered with the status
 * and an excerpt of its answer. On AWS the flow needs network egress to the endpoint (see README, Deploy).
 * @typeParam V - the value type of the flow's records, which `body` and `when` read
 * @example toHttp({ url: 'https://api.example.com/v1/reviews', batch: { ndjson: true }, auth: { type: 'bearer', secretArn } })
 */
export const toHttp = <V = Loose>(
  options: HttpOutputOptions<V>,
): DeclaredOutput<'http', HttpResources, V> => {
  const opts = parseOptions(optionsSchema, options, 'toHttp');
  const path = `toHttp(${opts.url})`;
  const url = endpointOf(opts.url, path);
  const headers = headersOf(opts.headers, path);
  const name = opts.name ?? `http:${url.host}${url.pathname}`;
  const auth = opts.auth as HttpAuth | undefined;
  return {
    kind: 'http',
    name,
    ...whenOf(opts.when),
    resources: { endpoint: url.origin, ...(auth ? { secretArn: auth.secretArn } : {}) },
    create: () =>
      lazyOutput(name, async () => {
        const [{ createHttpWriter }, { httpCredentials }, { readSecret }] = await Promise.all([
          import('./http-writer.ts'),
          import('./http-auth.ts'),
          import('../clients/secrets.ts'),
        ]);
        return createHttpWriter({
          name,
          url,
          method: opts.method,
          headers,
          ...(opts.body ? { body: opts.body as never } : {}),
          ...(opts.batch
            ? { batch: { maxRecords: opts.batch.maxRecords, maxBytes: opts.batch.maxBytes } }
            : {}),
          timeoutMs: opts.timeoutMs,
          concurrency: opts.concurrency,
          ordered: opts.ordered,
          retry: { baseMs: 100, maxDelayMs: 5_000, budgetMs: opts.retryBudgetMs },
          ...limiterOf(opts.rateLimit),
          ...(auth ? { credentials: httpCredentials(auth, (arn) => readSecret(arn)) } : {}),
        });
      }),
  };
};
