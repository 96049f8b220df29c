/*
 * An estimate of what a looked-up item holds on the heap, for the cache's byte budget. Deliberately on the high
 * side of V8's real layout (two bytes per character, a slot and a descriptor per property), so a budget is kept
 * even for two-byte strings; a cheap walk, run once per item fetched from DynamoDB, never per record.
 */
const STRING_HEADER = 16;
const OBJECT_HEADER = 32;
const PROPERTY = 16;
const ELEMENT = 8;
const SCALAR = 16;

const stringBytes = (text: string): number => STRING_HEADER + 2 * text.length;

/** Estimated heap bytes of a value made of JSON types, Sets, Maps and byte arrays (what `unmarshall` returns). */
export const estimateBytes = (value: unknown): number => {
  let bytes = 0;
  // A stack, not recursion: a DynamoDB item nests at most 32 levels, but the estimate must not care.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') bytes += stringBytes(next);
    else if (next === null || typeof next !== 'object') bytes += SCALAR;
    else if (ArrayBuffer.isView(next)) bytes += OBJECT_HEADER * 2 + next.byteLength;
    else if (Array.isArray(next) || next instanceof Set) {
      bytes += OBJECT_HEADER;
      for (const element of next) {
        bytes += ELEMENT;
        pending.push(element);
      }
    } else if (next instanceof Map) {
      bytes += OBJECT_HEADER;
      for (const [key, element] of next) {
        bytes += PROPERTY;
        pending.push(key, element);
      }
    } else {
      bytes += OBJECT_HEADER;
      for (const key of Object.keys(next)) {
        bytes += PROPERTY + stringBytes(key);
        pending.push((next as Record<string, unknown>)[key]);
      }
    }
  }
  return bytes;
};
