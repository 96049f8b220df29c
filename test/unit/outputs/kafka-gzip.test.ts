import { gunzipSync } from 'node:zlib';
import kafkajs, { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createKafkaProducer, GZIP_LEVEL, gzipCodec } from '../../../shared/clients/kafka.ts';

// The gzip header's XFL byte (RFC 1952): 4 when the compressor used its fastest level, 0 for the default.
const xflOf = (gzipped: Buffer) => gzipped[8];

describe("the producer's gzip", () => {
  it('compresses record batches at the fastest level, and they read back as they were', async () => {
    // Prepare
    const records = Buffer.from(
      '{"reviewId":"r-1","text":"Boils quickly and the handle stays cool."}'.repeat(200),
    );
    // Act
    const gzipped = await gzipCodec().compress({ buffer: records });
    // Assess
    expect(GZIP_LEVEL).toBe(1);
    expect(xflOf(gzipped)).toBe(4);
    expect(gunzipSync(gzipped)).toEqual(records);
    expect(await gzipCodec().decompress(gzipped)).toEqual(records);
  });

  it("is the codec kafkajs uses once a producer exists (kafkajs's own would write the default level)", async () => {
    // Prepare
    const records = Buffer.from('x'.repeat(10_000));
    // Act
    createKafkaProducer({ brokers: ['localhost:1'], auth: { mode: 'plaintext' } });
    const gzipped = await kafkajs.CompressionCodecs[CompressionTypes.GZIP]().compress({ buffer: records });
    // Assess
    expect(kafkajs.CompressionCodecs[CompressionTypes.GZIP]).toBe(gzipCodec);
    expect(xflOf(gzipped)).toBe(4);
  });
});
