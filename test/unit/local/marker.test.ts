import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markedProcesses, markerEnv, stopMarked } from '../../../local/services/marker.ts';
import { localDir, projectRoot } from '../../../local/services/paths.ts';
import { groupAlive, launchDetached } from '../../../local/services/process.ts';

// `sleep` stands in for a server: what is under test is finding and stopping processes by their marker.
const SERVER = 'unit-marker-sleeper';
const launched: number[] = [];
const sleeper = (env: Record<string, string>): number => {
  mkdirSync(localDir, { recursive: true });
  const pid = launchDetached({ command: 'sleep', args: ['120'], env }, join(localDir, 'unit-marker.log'));
  launched.push(pid);
  return pid;
};

afterEach(() => {
  for (const pid of launched.splice(0)) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
});

describe('servers found by their checkout marker', () => {
  it('finds the processes launched as a server of this checkout, with their process group', () => {
    // Prepare
    const ours = sleeper(markerEnv(SERVER));
    const otherServer = sleeper(markerEnv(`${SERVER}-2`));
    // Act
    const found = markedProcesses(SERVER);
    // Assess
    expect(found).toEqual([{ pid: ours, pgid: ours, server: SERVER }]);
    expect(markedProcesses().map((p) => p.pid)).toEqual(expect.arrayContaining([ours, otherServer]));
  });

  it('stops this checkout’s server and never another checkout’s, even one of the same name at a prefix path', async () => {
    // Prepare: another checkout whose path starts with ours
    const ours = sleeper(markerEnv(SERVER));
    const theirs = sleeper(markerEnv(SERVER, `${projectRoot.replace(/\/$/, '')}-other/`));
    const unmarked = sleeper({});
    // Act
    const outcomes = await stopMarked(SERVER);
    // Assess
    expect(outcomes).toEqual(['stopped']);
    expect(groupAlive(ours)).toBe(false);
    expect(groupAlive(theirs)).toBe(true);
    expect(groupAlive(unmarked)).toBe(true);
  });
});
