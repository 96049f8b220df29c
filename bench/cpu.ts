import { readdirSync, readFileSync } from 'node:fs';
import { readState } from '../local/services/state.ts';

/** CPU seconds (user + system) used so far by each part of the local pipeline, from /proc (Linux). */
export type CpuByPart = Map<string, number>;

const ticksPerSecond = 100;

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
        const host = cmdline.findIndex((a) => a.endsWith('host.mjs'));
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
