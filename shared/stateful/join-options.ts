import { ConfigError } from '../errors.ts';
import type { FlowRecord } from '../record.ts';
import { assertTableRef, isTopicRef, type TableRef, type TopicRef } from '../topology/resources.ts';
import type { JoinSide, JoinType, JoinWindow } from './join-window.ts';
import { type Duration, durationMs } from './window.ts';

/**
 * A stream–stream join, declared on both of its sides: the flow reading the left topic and the flow reading the
 * right one each carry a `join` step with the same `name`, `state`, `within`, `grace` and `type`.
 * @typeParam In - this side's record values
 * @typeParam Other - the other side's record values
 * @typeParam Out - the joined value
 */
export interface JoinOptions<In = unknown, Other = unknown, Out = unknown> {
  /**
   * The join's name, the same on both sides: its state items live under it.
   * @example name: 'verified-reviews'
   */
  name: string;
  /**
   * The state table both sides share (string partition and sort keys); one table may hold several joins.
   * @example state: tables.joinState
   */
  state: TableRef;
  /**
   * Which side this flow's topic is: a left record at `t` joins right records in `[t - before, t + after]`.
   * @example side: 'left'
   */
  side: JoinSide;
  /**
   * The other side's topic (read by the other side's flow).
   * @example other: topics.orders
   */
  other: TopicRef<Other>;
  /**
   * The join key: a value field (dot path), or a function of the value; a string or a number.
   * @default the record's Kafka key
   * @example key: 'customerId'
   */
  key?: string | ((value: In, record: FlowRecord<In>) => unknown);
  /**
   * Whether the topic is partitioned by the join key (its producers key records by it), which the join needs:
   * both sides' records of one key must be in the same partition number.
   * @default true when `key` is the Kafka key, else false (defineTopology then refuses the join)
   * @example topicKeyed: true
   */
  topicKeyed?: boolean;
  /**
   * Event time: a value field (dot path) holding epoch milliseconds or an ISO-8601 text, or `'timestamp'` for the
   * Kafka record timestamp.
   * @default 'timestamp'
   * @example eventTime: 'reviewedAt'
   */
  eventTime?: string;
  /**
   * The join window from the left side's view, as durations (the type `aggregate` takes: text such as `'30d'`,
   * or a number of milliseconds).
   * @example within: { before: '30d', after: 0 }
   */
  within: { before: Duration; after: Duration };
  /**
   * How long after a window ends (in stream time) out-of-order records are still admitted.
   * @example grace: '1h'
   */
  grace: Duration;
  /**
   * inner: pairs only; left: also left records that found no pair, once their window closed; outer: both sides.
   * @default 'inner'
   * @example type: 'left'
   */
  type?: JoinType;
  /**
   * The joined value, from the left and right values (null for an unmatched side) and the key.
   * @default (left, right) => ({ left, right })
   * @example as: (review, order) => ({ ...review, orderId: order?.orderId ?? null })
   */
  as?: (left: unknown, right: unknown, key: string) => Out;
  /**
   * Event times further ahead of the clock than this are refused (dead-lettered): one would move stream time
   * and make every other record late.
   * @default '1d'
   * @example maxFuture: '1h'
   */
  maxFuture?: Duration;
  /**
   * How long state items live after they are written (DynamoDB TTL, plus a read-time filter); whole seconds
   * are kept (TTL's unit).
   * @default '7d' (Kafka's default retention)
   * @example stateTtl: '40d'
   */
  stateTtl?: Duration;
  /**
   * Conditional writes (claims) in flight at once.
   * @default 16
   * @example concurrency: 8
   */
  concurrency?: number;
}

/** The join as data: what defineTopology checks (co-partitioning) and the runtime uses. */
export interface JoinDescription {
  readonly name: string;
  readonly side: JoinSide;
  readonly state: TableRef;
  readonly other: TopicRef;
  readonly window: JoinWindow;
  readonly type: JoinType;
  /** `maxFuture` in milliseconds. */
  readonly maxFutureMs: number;
  /** `stateTtl` in whole seconds (at least 1). */
  readonly stateTtlSeconds: number;
  readonly topicKeyed: boolean;
  /** The key field, when the key is one ('record key' for the Kafka key, 'function' for a function). */
  readonly keyedBy: string;
}

const KNOWN = new Set([
  'name',
  'state',
  'side',
  'other',
  'key',
  'topicKeyed',
  'eventTime',
  'within',
  'grace',
  'type',
  'as',
  'maxFuture',
  'stateTtl',
  'concurrency',
]);

const positiveInt = (value: unknown, fallback: number, path: string): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new ConfigError(path, 'must be a whole number ≥ 1');
  return value;
};

/** The join's name, checked when the step is made (its state items and grant are named by it). */
export const checkJoinName = (options: JoinOptions): string => {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('join', 'needs options: { name, state, side, other, within, grace }');
  const name = options.name;
  if (typeof name !== 'string' || !/^[a-zA-Z0-9._-]{1,100}$/.test(name))
    throw new ConfigError('join.name', 'must be 1-100 of a-z A-Z 0-9 . _ -');
  return name;
};

/**
 * Checks a join's options at load time; every mistake is a ConfigError naming `<at>.<field>`: `defineFlow` passes
 * the step's place (`flows.<flow>.steps[i]`), a join used outside a flow is `join(<name>)`.
 */
export const checkJoinOptions = (
  options: JoinOptions,
  at = `join(${checkJoinName(options)})`,
): JoinDescription => {
  const name = checkJoinName(options);
  for (const key of Object.keys(options))
    if (!KNOWN.has(key)) throw new ConfigError(`${at}.${key}`, 'unknown key');
  const state = assertTableRef(options.state, `${at}.state`);
  if (state.partitionKey.type !== 'string' || state.sortKey?.type !== 'string')
    throw new ConfigError(
      `${at}.state`,
      `table "${state.name}" needs a string partition key and a string sort key`,
    );
  if (options.side !== 'left' && options.side !== 'right')
    throw new ConfigError(`${at}.side`, "must be 'left' or 'right'");
  if (!isTopicRef(options.other))
    throw new ConfigError(`${at}.other`, 'must be a topic declared with defineTopics');
  const key = options.key;
  if (key !== undefined && typeof key !== 'function' && (typeof key !== 'string' || key.length === 0))
    throw new ConfigError(`${at}.key`, 'must be a value field (dot path) or a function');
  if (options.topicKeyed !== undefined && typeof options.topicKeyed !== 'boolean')
    throw new ConfigError(`${at}.topicKeyed`, 'must be true or false');
  if (
    options.eventTime !== undefined &&
    (typeof options.eventTime !== 'string' || options.eventTime.length === 0)
  )
    throw new ConfigError(`${at}.eventTime`, "must be a value field (dot path) or 'timestamp'");
  const within = options.within as unknown;
  if (typeof within !== 'object' || within === null)
    throw new ConfigError(
      `${at}.within`,
      "must be { before, after }: durations such as '30d' or milliseconds",
    );
  for (const k of Object.keys(within))
    if (k !== 'before' && k !== 'after') throw new ConfigError(`${at}.within.${k}`, 'unknown key');
  const beforeMs = durationMs((within as { before?: unknown }).before, `${at}.within.before`);
  const afterMs = durationMs((within as { after?: unknown }).after, `${at}.within.after`);
  const graceMs = durationMs(options.grace, `${at}.grace`);
  const type = options.type ?? 'inner';
  if (type !== 'inner' && type !== 'left' && type !== 'outer')
    throw new ConfigError(`${at}.type`, "must be 'inner', 'left' or 'outer'");
  if (options.as !== undefined && typeof options.as !== 'function')
    throw new ConfigError(`${at}.as`, 'must be a function (left, right, key) => value');
  const maxFutureMs = durationMs(options.maxFuture ?? '1d', `${at}.maxFuture`);
  const stateTtlSeconds = Math.floor(durationMs(options.stateTtl ?? '7d', `${at}.stateTtl`) / 1000);
  if (stateTtlSeconds < 1) throw new ConfigError(`${at}.stateTtl`, 'must be at least 1 s');
  positiveInt(options.concurrency, 1, `${at}.concurrency`);
  return Object.freeze({
    name,
    side: options.side,
    state,
    other: options.other,
    window: Object.freeze({ beforeMs, afterMs, graceMs }),
    type,
    maxFutureMs,
    stateTtlSeconds,
    topicKeyed: options.topicKeyed ?? key === undefined,
    keyedBy: key === undefined ? 'record key' : typeof key === 'function' ? 'function' : key,
  });
};
