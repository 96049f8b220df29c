import { deflateSync, inflateSync } from 'node:zlib';
import { DecodeError, SchemaReason } from '../errors.ts';
import type { MessageRef } from './codecs.ts';

/** Confluent's framing: magic byte 0, then the schema id as a 4-byte big-endian integer. */
export const CONFLUENT_MAGIC = 0;
/** AWS Glue's framing: header version byte 3, a compression byte, then the schema version UUID (16 bytes). */
export const GLUE_HEADER_VERSION = 3;
export const GlueCompression = { None: 0, Zlib: 5 } as const;
const GLUE_HEADER_BYTES = 18;
const CONFLUENT_HEADER_BYTES = 5;
/** A decompressed Glue payload is capped: record content is untrusted, and zlib expands up to ~1000×. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;
/** Protobuf message-index paths deeper than this are not real schemas. */
const MAX_MESSAGE_INDEXES = 64;

/** What the framing says: which schema, and the encoded body. */
export interface Frame {
  /** The Confluent id as decimal text, or the Glue schema version UUID. */
  readonly schemaId: string;
  readonly body: Buffer;
  /** Protobuf only: which message (Confluent's index path, or Glue's index into the sorted message names). */
  readonly message?: MessageRef;
}

const broken = (message: string, cause?: unknown): DecodeError =>
  new DecodeError(message, { reason: SchemaReason.DeserializationError, cause });

/**
 * Reads a registry's framing. `protobuf` also reads the message indexes: Confluent's zig-zag varint count
 * followed by that many zig-zag varints (a count of 0 meaning [0]); Glue's one unsigned varint (AWS's SerDe:
 * the message's position among all the file's messages sorted by full name), read after decompression. Throws DecodeError (DESERIALIZATION_ERROR) for any framing that is not the registry's.
 */
export const parseFrame = (bytes: Buffer, registry: 'glue' | 'confluent', protobuf: boolean): Frame => {
  if (registry === 'confluent') {
    if (bytes.length < CONFLUENT_HEADER_BYTES || bytes[0] !== CONFLUENT_MAGIC)
      throw broken(
        bytes.length === 0
          ? 'is empty, expected Confluent framing (magic byte 0, 4-byte schema id)'
          : `does not start with Confluent's magic byte 0 (found 0x${hex(bytes[0])}, ${bytes.length} bytes)`,
      );
    const schemaId = String(bytes.readUInt32BE(1));
    if (!protobuf) return { schemaId, body: bytes.subarray(CONFLUENT_HEADER_BYTES) };
    const reader = { bytes, at: CONFLUENT_HEADER_BYTES };
    const count = zigzag(readVarint(reader));
    if (count < 0 || count > MAX_MESSAGE_INDEXES) throw broken(`has a message-index count of ${count}`);
    const messageIndexes: number[] = [];
    for (let i = 0; i < count; i++) messageIndexes.push(zigzag(readVarint(reader)));
    return {
      schemaId,
      body: bytes.subarray(reader.at),
      message: { path: count === 0 ? [0] : messageIndexes },
    };
  }
  if (bytes.length < GLUE_HEADER_BYTES || bytes[0] !== GLUE_HEADER_VERSION)
    throw broken(
      bytes.length === 0
        ? 'is empty, expected Glue framing (header version 3, compression, schema version UUID)'
        : `does not start with Glue's header version byte 3 (found 0x${hex(bytes[0])}, ${bytes.length} bytes)`,
    );
  const compression = bytes[1];
  const schemaId = uuidOf(bytes);
  let body = bytes.subarray(GLUE_HEADER_BYTES);
  if (compression === GlueCompression.Zlib) {
    try {
      body = inflateSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (error) {
      throw broken(
        `declares zlib compression (5) but its body is not a zlib stream: ${(error as Error).message}`,
        error,
      );
    }
  } else if (compression !== GlueCompression.None) {
    throw broken(`has Glue compression byte ${compression} (expected 0 or 5)`);
  }
  if (!protobuf) return { schemaId, body };
  const reader = { bytes: body, at: 0 };
  const index = readVarint(reader);
  return { schemaId, body: body.subarray(reader.at), message: { sorted: index } };
};

/** 16 bytes → the UUID's canonical text (8-4-4-4-12 hex digits). */
export const uuidText = (b: Buffer): string => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** The last UUID read and its text: consecutive records almost always name the same schema version. */
let lastUuid = Buffer.alloc(16);
let lastUuidText = uuidText(lastUuid);

const uuidOf = (bytes: Buffer): string => {
  if (bytes.compare(lastUuid, 0, 16, 2, GLUE_HEADER_BYTES) !== 0) {
    lastUuid = Buffer.from(bytes.subarray(2, GLUE_HEADER_BYTES));
    lastUuidText = uuidText(lastUuid);
  }
  return lastUuidText;
};

const hex = (byte: number | undefined): string => (byte ?? 0).toString(16).padStart(2, '0');

/** An unsigned varint of up to 32 bits. */
const readVarint = (reader: { bytes: Buffer; at: number }): number => {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const byte = reader.bytes[reader.at++];
    if (byte === undefined) throw broken('ends inside its message indexes');
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  throw broken('has a message index longer than 5 bytes');
};

const zigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

const writeVarint = (n: number, out: number[]): void => {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
};

/** Confluent framing around an encoded body; `messageIndexes` for Protobuf ([0] is written as the count 0). */
export const confluentFrame = (id: number, body: Buffer, messageIndexes?: readonly number[]): Buffer => {
  const header = Buffer.alloc(CONFLUENT_HEADER_BYTES);
  header[0] = CONFLUENT_MAGIC;
  header.writeUInt32BE(id, 1);
  if (messageIndexes === undefined) return Buffer.concat([header, body]);
  const indexes: number[] = [];
  if (messageIndexes.length === 1 && messageIndexes[0] === 0) indexes.push(0);
  else {
    writeVarint(messageIndexes.length * 2, indexes);
    for (const i of messageIndexes) writeVarint(i * 2, indexes);
  }
  return Buffer.concat([header, Buffer.from(indexes), body]);
};

/** Glue framing around an encoded body (zlib-compressed when asked); `messageIndex` for Protobuf. */
export const glueFrame = (
  schemaVersionId: string,
  body: Buffer,
  options: { readonly compress?: boolean; readonly messageIndex?: number } = {},
): Buffer => {
  let payload = body;
  if (options.messageIndex !== undefined) {
    const index: number[] = [];
    writeVarint(options.messageIndex, index);
    payload = Buffer.concat([Buffer.from(index), body]);
  }
  if (options.compress) payload = deflateSync(payload);
  return Buffer.concat([glueHeader(schemaVersionId, options.compress === true), payload]);
};

/** Glue headers by schema version and compression, built once: an output writes few versions. */
const glueHeaders = new Map<string, Buffer>();
const glueHeader = (schemaVersionId: string, compress: boolean): Buffer => {
  const id = `${schemaVersionId}/${compress}`;
  let header = glueHeaders.get(id);
  if (header === undefined) {
    const uuid = Buffer.from(schemaVersionId.replaceAll('-', ''), 'hex');
    if (uuid.length !== 16) throw new Error(`not a schema version UUID: ${schemaVersionId}`);
    header = Buffer.concat([
      Buffer.from([GLUE_HEADER_VERSION, compress ? GlueCompression.Zlib : GlueCompression.None]),
      uuid,
    ]);
    if (glueHeaders.size < 1000) glueHeaders.set(id, header);
  }
  return header;
};
