import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a process group in MiB, summed over its members (from /proc, Linux only). */
export const groupRssMiB = (pgid: number): number | undefined => {
  if (pgid <= 1) return undefined;
  let kib = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name; pgrp is the 3rd of those.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      kib += Number(rss?.[1] ?? 0);
      found = true;
    } catch {
      // The process ended while we looked.
    }
  }
  return found ? Math.round(kib / 1024) : undefined;
};
