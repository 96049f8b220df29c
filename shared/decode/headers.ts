import { isUtf8 } from 'node:buffer';
import type { RecordHeader } from '../record.ts';
import type { KafkaEventHeader } from './event.ts';

const EMPTY_TEXT: Readonly<Record<string, string>> = Object.freeze({});
const EMPTY_LIST: readonly RecordHeader[] = Object.freeze([]);

/** True when every entry is a byte (Lambda may send Java's signed bytes, -128..127, or 0..255). */
const isByteArray = (value: unknown): value is readonly number[] => {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const b = value[i];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < -128 || b > 255) return false;
  }
  return true;
};

/** Header bytes; negative (signed) bytes wrap to 0..255 exactly as Buffer.from does. */
const toBytes = (numbers: readonly number[]): Buffer => Buffer.from(numbers as number[]);

/**
 * Headers as text for steps. ASCII headers (the common case: trace ids, content types) become strings without an
 * intermediate Buffer; headers that are not valid UTF-8 are left out here and keep their bytes in the source
 * record. Throws nothing; returns undefined when the header list is malformed.
 */
export const headersAsText = (
  headers: readonly KafkaEventHeader[] | null | undefined,
): Readonly<Record<string, string>> | undefined => {
  if (headers == null || headers.length === 0) return EMPTY_TEXT;
  if (!Array.isArray(headers)) return undefined;
  const text: Record<string, string> = {};
  for (const header of headers) {
    if (header === null || typeof header !== 'object') return undefined;
    for (const name in header) {
      const numbers = header[name];
      const kind = byteKind(numbers);
      if (kind === NOT_BYTES) return undefined;
      if (kind === ASCII) {
        setHeader(text, name, asciiText(numbers as readonly number[]));
        continue;
      }
      const bytes = toBytes(numbers as readonly number[]);
      if (isUtf8(bytes)) setHeader(text, name, bytes.toString('utf8'));
    }
  }
  return text;
};

/**
 * Sets a header in a text view. `__proto__` would set the object's prototype instead (and a string is then
 * ignored), so that one name is defined as an own property; every other name, `constructor` included, is an
 * ordinary assignment. The view stays a plain object (fast to build and read); look names up with Object.hasOwn.
 */
export const setHeader = (view: Record<string, string>, name: string, value: string): void => {
  if (name === '__proto__')
    Object.defineProperty(view, name, { value, enumerable: true, writable: true, configurable: true });
  else view[name] = value;
};

const NOT_BYTES = 0;
const ASCII = 1;
const BYTES = 2;

/** One pass over a header value: not a byte array, all ASCII (the common case), or other bytes. */
const byteKind = (value: unknown): typeof NOT_BYTES | typeof ASCII | typeof BYTES => {
  if (!Array.isArray(value)) return NOT_BYTES;
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const b = value[i];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < -128 || b > 255) return NOT_BYTES;
    if (b < 0 || b > 0x7f) ascii = false;
  }
  return ascii ? ASCII : BYTES;
};

/** ASCII bytes as a string, without a Buffer or the UTF-8 decoder. */
const asciiText = (numbers: readonly number[]): string =>
  // Header values are short; apply() over a few thousand numbers is well within argument limits.
  numbers.length <= 4096
    ? String.fromCharCode.apply(null, numbers as number[])
    : Buffer.from(numbers as number[]).toString('latin1');

/** Headers as bytes, in order, duplicates kept: what dead letters and byte-exact outputs need. */
export const headersAsBytes = (
  headers: readonly KafkaEventHeader[] | null | undefined,
): readonly RecordHeader[] => {
  if (headers == null || !Array.isArray(headers) || headers.length === 0) return EMPTY_LIST;
  const list: RecordHeader[] = [];
  for (const header of headers) {
    if (header === null || typeof header !== 'object') continue;
    for (const name in header) {
      const numbers = header[name];
      if (isByteArray(numbers)) list.push({ key: name, value: toBytes(numbers) });
    }
  }
  return list;
};

/**
 * True when `text` (from headersAsText) holds every header of `headers` in their order: each one decoded (UTF-8),
 * no name repeated, and no name that starts with a digit (an object lists array-index names first). Then the text
 * alone reproduces the headers' bytes and order, and outputs can forward it as it is.
 */
export const holdsEveryHeader = (
  text: Readonly<Record<string, string>>,
  headers: readonly KafkaEventHeader[] | null | undefined,
): boolean => {
  let entries = 0;
  if (headers != null) for (const header of headers) for (const _ in header) entries++;
  let kept = 0;
  for (const name in text) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) return false;
    kept++;
  }
  return kept === entries;
};
