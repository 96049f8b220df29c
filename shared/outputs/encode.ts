import type { FlowRecord } from '../record.ts';

/** Output value bytes: bytes as-is, strings as UTF-8, anything else as JSON; null stays null (tombstone). */
export const encodeValue = (value: unknown): Buffer | null => {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
};

/**
 * Output key bytes. When the decoded key is still the source key, the source bytes are reused so that a
 * non-UTF-8 key survives exactly (and partitions exactly as the producer's did).
 */
export const encodeKey = (record: FlowRecord): Buffer | null => {
  if (record.key === null) return null;
  const source = record.source.key;
  if (source !== null) {
    const decoded = record.source.decodedKey;
    if (decoded !== undefined ? decoded === record.key : source.toString('utf8') === record.key)
      return source;
  }
  return Buffer.from(record.key, 'utf8');
};

/** A JSON-safe rendering of a decoded value for text outputs: bytes become base64. */
export const jsonSafe = (value: unknown): unknown => {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
};
