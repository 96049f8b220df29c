/**
 * Where an aggregation keeps its state in its table (string partition and sort keys, any attribute names). One
 * table may hold several aggregations: every key starts with the kind of item and the aggregation's name.
 *
 * - window   `w|<name>|<key>` / `<start>`: the accumulator, the per-partition fences, the expiry. A service reads
 *   a key's windows with one Query (the interactive query).
 * - open     `o|<name>|<partition>` / `<end>|<start>|<key>`: a window not yet emitted; a Query bounded by the
 *   close time finds the windows to emit, oldest end first.
 * - meta     `m|<name>` / `<partition>`: the stream time after the last committed offset, and who committed it.
 */

/** Times are written as 16 digits so text order is time order (epoch milliseconds up to year 318857). */
export const padTime = (ms: number): string => String(ms).padStart(16, '0');

export const windowPk = (name: string, key: string): string => `w|${name}|${key}`;
export const windowSk = (start: number): string => padTime(start);
export const openPk = (name: string, partition: number): string => `o|${name}|${partition}`;
export const openSk = (end: number, start: number, key: string): string =>
  `${padTime(end)}|${padTime(start)}|${key}`;
/** The exclusive upper bound of the open items whose window ends at or before `time`. */
export const openBound = (time: number): string => padTime(Math.max(0, time + 1));
export const metaPk = (name: string): string => `m|${name}`;
export const metaSk = (partition: number): string => String(partition);

/**
 * A stream–stream join's items (join-state.ts) all start with `<name>#<source partition>#`: its times, each side's
 * records by key, its outer-join store and its claims. Sort keys hold times as `padTime`.
 */
export const joinPk = (name: string, partition: number, ...parts: readonly string[]): string =>
  [name, String(partition), ...parts].join('#');

/** The partition keys of one join's items, as IAM `StringLike` patterns (both sides' grants' LeadingKeys). */
export const joinKeyPatterns = (name: string): string[] => [`${name}#*`];

/** The partition keys of one aggregation's items, as IAM `StringLike` patterns (its grant's LeadingKeys). */
export const stateKeyPatterns = (name: string): string[] => [`w|${name}|*`, `o|${name}|*`, metaPk(name)];

/** Attribute names of the state items (besides the table's own key attributes). */
export const StateAttribute = {
  Key: 'key',
  Start: 'windowStart',
  End: 'windowEnd',
  Accumulator: 'acc',
  /** The window's result as of its last update: what the interactive query reads. */
  Result: 'result',
  /** Map of source partition → highest offset applied to this window. */
  Fences: 'fences',
  /** Incremented on every write: the condition that makes a write lost to another writer fail. */
  Version: 'v',
  /** Epoch seconds after which DynamoDB TTL may delete the item (the CDC delete markers' attribute). */
  Expires: '_sluice_expires',
  StreamTime: 'streamTime',
  Offset: 'offset',
  /** On the meta item: who committed it last (an environment's token), so a warm cache knows it is current. */
  Writer: 'writer',
} as const;

/** DynamoDB's limit on a partition key value is 2048 bytes; the grouping key must leave room for the prefix. */
export const MAX_GROUP_KEY_BYTES = 1024;
