/**
 * Where an execution environment's JavaScript thread spends its time, by stage, from a V8 CPU profile
 * (`--cpu-prof`, written when the environment exits) cut to a time window. Frames of the function's bundle are
 * mapped back to their source files through the bundle's source map; a sample belongs to the stage of the
 * innermost frame that names one, so `JSON.parse` called by the decoder is decode, zlib called by kafkajs is
 * compression, and a host frame under the Logger (the host's stdout hook) is logging. The host's `parseEvent`
 * (the event's JSON.parse, which the Lambda runtime does too) is eventParse; the rest of the host is hostPlumbing.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

export const stages = [
  'eventParse',
  'decode',
  'steps',
  'encode',
  'producer',
  'compression',
  'loggingMetrics',
  'batchRuntime',
  'gc',
  'hostPlumbing',
  'other',
] as const;
export type Stage = (typeof stages)[number];

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The stage of a source file of the bundle (a path as the source map names it). */
export const stageOfSource = (source: string): Stage => {
  if (
    /kafkajs\/src\/protocol\/message\/compression|node_modules\/(lz4|snappy|@mongodb-js\/zstd)/.test(source)
  )
    return 'compression';
  if (/node_modules\/(kafkajs|@platformatic\/kafka)\/|shared\/clients\/kafka/.test(source)) return 'producer';
  if (/shared\/decode\//.test(source)) return 'decode';
  if (/shared\/outputs\/(encode|lineage|topic-writer|send-plan)\.ts/.test(source)) return 'encode';
  if (
    /node_modules\/@aws-lambda-powertools\/|node_modules\/@middy\/|shared\/(handler\/emit-metrics|metrics)\.ts/.test(
      source,
    )
  )
    return 'loggingMetrics';
  if (
    /shared\/(steps|cleanse|enrich|filter)\/|shared\/zod\.ts|functions\/|node_modules\/(zod|libphonenumber-js|i18n-iso-countries|lru-cache)\//.test(
      source,
    )
  )
    return 'steps';
  if (/shared\//.test(source)) return 'batchRuntime';
  return 'other';
};

/**
 * Sample counts per stage within [fromMicros, toMicros] (the monotonic clock `process.hrtime` reads, which is the
 * profile's), `(idle)` left out. `bundlePath` is the bundle the profile's environment ran, with its `.map` beside it.
 */
export const stageSamples = (
  profilePath: string,
  bundlePath: string,
  fromMicros: number,
  toMicros: number,
): Record<Stage, number> => {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')));
  const bundleUrl = new URL(`file://${bundlePath}`).href;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  /** A frame's own verdict: a stage, or what it tells a walk to its root. */
  const frameKind = (f: CallFrame): Stage | 'host' | 'zlib' | 'ipc' | 'idle' | 'root' | undefined => {
    if (f.url === '') {
      if (f.functionName === '(garbage collector)') return 'gc';
      if (f.functionName === '(idle)') return 'idle';
      if (f.functionName === '(program)') return 'other';
      if (f.functionName === '(root)') return 'root';
      return undefined;
    }
    if (f.url.endsWith('host.mjs')) return f.functionName === 'parseEvent' ? 'eventParse' : 'host';
    if (f.url === bundleUrl) {
      const entry = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string };
      return entry.originalSource ? stageOfSource(entry.originalSource) : 'other';
    }
    if (f.url.startsWith('node:zlib')) return 'zlib';
    if (f.url.startsWith('node:internal/child_process')) return 'ipc';
    return undefined;
  };

  const verdicts = new Map<number, Stage | 'idle'>();
  const verdict = (leaf: number): Stage | 'idle' => {
    const known = verdicts.get(leaf);
    if (known) return known;
    let host = false;
    let internal: 'zlib' | 'ipc' | undefined;
    let result: Stage | 'idle' | undefined;
    for (let id: number | undefined = leaf; id !== undefined && !result; id = parent.get(id)) {
      const frame = (byId.get(id) as ProfileNode).callFrame;
      const kind = frameKind(frame);
      if (kind === 'host') host = true;
      else if (kind === 'zlib' || kind === 'ipc') internal ??= kind;
      else if (kind !== undefined && kind !== 'root') result = kind;
    }
    // No frame of the bundle: the host's own work.
    result ??= host || internal === 'ipc' ? 'hostPlumbing' : internal ? 'compression' : 'other';
    verdicts.set(leaf, result);
    return result;
  };

  const counts = Object.fromEntries(stages.map((s) => [s, 0])) as Record<Stage, number>;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromMicros || t > toMicros) continue;
    const stage = verdict(profile.samples[i] as number);
    if (stage !== 'idle') counts[stage]++;
  }
  return counts;
};
