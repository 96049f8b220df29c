import { describe, expect, it } from 'vitest';
import { lastWritePerItem } from '../../../shared/stateful/state-store.ts';

const put = (pk: string, sk: string, v: string) => ({
  PutRequest: { Item: { pk: { S: pk }, sk: { S: sk }, v: { S: v } } },
});
const del = (pk: string, sk: string) => ({ DeleteRequest: { Key: { pk: { S: pk }, sk: { S: sk } } } });

describe('the state writes of one batch', () => {
  it('keep one request per item, the last given for it, so BatchWriteItem never sees a key twice', () => {
    // Act
    const requests = lastWritePerItem(
      [
        put('a', '1', 'x'),
        del('a', '2'),
        del('a', '2'),
        put('a', '1', 'y'),
        put('b', '1', 'z'),
        del('b', '1'),
      ],
      'pk',
      'sk',
    );
    // Assess
    expect(requests).toEqual([del('a', '2'), put('a', '1', 'y'), del('b', '1')]);
  });

  it('pass requests for distinct items through in their order', () => {
    const requests = [put('a', '1', 'x'), del('a', '2'), put('b', '1', 'z')];
    expect(lastWritePerItem(requests, 'pk', 'sk')).toEqual(requests);
  });
});
