import { describe, expect, it } from 'vitest';
import { ConfigError, RetriableError } from '../../../shared/errors.ts';
import { toHttp } from '../../../shared/outputs/http.ts';
import { authorizationOf, httpCredentials } from '../../../shared/outputs/http-auth.ts';
import {
  cutRequests,
  planHttp,
  recordKey,
  requestKey,
  splitRequest,
} from '../../../shared/outputs/http-requests.ts';
import { retryAfterMs } from '../../../shared/outputs/http-send.ts';
import { flowRecord, offsets } from './records.ts';

const keyOptions = { flowName: 'reviews-to-crm', outputName: 'http:crm', trustsLineage: true };
const plan = { ...keyOptions, ordered: true };

describe('the HTTP output’s idempotency keys', () => {
  it('are the same for every copy of a source record, whatever offset an upstream replay gave it here', () => {
    // Prepare: one record, and its copy after an upstream replay (a new offset here, the same lineage).
    const lineage = { 'sluice.path': 'reviews.raw/2>reviews.clean/0', 'sluice.origin.offset': '41' };
    const first = flowRecord({ topic: 'reviews.enriched', offset: 7, headers: lineage });
    const copy = flowRecord({ topic: 'reviews.enriched', offset: 912, headers: lineage });
    const other = flowRecord({
      topic: 'reviews.enriched',
      offset: 8,
      headers: { ...lineage, 'sluice.origin.offset': '42' },
    });

    // Assess
    expect(recordKey(copy, keyOptions)).toBe(recordKey(first, keyOptions));
    expect(recordKey(other, keyOptions)).not.toBe(recordKey(first, keyOptions));
    expect(recordKey(first, keyOptions)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('differ between outputs and flows, so two senders of one record to one endpoint are not confused', () => {
    const record = flowRecord({ offset: 3 });
    expect(recordKey(record, { ...keyOptions, outputName: 'http:erp' })).not.toBe(
      recordKey(record, keyOptions),
    );
    expect(recordKey(record, { ...keyOptions, flowName: 'other' })).not.toBe(recordKey(record, keyOptions));
  });

  it('ignore lineage headers on a topic that outside producers write', () => {
    const forged = flowRecord({ offset: 3, headers: { 'sluice.path': 'x/0', 'sluice.origin.offset': '1' } });
    const plain = flowRecord({ offset: 3 });
    expect(recordKey(forged, { ...keyOptions, trustsLineage: false })).toBe(recordKey(plain, keyOptions));
  });

  it('give a batch the digest of its records’ keys in order: the same records, the same key', () => {
    const { lanes } = planHttp(offsets(0, 4), { ...plan, batch: { maxRecords: 10, maxBytes: 1024 } });
    const [request] = lanes[0] ?? [];
    if (!request) throw new Error('no request');
    const again = planHttp(offsets(0, 4), { ...plan, batch: { maxRecords: 10, maxBytes: 1024 } })
      .lanes[0]?.[0];
    expect(again && requestKey(again)).toBe(requestKey(request));
    expect(requestKey({ ...request, items: [...request.items].reverse() })).not.toBe(requestKey(request));
  });
});

describe('the HTTP output’s requests', () => {
  it('keep one lane per source partition, in source order, unless unordered', () => {
    const records = [0, 1, 0, 1, 0].map((partition, offset) => flowRecord({ partition, offset }));
    const ordered = planHttp(records, plan).lanes;
    expect(ordered.map((lane) => lane.map((r) => r.items[0]?.record.source.offset))).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(planHttp(records, { ...plan, ordered: false }).lanes).toHaveLength(5);
  });

  it('cut batches at maxRecords and maxBytes, a larger record going alone', () => {
    const { lanes } = planHttp(offsets(0, 3), plan);
    const items = lanes
      .flat()
      .map((r) => r.items[0])
      .filter((i) => i !== undefined);
    const line = Buffer.byteLength(items[0]?.json ?? '') + 1;
    expect(cutRequests(items, { maxRecords: 2, maxBytes: 1024 }).map((r) => r.items.length)).toEqual([2, 1]);
    expect(cutRequests(items, { maxRecords: 10, maxBytes: line * 2 }).map((r) => r.items.length)).toEqual([
      2, 1,
    ]);
    expect(cutRequests(items, { maxRecords: 10, maxBytes: 1 }).map((r) => r.items.length)).toEqual([1, 1, 1]);
  });

  it('split in halves to find the records an endpoint refuses', () => {
    const request = cutRequests(
      planHttp(offsets(0, 5), plan)
        .lanes.flat()
        .flatMap((r) => r.items),
      {
        maxRecords: 10,
        maxBytes: 1024,
      },
    )[0];
    if (!request) throw new Error('no request');
    expect(splitRequest(request).map((r) => r.items.length)).toEqual([3, 2]);
  });

  it('skip tombstones and reject, per record, a body that is not JSON', () => {
    const records = [
      flowRecord({ offset: 1, value: null }),
      flowRecord({ offset: 2 }),
      { ...flowRecord({ offset: 3 }), value: { n: 1n } },
    ];
    const result = planHttp(records, plan);
    expect(result.skipped).toBe(1);
    expect(result.lanes.flat()).toHaveLength(1);
    expect(result.rejected.map(([r, e]) => [r.source.offset, e.message])).toEqual([
      [3, expect.stringMatching(/^cannot build the HTTP body: .*BigInt/)],
    ]);
  });
});

describe('Retry-After', () => {
  it('is read as seconds or as an HTTP date, and ignored when malformed', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Mon, 30 Nov 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('HTTP credentials', () => {
  const bearer = { type: 'bearer', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:t' } as const;
  const basic = { type: 'basic', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:b' } as const;

  it('make a bearer header from a token or {"token"}, a basic one from {"username","password"}', () => {
    expect(authorizationOf(bearer, 'abc\n')).toBe('Bearer abc');
    expect(authorizationOf(bearer, '{"token":"xyz"}')).toBe('Bearer xyz');
    expect(authorizationOf(basic, '{"username":"u","password":"p:w"}')).toBe(`Basic ${btoa('u:p:w')}`);
  });

  it('name the secret but never its content when it has the wrong shape', () => {
    const error = (() => {
      try {
        authorizationOf(basic, '{"user":"sekrit-value"}');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(RetriableError);
    expect(error?.message).toContain(basic.secretArn);
    expect(error?.message).not.toContain('sekrit-value');
  });

  it('are read once, and again only after the endpoint refused them', async () => {
    let reads = 0;
    const credentials = httpCredentials(bearer, async () => `token-${++reads}`);
    expect(await credentials.authorization()).toBe('Bearer token-1');
    expect(await credentials.authorization()).toBe('Bearer token-1');
    credentials.forget();
    expect(await credentials.authorization()).toBe('Bearer token-2');
  });
});

describe('toHttp options', () => {
  const url = 'https://api.example.com/v1/reviews';

  it('name the output after the endpoint and declare its origin and secret for the CDK app', () => {
    const spec = toHttp({
      url,
      auth: { type: 'bearer', secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:t' },
    });
    expect(spec.kind).toBe('http');
    expect(spec.name).toBe('http:api.example.com/v1/reviews');
    expect(spec.resources).toEqual({
      endpoint: 'https://api.example.com',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:t',
    });
  });

  it.each([
    [{ url: 'api.example.com' }, 'toHttp(api.example.com).url: not an absolute URL: "api.example.com"'],
    [{ url: 'ftp://example.com/x' }, 'toHttp(ftp://example.com/x).url: must be http or https, got ftp:'],
    [
      { url: 'https://u:p@example.com/' },
      'toHttp(https://u:p@example.com/).url: must not carry credentials: use auth (a Secrets Manager secret)',
    ],
    [
      { url, headers: { Authorization: 'Bearer x' } },
      `toHttp(${url}).headers.Authorization: credentials go in auth (a Secrets Manager secret)`,
    ],
    [
      { url, headers: { 'Idempotency-Key': 'x' } },
      `toHttp(${url}).headers.Idempotency-Key: set by the output itself`,
    ],
    [{ url, batch: { ndjson: true, maxRecords: 301 } }, 'toHttp.batch.maxRecords: must be ≤ 300'],
    [
      { url, auth: { type: 'bearer', secretArn: 'my-token' } },
      'toHttp.auth.secretArn: must be a Secrets Manager ARN',
    ],
    [{ url, retries: 3 }, 'toHttp: unknown option(s) retries'],
  ])('refuse %j at load time with the path', (options, message) => {
    expect(() => toHttp(options as never)).toThrow(ConfigError);
    expect(() => toHttp(options as never)).toThrow(message);
  });
});
