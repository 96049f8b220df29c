import { isUtf8 } from 'node:buffer';
import { DecodeError } from '../errors.ts';
import { firstUnsafeInteger, mayHoldUnsafeInteger, pathOfNumber } from './big-integers.ts';

/** How a topic's record values are encoded. Avro is declared so topologies can name it; it needs a decoder. */
export const ValueFormat = { Json: 'json', String: 'string', Bytes: 'bytes', Avro: 'avro' } as const;
export type ValueFormat = (typeof ValueFormat)[keyof typeof ValueFormat];

/** Turns a value's bytes into the value steps see. Throws DecodeError for bytes that are not in the format. */
export type ValueDecoder = (bytes: Buffer) => unknown;

const decodeJson: ValueDecoder = (bytes) => {
  // JSON is UTF-8 by definition; without this check invalid bytes would turn into U+FFFD and parse "fine".
  if (!isUtf8(bytes)) throw new DecodeError('value is not valid UTF-8');
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`value is not valid JSON: ${(error as Error).message}`);
  }
  if (mayHoldUnsafeInteger(text)) {
    const token = firstUnsafeInteger(text);
    if (token !== undefined) {
      const at = pathOfNumber(value, Number(token)) ?? '$';
      throw new DecodeError(
        `integer ${token.length > 40 ? `${token.slice(0, 40)}…` : token} at ${at} exceeds 2^53 and would be silently rounded (send it as a string)`,
      );
    }
  }
  return value;
};

const decodeString: ValueDecoder = (bytes) => {
  if (!isUtf8(bytes)) throw new DecodeError('value is not valid UTF-8');
  return bytes.toString('utf8');
};

const decodeBytes: ValueDecoder = (bytes) => bytes;

const decodeAvroUnconfigured: ValueDecoder = () => {
  throw new DecodeError('avro values need a decoder: pass decoders.avro to the flow handler');
};

export const defaultDecoders: Readonly<Record<ValueFormat, ValueDecoder>> = {
  json: decodeJson,
  string: decodeString,
  bytes: decodeBytes,
  avro: decodeAvroUnconfigured,
};
