import { readdirSync, readFileSync } from 'node:fs';
import { localDir } from '../local/services/paths.ts';
import { readState } from '../local/services/state.ts';

/** CPU seconds (user + system) used so far by each part of the local pipeline, from /proc (Linux). */
export type CpuByPart = Map<string, number>;

const ticksPerSecond = 100;

/**
 * The position of `host.mjs` in an execution environment's command line when it runs a bundle of this checkout
 * (its first argument), else -1: other checkouts on the machine run environments of the same flows.
 */
const ourHost = (cmdline: readonly string[]): number => {
  const host = cmdline.findIndex((a) => a.endsWith('host.mjs'));
  return host >= 0 && cmdline[host + 1]?.startsWith(`${localDir}/`) ? host : -1;
};

export const cpuByPart = (): CpuByPart => {
  const state = readState();
  const groups = new Map<number, string>();
  for (const name of ['kafka', 'dynamodb', 'opensearch', 's3'] as const) {
    const pid = state[name]?.pid;
    if (pid && pid > 1) groups.set(pid, `server:${name}`);
  }
  const parts: CpuByPart = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgrp = Number(fields[2]);
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      let part = groups.get(pgrp);
      if (!part) {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        const host = ourHost(cmdline);
        if (host >= 0) part = `function:${cmdline[host + 2]}`;
        else if (Number(entry) === process.pid) part = 'runner (emulator + bench)';
      }
      if (part) parts.set(part, (parts.get(part) ?? 0) + seconds);
    } catch {
      // The process ended while we looked.
    }
  }
  return parts;
};

/** CPU seconds each part used between two readings, largest first. */
export const cpuBetween = (before: CpuByPart, after: CpuByPart): [string, number][] =>
  [...after]
    .map(([part, s]): [string, number] => [part, Math.round((s - (before.get(part) ?? 0)) * 10) / 10])
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1]);

/** One execution environment's CPU by thread kind and its peak resident memory, from /proc/<pid>/task (Linux). */
export interface EnvironmentReading {
  readonly pid: number;
  readonly flow: string;
  /** The JavaScript thread: what a CPU profile samples. */
  readonly mainSeconds: number;
  /** libuv's thread pool: zlib (the producer's gzip runs there), fs, dns. */
  readonly threadPoolSeconds: number;
  /** V8's helper threads: concurrent and parallel garbage collection, background compilation. */
  readonly v8HelperSeconds: number;
  /** V8's CPU profiler's thread (`v8:ProfEvntProc`): the benchmark's own cost, not the function's. */
  readonly profilerSeconds: number;
  readonly otherSeconds: number;
  /** VmHWM: the most resident memory the process ever had, MiB. */
  readonly peakRssMb: number;
}

const threadSeconds = (path: string): number => {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
};

/** Every local execution environment (a `host.mjs` process) now, by pid. */
export const environments = (): Map<number, EnvironmentReading> => {
  const found = new Map<number, EnvironmentReading>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const host = ourHost(cmdline);
      if (host < 0) continue;
      const reading = {
        pid: Number(entry),
        flow: cmdline[host + 2] ?? '?',
        mainSeconds: 0,
        threadPoolSeconds: 0,
        v8HelperSeconds: 0,
        profilerSeconds: 0,
        otherSeconds: 0,
      };
      for (const tid of readdirSync(`/proc/${entry}/task`)) {
        const seconds = threadSeconds(`/proc/${entry}/task/${tid}/stat`);
        const name = readFileSync(`/proc/${entry}/task/${tid}/comm`, 'utf8').trim();
        if (tid === entry) reading.mainSeconds += seconds;
        else if (name === 'libuv-worker') reading.threadPoolSeconds += seconds;
        else if (name === 'V8Worker') reading.v8HelperSeconds += seconds;
        else if (name === 'v8:ProfEvntProc') reading.profilerSeconds += seconds;
        else reading.otherSeconds += seconds;
      }
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      found.set(reading.pid, { ...reading, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
};
