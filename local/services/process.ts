import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { LaunchPlan } from './service.ts';

/** Starts a server in its own process group, output appended to its log file, not tied to our lifetime. */
export const launchDetached = (plan: LaunchPlan, logFile: string): number => {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(plan.command, [...plan.args], {
      cwd: plan.cwd,
      env: { ...process.env, ...plan.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${plan.command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
};

/** True while the process exists (signal 0 only checks; EPERM means it exists but is not ours). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** True while any process of the group is alive (the JVM may outlive the shell script that started it). */
export const groupAlive = (pgid: number): boolean => pgid > 1 && alive(-pgid);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM (or the server's own stop signal) the whole group, wait for it to exit, SIGKILL what is left after the grace period. */
export const stopGroup = async (
  pgid: number,
  graceMs = 30_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<'stopped' | 'killed' | 'not-running'> => {
  if (!groupAlive(pgid)) return 'not-running';
  process.kill(-pgid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return 'stopped';
    await sleep(100);
  }
  process.kill(-pgid, 'SIGKILL');
  while (groupAlive(pgid)) await sleep(50);
  return 'killed';
};

export const tail = (file: string, lines = 20): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};
