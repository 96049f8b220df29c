import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { localDir } from './paths.ts';
import { alive } from './process.ts';

/**
 * Runs `work` holding an exclusive lock on one server across processes (a test run, `npm start` and a fault test
 * may all start Kafka at the same moment). A lock whose holder died is taken over.
 */
export const withServiceLock = async <T>(
  name: string,
  work: () => Promise<T>,
  timeoutMs = 180_000,
): Promise<T> => {
  const dir = join(localDir, 'locks');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim() || 0);
      if (holder > 0 && holder !== process.pid && !alive(holder)) {
        unlinkSync(file);
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`${name}: still locked by process ${holder} after ${timeoutMs / 1000}s (${file})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await work();
  } finally {
    unlinkSync(file);
  }
};
