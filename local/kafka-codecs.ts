import * as zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import snappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';

/**
 * kafkajs reads and writes gzip only; a topic a Java (or librdkafka) producer wrote with snappy, lz4 or zstd
 * fails its fetch with KafkaJSNotImplemented. AWS's mapping decompresses every codec, so the emulator and the
 * local tools must too. Pure-JS codecs (no native build: npm 11 skips install scripts): snappy with xerial
 * framing (kafkajs-snappy), LZ4 frames (lz4js), zstd decompression (fzstd); zstd compression needs Node's zlib
 * zstd (Node ≥ 22.15), as nothing here produces zstd on Node 20.
 *
 * Importing this module registers them once per process (kafkajs keeps codecs in one module-level table).
 */
const lz4Codec = () => ({
  compress: async (encoder: { buffer: Buffer }) => Buffer.from(lz4.compress(encoder.buffer)),
  decompress: async (buffer: Buffer) => Buffer.from(lz4.decompress(buffer)),
});

// @types/node 20 does not know it yet; present from Node 22.15.
const { zstdCompressSync } = zlib as { zstdCompressSync?: (data: Buffer) => Buffer };

const zstdCodec = () => ({
  compress: async (encoder: { buffer: Buffer }) => {
    if (!zstdCompressSync)
      throw new Error('zstd compression needs Node.js ≥ 22.15 (zlib zstd); use gzip on this Node');
    return zstdCompressSync(encoder.buffer);
  },
  decompress: async (buffer: Buffer) => Buffer.from(zstdDecompress(buffer)),
});

// kafkajs is CommonJS and Node's ESM loader does not see these two as named exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;
CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;
CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
