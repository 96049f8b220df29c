import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { choosePorts, freePort, isPortFree } from '../../../local/services/ports.ts';

describe('port choice for local servers', () => {
  it('keeps the previous port when it is still free, so clients find a restarted server', async () => {
    // Prepare
    const previous = await freePort();

    // Act
    const ports = await choosePorts(['http'], { http: previous });

    // Assess
    expect(ports.http).toBe(previous);
  });

  it('picks a new free port when the previous one is taken', async () => {
    // Prepare
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;

    // Act
    const ports = await choosePorts(['http'], { http: taken });
    blocker.close();

    // Assess
    expect(ports.http).not.toBe(taken);
    expect(await isPortFree(ports.http)).toBe(true);
  });
});
