import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the endpoint received it. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** When the request's body had fully arrived (ms since the epoch). */
  readonly at: number;
}

/** What the endpoint answers a request with; `delayMs` holds the answer back (in flight meanwhile). */
export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the endpoint closes). */
  readonly hang?: boolean;
}

/**
 * A real HTTP server on loopback, inside the test: it records every request and answers what `answer` says (by
 * default 200). Tracks how many requests were in flight at once.
 */
export const httpEndpoint = async (
  answer: (request: Received, index: number) => Answer = () => ({ status: 200 }),
) => {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
      hanging.delete(res);
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(request);
      const reply = answer(request, received.length - 1);
      if (reply.hang) {
        hanging.add(res);
        return;
      }
      setTimeout(() => {
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    maxInFlight: () => maxInFlight,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** NDJSON or JSON request bodies as values. */
export const bodiesOf = (request: Received): unknown[] =>
  request.headers['content-type'] === 'application/x-ndjson'
    ? request.body
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line))
    : [JSON.parse(request.body)];
