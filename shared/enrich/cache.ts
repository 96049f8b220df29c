import { LRUCache } from 'lru-cache';
import { estimateBytes } from './item-bytes.ts';

/** A looked-up item, frozen: the same object is shared by every record (and batch) that joins with it. */
export type Item = Readonly<Record<string, unknown>>;

/** Cached knowledge that a key is absent from the table (negative caching). */
export const MISSING: unique symbol = Symbol('missing');
export type Cached = Item | typeof MISSING;
/** A negative entry holds a key and the shared symbol. */
const MISSING_BYTES = 16;

export interface CacheOptions {
  readonly maxEntries: number;
  /** Budget for keys and items together, by `estimateBytes`; an item larger than all of it is not cached. */
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
}

/**
 * The lookup cache of one enrich step. The step lives at module scope (flows are declared at import time), so the
 * cache survives warm invocations of the execution environment. Entries expire by TTL so reference-data changes
 * arrive within `ttlMs` (and new keys within `negativeTtlMs`). The LRU holds at most `maxEntries` entries and
 * `maxBytes` of them: a count alone let a table of 400 KB items (DynamoDB's limit) fill the function's memory.
 */
export class LookupCache {
  readonly #options: CacheOptions;
  /**
   * Made on the first write: an LRUCache allocates its arrays for `max` entries up front (~5 ms per 50,000), and
   * steps are built at import time, so an eager one would be paid on every cold start before any record.
   */
  #lru: LRUCache<string | number, Cached> | undefined;

  constructor(options: CacheOptions) {
    this.#options = options;
  }

  #cache(): LRUCache<string | number, Cached> {
    this.#lru ??= new LRUCache<string | number, Cached>({
      max: this.#options.maxEntries,
      maxSize: this.#options.maxBytes,
      sizeCalculation: (value, key) =>
        estimateBytes(key) + (value === MISSING ? MISSING_BYTES : estimateBytes(value)),
      ttl: this.#options.ttlMs,
      // Expired entries are dropped when read or evicted, not by timers: no work between invocations.
      ttlAutopurge: false,
      updateAgeOnGet: false,
    });
    return this.#lru;
  }

  get(key: string | number): Cached | undefined {
    return this.#lru?.get(key);
  }

  setFound(key: string | number, item: Item): void {
    this.#cache().set(key, item);
  }

  setMissing(key: string | number): void {
    this.#cache().set(key, MISSING, { ttl: this.#options.negativeTtlMs });
  }

  get size(): number {
    return this.#lru?.size ?? 0;
  }

  /** Estimated bytes of what the cache holds now (never above `maxBytes`). */
  get bytes(): number {
    return this.#lru?.calculatedSize ?? 0;
  }

  clear(): void {
    this.#lru?.clear();
  }
}
