import { LRUCache } from 'lru-cache';
import { DecodeError, SchemaReason } from '../errors.ts';
import { type Codec, compileCodec, type SchemaFormat } from './codecs.ts';
import type { SchemaSource } from './sources.ts';

/** A writer schema's compiled codec, or why records naming it cannot be read. */
export type SchemaEntry = { readonly codec: Codec } | { readonly error: DecodeError };

export interface WriterSchemasOptions {
  /**
   * Writer schemas kept per execution environment (least recently used go first).
   * @default 1000
   * @example maxEntries: 100
   */
  readonly maxEntries?: number;
  /**
   * How long an id the registry does not hold is remembered as missing before it is asked again.
   * @default 60000
   * @example missingTtlMs: 5000
   */
  readonly missingTtlMs?: number;
  /** Registry calls at once while a batch's new ids are fetched. @default 4 */
  readonly concurrency?: number;
}

/**
 * Writer schemas fetched on first sight and compiled once per execution environment, bounded by entries; ids the
 * registry does not hold are remembered for `missingTtlMs`, so a stream of records naming a deleted schema costs
 * one call a minute, not one a record. `calls` counts registry calls (the benchmark's registryCallsPer1000).
 */
export class WriterSchemas {
  calls = 0;
  readonly #source: SchemaSource;
  readonly #format: SchemaFormat;
  readonly #reader: string | undefined;
  readonly #entries: LRUCache<string, SchemaEntry>;
  readonly #missingTtlMs: number;
  readonly #concurrency: number;

  constructor(
    source: SchemaSource,
    format: SchemaFormat,
    reader?: string,
    options: WriterSchemasOptions = {},
  ) {
    this.#source = source;
    this.#format = format;
    this.#reader = reader;
    this.#entries = new LRUCache({ max: options.maxEntries ?? 1000, ttlAutopurge: false });
    this.#missingTtlMs = options.missingTtlMs ?? 60_000;
    this.#concurrency = options.concurrency ?? 4;
  }

  /**
   * The entries of `ids`, fetching the ones not held. The answer is the batch's own map, so an entry evicted
   * while a batch with more ids than `maxEntries` is decoded is still there for it. Throws when the registry
   * cannot answer (the batch is retried).
   */
  async load(ids: Iterable<string>): Promise<Map<string, SchemaEntry>> {
    const batch = new Map<string, SchemaEntry>();
    const missing: string[] = [];
    for (const id of ids) {
      if (batch.has(id)) continue;
      const entry = this.#entries.get(id);
      if (entry === undefined) missing.push(id);
      else batch.set(id, entry);
    }
    for (let i = 0; i < missing.length; i += this.#concurrency) {
      const slice = missing.slice(i, i + this.#concurrency);
      const fetched = await Promise.all(slice.map((id) => this.#fetch(id)));
      for (let j = 0; j < slice.length; j++) batch.set(slice[j] as string, fetched[j] as SchemaEntry);
    }
    return batch;
  }

  async #fetch(id: string): Promise<SchemaEntry> {
    this.calls++;
    const writer = await this.#source.fetch(id);
    let entry: SchemaEntry;
    if (writer === undefined) {
      entry = {
        error: new DecodeError(`names schema ${id}, which the registry does not hold`, {
          reason: SchemaReason.SchemaNotFound,
        }),
      };
      this.#entries.set(id, entry, { ttl: this.#missingTtlMs });
      return entry;
    }
    if (writer.format !== this.#format) {
      entry = {
        error: new DecodeError(`names schema ${id}, a ${writer.format} schema on a ${this.#format} topic`, {
          reason: SchemaReason.DeserializationError,
        }),
      };
    } else {
      try {
        entry = { codec: compileCodec(this.#format, writer.definition, this.#reader) };
      } catch (error) {
        entry = {
          error:
            error instanceof DecodeError
              ? new DecodeError(`schema ${id}: ${error.message}`, {
                  reason: SchemaReason.DeserializationError,
                })
              : new DecodeError(`schema ${id}: ${String(error)}`, {
                  reason: SchemaReason.DeserializationError,
                }),
        };
      }
    }
    this.#entries.set(id, entry);
    return entry;
  }
}
