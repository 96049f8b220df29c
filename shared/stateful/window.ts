import { ConfigError } from '../errors.ts';

/**
 * A length of time: milliseconds, or text with one unit (`ms`, `s`, `m`, `h`, `d`).
 * @example '1h'
 * @example 90_000
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,15})(ms|s|m|h|d)$/;

/** A duration in milliseconds, or a ConfigError at `path`: a non-negative integer number of milliseconds. */
export const durationMs = (value: unknown, path: string): number => {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (match) ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  if (ms === undefined || !Number.isSafeInteger(ms) || ms < 0)
    throw new ConfigError(
      path,
      `must be a duration: whole milliseconds ≥ 0 or text such as '10m' (got ${JSON.stringify(value)})`,
    );
  return ms;
};

/**
 * A time window as declared: sizes as written, checked when the flow is defined (`resolveWindow`), so a mistake
 * names the flow and the field.
 */
export type WindowSpec = TimeWindowSpec | SessionSpec;
/** Fixed-size windows as declared: `tumbling(size)` or `hopping(size, advance)`. */
export type TimeWindowSpec =
  | { readonly type: 'tumbling'; readonly size: Duration }
  | { readonly type: 'hopping'; readonly size: Duration; readonly advance: Duration };
/** Session windows as declared: `session(gap)`. */
export type SessionSpec = { readonly type: 'session'; readonly gap: Duration };

/**
 * A checked time window, as Kafka Streams' `TimeWindows` defines it: windows are `[start, start + size)`, starts
 * aligned to the epoch at multiples of `advanceMs`. Tumbling: `advanceMs === sizeMs`.
 */
export interface WindowDef {
  readonly type: 'tumbling' | 'hopping';
  readonly sizeMs: number;
  readonly advanceMs: number;
}

/**
 * Checked session windows, as Kafka Streams' `SessionWindows` defines them: a key's records closer than `gapMs`
 * to each other form one session `[first, last]` (both inclusive). See `session-plan.ts`.
 */
export interface SessionDef {
  readonly type: 'session';
  readonly gapMs: number;
}

/** One window a record falls in. */
export interface WindowBounds {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/**
 * Fixed-size, non-overlapping windows aligned to the epoch: every record falls in exactly one.
 * @example tumbling('1h')
 */
export const tumbling = (size: Duration): TimeWindowSpec => Object.freeze({ type: 'tumbling', size });

/**
 * Fixed-size windows that start every `advance`: a record falls in `size / advance` of them (rounded up).
 * `advance` must not exceed `size` (Kafka Streams' rule: larger would leave gaps no window covers).
 * @example hopping('1h', '15m')
 */
export const hopping = (size: Duration, advance: Duration): TimeWindowSpec =>
  Object.freeze({ type: 'hopping', size, advance });

/**
 * Sessions of activity: a key's records less than `gap` apart (inclusive) fall in one session, which grows
 * (and merges with the key's other sessions a record bridges) until stream time passes its last record + gap +
 * grace. `gap` must be longer than 0 ms.
 * @example session('30m')
 */
export const session = (gap: Duration): SessionSpec => Object.freeze({ type: 'session', gap });

/** The window in milliseconds, or a ConfigError whose path starts at `path` (the step's `window`). */
export function resolveWindow(spec: TimeWindowSpec, path: string): WindowDef;
export function resolveWindow(spec: WindowSpec, path: string): WindowDef | SessionDef;
export function resolveWindow(spec: WindowSpec, path: string): WindowDef | SessionDef {
  if (
    typeof spec !== 'object' ||
    spec === null ||
    (spec.type !== 'tumbling' && spec.type !== 'hopping' && spec.type !== 'session')
  )
    throw new ConfigError(
      path,
      "must be tumbling(size), hopping(size, advance) or session(gap) from 'shared/stateful'",
    );
  if (spec.type === 'session')
    return Object.freeze({
      type: 'session',
      gapMs: positive(durationMs(spec.gap, `${path}.gap`), `${path}.gap`),
    });
  const sizeMs = positive(durationMs(spec.size, `${path}.size`), `${path}.size`);
  if (spec.type === 'tumbling') return Object.freeze({ type: 'tumbling', sizeMs, advanceMs: sizeMs });
  const advanceMs = positive(durationMs(spec.advance, `${path}.advance`), `${path}.advance`);
  if (advanceMs > sizeMs)
    throw new ConfigError(`${path}.advance`, `must not exceed the size (${advanceMs} ms > ${sizeMs} ms)`);
  return Object.freeze({ type: 'hopping', sizeMs, advanceMs });
}

const positive = (ms: number, path: string): number => {
  if (ms <= 0) throw new ConfigError(path, 'must be longer than 0 ms');
  return ms;
};

/**
 * The windows an event time falls in, oldest first: Kafka Streams' `TimeWindows.windowsFor`, starts from
 * `max(0, t - size + advance)` rounded down to the advance, up to `t`. No window starts before the epoch.
 */
export const windowsFor = (def: WindowDef, time: number): WindowBounds[] => {
  const { sizeMs, advanceMs } = def;
  const windows: WindowBounds[] = [];
  let start = Math.floor(Math.max(0, time - sizeMs + advanceMs) / advanceMs) * advanceMs;
  for (; start <= time; start += advanceMs) windows.push({ start, end: start + sizeMs });
  return windows;
};

/**
 * Stream time and closing, as Kafka Streams' windowed aggregation with `suppress(untilWindowCloses)` does it:
 * a window takes records while `end > streamTime - grace` and is emitted once `end <= streamTime - grace`.
 */
export const isClosed = (end: number, streamTime: number, graceMs: number): boolean =>
  end <= streamTime - graceMs;
