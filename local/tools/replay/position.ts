import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../shared/errors.ts';

/** Where a replay moves a flow's consumer group to. */
export type ReplayPosition =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  /** The first record at or after this time (epoch ms), per partition; the end where there is none. */
  | { readonly kind: 'time'; readonly timestamp: number }
  /** Chosen offsets for some partitions (`{ "<partition>": <offset> }`); the others stay where they are. */
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, number>; readonly file: string };

const isoTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Parses an offsets file's text: a JSON object of partition → offset, each a non-negative integer. */
export const parseOffsets = (file: string, text: string): ReadonlyMap<number, number> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, `not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(file, 'expected an object { "<partition>": <offset> }');
  const offsets = new Map<number, number>();
  for (const [partition, offset] of Object.entries(parsed)) {
    if (!/^(0|[1-9]\d{0,5})$/.test(partition))
      throw new ConfigError(`${file}["${partition}"]`, 'a partition is a non-negative integer');
    if (!Number.isSafeInteger(offset) || (offset as number) < 0)
      throw new ConfigError(
        `${file}["${partition}"]`,
        `expected an offset ≥ 0, got ${JSON.stringify(offset)}`,
      );
    offsets.set(Number(partition), offset as number);
  }
  if (offsets.size === 0) throw new ConfigError(file, 'names no partition');
  return offsets;
};

/** `--from`: earliest, latest, an ISO 8601 time, or a path to an offsets JSON file. */
export const parsePosition = (
  from: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ReplayPosition => {
  if (from === 'earliest' || from === 'latest') return { kind: from };
  if (isoTime.test(from)) {
    const timestamp = Date.parse(from);
    if (Number.isNaN(timestamp)) throw new ConfigError(`--from ${from}`, 'not a valid time');
    return { kind: 'time', timestamp };
  }
  if (from.endsWith('.json')) {
    let text: string;
    try {
      text = readFile(from);
    } catch (error) {
      throw new ConfigError(`--from ${from}`, `cannot read it (${(error as NodeJS.ErrnoException).code})`);
    }
    return { kind: 'offsets', offsets: parseOffsets(from, text), file: from };
  }
  throw new ConfigError(
    `--from ${from}`,
    'expected earliest, latest, an ISO time (2026-11-30T12:00:00Z) or an offsets file (*.json)',
  );
};

/** The position as JSON for the running pipeline's control endpoint (maps are not JSON). */
export const positionToJson = (position: ReplayPosition): unknown =>
  position.kind === 'offsets'
    ? { kind: 'offsets', file: position.file, offsets: Object.fromEntries(position.offsets) }
    : position;

/** The inverse of positionToJson, checked again: the endpoint trusts nothing it is sent. */
export const positionFromJson = (json: unknown): ReplayPosition => {
  const body = (json ?? {}) as { kind?: unknown; timestamp?: unknown; offsets?: unknown; file?: unknown };
  switch (body.kind) {
    case 'earliest':
    case 'latest':
      return { kind: body.kind };
    case 'time':
      if (typeof body.timestamp === 'number' && Number.isFinite(body.timestamp))
        return { kind: 'time', timestamp: body.timestamp };
      break;
    case 'offsets': {
      const file = typeof body.file === 'string' ? body.file : 'offsets';
      return { kind: 'offsets', file, offsets: parseOffsets(file, JSON.stringify(body.offsets ?? null)) };
    }
  }
  throw new ConfigError('from', `not a replay position: ${JSON.stringify(json)}`);
};

export const describePosition = (position: ReplayPosition): string => {
  switch (position.kind) {
    case 'earliest':
    case 'latest':
      return position.kind;
    case 'time':
      return new Date(position.timestamp).toISOString();
    case 'offsets':
      return position.file;
  }
};
