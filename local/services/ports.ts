import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** The ports used last time when they are still free (clients keep their broker list across restarts). */
export const choosePorts = async <K extends string>(
  names: readonly K[],
  previous: Readonly<Record<string, number>> | undefined,
): Promise<Record<K, number>> => {
  const ports = {} as Record<K, number>;
  for (const name of names) {
    const last = previous?.[name];
    ports[name] = last !== undefined && (await isPortFree(last)) ? last : await freePort();
  }
  return ports;
};
