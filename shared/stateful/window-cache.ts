import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Item } from './state-store.ts';

/**
 * The window items one aggregation of this execution environment last wrote, kept across warm invocations so a
 * batch skips reading them. An entry is trusted only while its partition's meta item still carries the token of
 * this environment's last commit there: any other environment's commit (a rebalance, a retry elsewhere) changes
 * the token and drops the partition's entries. A failed write drops them too (what landed is unknown).
 */
export class WindowCache {
  /** Made on first use: an LRUCache allocates its arrays up front, and steps are built at import time. */
  #lru:
    | LRUCache<string, { readonly item: Item; readonly partition: number; readonly generation: number }>
    | undefined;
  readonly #max: number;
  /** Per partition: the token this environment last committed to the meta item. */
  readonly #committed = new Map<number, string>();
  /** Per partition: bumped to forget every entry of the partition at once. */
  readonly #generation = new Map<number, number>();
  readonly #environment = randomUUID();
  #sequence = 0;

  constructor(max: number) {
    this.#max = max;
  }

  #cache() {
    this.#lru ??= new LRUCache({ max: this.#max });
    return this.#lru;
  }

  /** Trusts the partition's entries only if `token` (read from its meta item) is this environment's last commit. */
  validate(partition: number, token: unknown): void {
    if (token === undefined || token !== this.#committed.get(partition)) this.forget(partition);
  }

  forget(partition: number): void {
    this.#committed.delete(partition);
    this.#generation.set(partition, (this.#generation.get(partition) ?? 0) + 1);
  }

  get(id: string, partition: number): Item | undefined {
    const entry = this.#lru?.get(id);
    if (entry === undefined) return undefined;
    return entry.partition === partition && entry.generation === (this.#generation.get(partition) ?? 0)
      ? entry.item
      : undefined;
  }

  set(id: string, partition: number, item: Item): void {
    this.#cache().set(id, { item, partition, generation: this.#generation.get(partition) ?? 0 });
  }

  /** A fresh token for a commit of `partition`: unique to this environment and commit. */
  token(partition: number): string {
    return `${this.#environment}:${partition}:${++this.#sequence}`;
  }

  /** The meta item now carries `token`: the partition's entries stay trusted. */
  committed(partition: number, token: string): void {
    this.#committed.set(partition, token);
  }
}
