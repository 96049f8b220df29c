import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withServiceLock } from '../../../local/services/lock.ts';
import { localDir } from '../../../local/services/paths.ts';

describe('the per-server lock', () => {
  it('lets one start or stop of a server run at a time', async () => {
    // Prepare
    const events: string[] = [];
    const work = (id: string) => async () => {
      events.push(`${id} in`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`${id} out`);
    };

    // Act
    await Promise.all([withServiceLock('unit-lock', work('a')), withServiceLock('unit-lock', work('b'))]);

    // Assess
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('takes over a lock left behind by a process that died', async () => {
    // Prepare: a pid that cannot be alive.
    mkdirSync(join(localDir, 'locks'), { recursive: true });
    writeFileSync(join(localDir, 'locks', 'unit-stale.lock'), '2147483646');

    // Act
    const result = await withServiceLock('unit-stale', async () => 'ran', 2_000);

    // Assess
    expect(result).toBe('ran');
  });
});
