import type { Delivery, InputRecord } from '../../../support/stateful/contract.ts';

/** How the model may be broken on purpose, to show that the property tests catch it. */
export interface Breakage {
  /** Replayed records are processed again (no fence by partition and offset). */
  readonly unfenced?: boolean;
  /** Windows and join stores take no grace. */
  readonly noGrace?: boolean;
}

/**
 * Runs deliveries the way a stateful step must, exactly-once in effect: a record is processed once, fenced by
 * its (side, partition) and offset; what it emits waits in an outbox until a delivery's outputs succeed (a
 * `failAfterState` delivery kept its state writes but lost its outputs, so the next delivery sends them).
 */
export const runDeliveries = <Out>(
  deliveries: readonly Delivery[],
  process: (record: InputRecord) => { readonly out: readonly Out[]; readonly late: boolean },
  breakage: Breakage = {},
): { readonly emitted: Out[]; readonly late: string[] } => {
  const fence = new Map<string, number>();
  const outbox: Out[] = [];
  const emitted: Out[] = [];
  const late: string[] = [];
  for (const delivery of deliveries) {
    for (const record of delivery.records) {
      const stream = `${record.side ?? ''}/${record.partition}`;
      if (!breakage.unfenced && record.offset <= (fence.get(stream) ?? -1)) continue;
      fence.set(stream, record.offset);
      const result = process(record);
      outbox.push(...result.out);
      if (result.late) late.push(record.id);
    }
    if (!delivery.failAfterState) emitted.push(...outbox.splice(0));
  }
  return { emitted, late: [...new Set(late)] };
};
