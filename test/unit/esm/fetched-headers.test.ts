import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fetchedHeaders } from '../../../local/esm/event.ts';

// kafkajs's own record encoder and decoder, the code the emulator's consumer runs on every fetched record.
const require = createRequire(import.meta.url);
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: object) => {
  buffer: Buffer;
};
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: unknown,
  context: object,
) => { headers: Record<string, unknown> };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (
  buffer: Buffer,
) => { readVarInt(): number };

/** A record's headers as the emulator's kafkajs consumer hands them over, after a trip through the wire format. */
const throughKafkajs = (headers: Record<string, Buffer | Buffer[]>): Record<string, unknown> => {
  const { buffer } = encodeRecord({ key: Buffer.from('k'), value: Buffer.from('v'), headers });
  const decoder = new Decoder(buffer);
  decoder.readVarInt(); // the record's length
  return decodeRecord(decoder, { firstOffset: '0', firstTimestamp: '0' }).headers;
};

describe('the headers the emulator puts in an event', () => {
  it('keep a header named like an Object.prototype member as its bytes alone', () => {
    // Prepare
    const fetched = throughKafkajs({
      constructor: Buffer.from('c'),
      toString: Buffer.from('t'),
      trace: Buffer.from([0xff, 0x00]),
    });
    // Act
    const headers = fetchedHeaders(fetched);
    // Assess
    expect(headers).toEqual([
      { key: 'constructor', value: Buffer.from('c') },
      { key: 'toString', value: Buffer.from('t') },
      { key: 'trace', value: Buffer.from([0xff, 0x00]) },
    ]);
  });

  it('keep every value of a repeated header, in order', () => {
    const fetched = throughKafkajs({ a: [Buffer.from('1'), Buffer.from('2')] });
    expect(fetchedHeaders(fetched)).toEqual([
      { key: 'a', value: Buffer.from('1') },
      { key: 'a', value: Buffer.from('2') },
    ]);
  });
});
