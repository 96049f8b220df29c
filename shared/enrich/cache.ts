import { LRUCache } from 'lru-cache';

/** A looked-up item, frozen: the same object is shared by every record (and batch) that joins with it. */
export type Item = Readonly<Record<string, unknown>>;

/** Cached knowledge that a key is absent from the table (negative caching). */
export const MISSING: unique symbol = Symbol('missing');
export type Cached = Item | typeof MISSING;

export interface CacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
}

/**
 * The lookup cache of one enrich step. The step lives at module scope (flows are declared at import time), so the
 * cache survives warm invocations of the execution environment. Entries expire by TTL so reference-data changes
 * arrive within `ttlMs` (and new keys within `negativeTtlMs`); the LRU bound caps memory.
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

  clear(): void {
    this.#lru?.clear();
  }
}
