import { describe, expect, it, vi } from 'vitest';
import { RecordRejectedError, RetriableError } from '../../../shared/errors.ts';
import { chunkBulk, classifyItem, planBulk } from '../../../shared/outputs/search-bulk.ts';
import { createSearchWriter, type SearchClient } from '../../../shared/outputs/search-writer.ts';
import { fakeClock, flowRecord, offsets } from './records.ts';

type Item = { status: number; error?: { type: string; reason: string } };

/** A bulk endpoint that answers each item with what `answer` says for its id and attempt. */
const fakeClient = (answer: (id: string, attempt: number) => Item) => {
  const attempts = new Map<string, number>();
  const bodies: string[] = [];
  const client: SearchClient = {
    bulk: vi.fn(async ({ body }: { body: unknown }) => {
      const text = String(body);
      bodies.push(text);
      const items = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((line) => line.index || line.delete)
        .map((line) => {
          const op = line.index ? 'index' : 'delete';
          const id = (line.index ?? line.delete)._id as string;
          const attempt = (attempts.get(id) ?? 0) + 1;
          attempts.set(id, attempt);
          return { [op]: answer(id, attempt) };
        });
      return { body: { errors: false, items } };
    }) as never,
    indices: { exists: vi.fn(async () => ({ body: true })) as never, create: vi.fn() as never },
  };
  return { client, bodies };
};

const writer = (client: SearchClient, budgetMs = 10_000) =>
  createSearchWriter({
    name: 'opensearch:reviews',
    index: 'reviews',
    tombstones: 'delete',
    maxBulkBytes: 5 * 1024 * 1024,
    maxBulkActions: 1000,
    retry: { baseMs: 100, maxDelayMs: 1000, budgetMs },
    client: () => client,
    clock: fakeClock(),
  });

describe('the OpenSearch bulk plan', () => {
  it('ids documents by topic-partition-offset unless a business key is declared', () => {
    const records = [flowRecord({ offset: 1, value: { reviewId: 'r1' } })];
    expect(planBulk(records, { index: 'i', tombstones: 'delete' }).actions[0]?.id).toBe('reviews-0-1');
    const byKey = planBulk(records, {
      index: 'i',
      tombstones: 'delete',
      id: (r) => (r.value as { reviewId: string }).reviewId,
    });
    expect(byKey.actions[0]?.id).toBe('r1');
  });

  it('keeps only the last action per document id, so a retried older version cannot win', () => {
    // Prepare
    const id = (r: { key: string | null }) => r.key ?? '';
    const records = [
      flowRecord({ offset: 1, key: 'a', value: { v: 1 } }),
      flowRecord({ offset: 2, key: 'b', value: { v: 2 } }),
      flowRecord({ offset: 3, key: 'a', value: { v: 3 } }),
    ];
    // Act
    const { actions } = planBulk(records, { index: 'i', tombstones: 'delete', id });
    // Assess
    expect(actions.map((a) => [a.id, a.record.source.offset])).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
  });

  it('turns a tombstone into a delete, or ignores it when configured', () => {
    const tombstone = flowRecord({ offset: 4, key: 'a', value: null });
    const id = (r: { key: string | null }) => r.key ?? '';
    expect(planBulk([tombstone], { index: 'i', tombstones: 'delete', id }).actions[0]?.ndjson).toBe(
      '{"delete":{"_id":"a"}}\n',
    );
    expect(planBulk([tombstone], { index: 'i', tombstones: 'ignore', id }).actions).toEqual([]);
  });

  it('rejects a record whose value is not a JSON object', () => {
    const { rejected } = planBulk([flowRecord({ value: 'text' })], { index: 'i', tombstones: 'delete' });
    expect(rejected[0]?.[1]).toBeInstanceOf(RecordRejectedError);
  });

  it('chunks requests by bytes and by count', () => {
    const { actions } = planBulk(offsets(0, 10), { index: 'i', tombstones: 'delete' });
    const size = actions[0]?.bytes ?? 0;
    expect(chunkBulk(actions, { maxBytes: size * 3, maxActions: 100 }).map((c) => c.length)).toEqual([
      3, 3, 3, 1,
    ]);
    expect(chunkBulk(actions, { maxBytes: 1e9, maxActions: 4 }).map((c) => c.length)).toEqual([4, 4, 2]);
  });

  it('retries throttled, rejected-execution and server-error items, and dead-letters the rest', () => {
    expect(classifyItem('index', { status: 201 })).toBe('written');
    expect(classifyItem('delete', { status: 404 })).toBe('written');
    expect(classifyItem('index', { status: 429 })).toBe('retry');
    expect(classifyItem('index', { status: 503 })).toBe('retry');
    expect(classifyItem('index', { status: 400, error: { type: 'es_rejected_execution_exception' } })).toBe(
      'retry',
    );
    expect(classifyItem('index', { status: 400, error: { type: 'mapper_parsing_exception' } })).toBe(
      'reject',
    );
  });

  it('tells a store-side refusal or a missing index apart from a refused document', () => {
    const item = (status: number, type: string) => ({ status, error: { type, reason: type } });

    expect(classifyItem('index', item(403, 'cluster_block_exception'))).toBe('refused');
    expect(classifyItem('index', item(403, 'security_exception'))).toBe('refused');
    expect(classifyItem('delete', item(403, 'cluster_block_exception'))).toBe('refused');
    expect(classifyItem('index', item(404, 'index_not_found_exception'))).toBe('index-missing');
    expect(classifyItem('delete', item(404, 'index_not_found_exception'))).toBe('index-missing');
    expect(classifyItem('delete', { status: 404 })).toBe('written');
  });
});

describe('the OpenSearch writer', () => {
  it('indexes a batch in one bulk request on the index path, with no index named in its action lines', async () => {
    const { client, bodies } = fakeClient(() => ({ status: 201 }));
    const result = await writer(client).write(offsets(0, 20), { flowName: 'f' });
    expect(result).toEqual({ written: 20, deadLetters: [] });
    expect(bodies).toHaveLength(1);
    expect(client.bulk).toHaveBeenCalledWith(expect.objectContaining({ index: 'reviews' }));
    expect(bodies[0]).not.toContain('_index');
  });

  it.each([
    ['a read-only block', 'cluster_block_exception'],
    ['an authorisation refusal', 'security_exception'],
  ])('fails the batch, retriable, on %s, and dead-letters nothing', async (_what, type) => {
    // Prepare: the store refuses every item, whatever the document
    const { client } = fakeClient(() => ({ status: 403, error: { type, reason: 'refused' } }));
    // Act
    const written = writer(client).write(offsets(0, 5), { flowName: 'f' });
    // Assess
    await expect(written).rejects.toBeInstanceOf(RetriableError);
    await expect(written).rejects.toThrow(type);
  });

  it('creates a missing index again with its declared mapping, then writes the items it refused', async () => {
    // Prepare: the index is there at the first check, then deleted before the bulk request
    let exists = true;
    const { client, bodies } = fakeClient((_id, attempt) =>
      attempt === 1
        ? { status: 404, error: { type: 'index_not_found_exception', reason: 'no such index [reviews]' } }
        : { status: 201 },
    );
    client.indices.exists = vi.fn(async () => {
      const answer = { body: exists };
      exists = false;
      return answer;
    }) as never;
    const mappings = { properties: { rating: { type: 'integer' } } };
    const output = createSearchWriter({
      name: 'opensearch:reviews',
      index: 'reviews',
      tombstones: 'delete',
      create: { mappings },
      maxBulkBytes: 5 * 1024 * 1024,
      maxBulkActions: 1000,
      retry: { baseMs: 100, maxDelayMs: 1000, budgetMs: 10_000 },
      client: () => client,
      clock: fakeClock(),
    });
    // Act
    const result = await output.write(offsets(0, 3), { flowName: 'f' });
    // Assess
    expect(result).toEqual({ written: 3, deadLetters: [] });
    expect(client.indices.create).toHaveBeenCalledWith({ index: 'reviews', body: { mappings } });
    expect(bodies).toHaveLength(2);
  });

  it('sends throttled items again, alone, until they are written', async () => {
    // Prepare
    const { client, bodies } = fakeClient((id, attempt) =>
      id === 'reviews-0-3' && attempt < 3
        ? { status: 429, error: { type: 'too_many_requests', reason: 'slow down' } }
        : { status: 201 },
    );
    // Act
    const result = await writer(client).write(offsets(0, 5), { flowName: 'f' });
    // Assess
    expect(result.written).toBe(5);
    expect(bodies).toHaveLength(3);
    expect(bodies[1]).toContain('reviews-0-3');
    expect(bodies[1]).not.toContain('reviews-0-4');
  });

  it('fails the batch with a retriable error when items stay throttled past the retry budget', async () => {
    const { client } = fakeClient(() => ({
      status: 429,
      error: { type: 'too_many_requests', reason: 'slow down' },
    }));
    await expect(writer(client, 2_000).write(offsets(0, 2), { flowName: 'f' })).rejects.toThrow(
      RetriableError,
    );
  });

  it('dead-letters a document the mapping refuses, with the item error, and writes the rest', async () => {
    // Prepare
    const { client } = fakeClient((id) =>
      id === 'reviews-0-1'
        ? {
            status: 400,
            error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [rating]' },
          }
        : { status: 201 },
    );
    // Act
    const result = await writer(client).write(offsets(0, 3), { flowName: 'f' });
    // Assess
    expect(result.written).toBe(2);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]?.record.source.offset).toBe(1);
    expect(result.deadLetters[0]?.error).toBeInstanceOf(RecordRejectedError);
    expect(result.deadLetters[0]?.error.message).toContain(
      'mapper_parsing_exception: failed to parse field [rating]',
    );
  });

  it('retries a batch whose request failed without a response, within the budget', async () => {
    // Prepare
    const { client } = fakeClient(() => ({ status: 201 }));
    const bulk = client.bulk as unknown as ReturnType<typeof vi.fn>;
    const real = bulk.getMockImplementation();
    bulk.mockImplementationOnce(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'ConnectionError' });
    });
    bulk.mockImplementation(real as never);
    // Act
    const result = await writer(client).write(offsets(0, 2), { flowName: 'f' });
    // Assess
    expect(result.written).toBe(2);
  });
});
