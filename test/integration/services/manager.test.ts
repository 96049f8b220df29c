import { describe, expect, it, vi } from 'vitest';
import { services, up } from '../../../local/services/manager.ts';
import { groupAlive } from '../../../local/services/process.ts';
import { readState } from '../../../local/services/state.ts';
import { startService, statusOf, stopService } from '../../support/servers.ts';

describe('the service manager', () => {
  it('stops a server with its whole process group and brings it back healthy on the same port', async () => {
    // Prepare
    const before = await statusOf('dynamodb');
    expect(before.healthy).toBe(true);
    const pid = before.state!.pid;

    // Act
    const outcome = await stopService('dynamodb');
    const whileStopped = await statusOf('dynamodb');
    const restarted = await startService('dynamodb');

    // Assess
    expect(outcome).toBe('stopped');
    expect(groupAlive(pid)).toBe(false);
    expect(whileStopped.healthy).toBe(false);
    expect(restarted.reused).toBe(false);
    expect(restarted.state.endpoint).toBe(before.state!.endpoint);
    expect((await statusOf('dynamodb')).healthy).toBe(true);
    expect(readState().dynamodb?.pid).toBe(restarted.state.pid);
  });

  it('reuses a healthy server instead of starting a second one', async () => {
    // Act
    const again = await startService('s3');

    // Assess
    expect(again.reused).toBe(true);
    expect(again.state.pid).toBe(readState().s3?.pid);
  });

  it('stops what it started when another server of the same call cannot start, and says why', async () => {
    // Prepare: both down; moto made to look uninstalled (a fault a real install cannot be made to show).
    await stopService('dynamodb');
    await stopService('s3');
    const missing = vi
      .spyOn(services.s3, 'missing')
      .mockReturnValue('moto is not installed: run npm run setup');
    try {
      // Act
      const starting = up(['dynamodb', 's3']);

      // Assess
      await expect(starting).rejects.toThrow('moto is not installed: run npm run setup');
      expect((await statusOf('dynamodb')).healthy).toBe(false);
      const pid = readState().dynamodb?.pid ?? -1;
      expect(pid === -1 || !groupAlive(pid)).toBe(true);
    } finally {
      missing.mockRestore();
      await up(['dynamodb', 's3']);
    }
    expect((await statusOf('dynamodb')).healthy).toBe(true);
    expect((await statusOf('s3')).healthy).toBe(true);
  });
});
