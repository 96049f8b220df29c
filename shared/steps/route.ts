import { StepError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import type { TopicRef } from '../topology/resources.ts';
import { DROP, perRecordStep } from './per-record.ts';
import type { Loose, Step } from './step.ts';

/**
 * Options of the `route` step.
 * @typeParam V - the value type `select` receives
 */
export interface RouteOptions<V = Loose> {
  /**
   * The step's name in metrics, dead letters and the graph.
   * @default 'route'
   * @example name: 'by-rating'
   */
  readonly name?: string;
  /**
   * Every topic `select` may return; each must be one of the flow's topic outputs (checked at load time).
   * @example to: [topics.reviewsAlerts, topics.reviewsEnriched]
   */
  readonly to: readonly TopicRef[];
  /**
   * The topic this record goes to, or null/undefined to drop it.
   * @example select: (value) => (value.rating <= 2 ? topics.reviewsAlerts : topics.reviewsEnriched)
   */
  readonly select: (value: V, record: FlowRecord<V>) => TopicRef | null | undefined;
}

/**
 * Picks the topic output for each record by content. A routed record goes to that one topic output (and to every
 * non-topic output whose `when` matches); returning a topic not listed in `to` dead-letters the record.
 * @typeParam V - the value type, passed on unchanged
 * @example route({ to: [topics.alerts, topics.rest], select: (review) => (review.rating <= 2 ? topics.alerts : topics.rest) })
 */
export const route = <V = Loose>(options: RouteOptions<V>): Step<V, V> => {
  const allowed = new Set(options.to.map((t) => t.name));
  const name = options.name ?? 'route';
  // Decoded JSON at run time; `V` is the flow's claim about it.
  const select = options.select as (value: unknown, record: FlowRecord) => TopicRef | null | undefined;
  return perRecordStep(
    'route',
    name,
    (record) => {
      const target = select(record.value, record);
      if (target == null) return DROP;
      if (!allowed.has(target.name)) {
        throw new StepError(`route selected topic "${target.name}", which is not in its \`to\` list`);
      }
      return { ...record, route: target.name };
    },
    { routesTo: Object.freeze([...options.to]) },
  );
};
