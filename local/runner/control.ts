import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '../../shared/errors.ts';
import type { PartitionMove } from '../tools/replay/move-group.ts';
import { positionFromJson, type ReplayPosition } from '../tools/replay/position.ts';

/** What the control endpoint asks of the running pipeline. */
export interface Controllable {
  readonly flowNames: readonly string[];
  /** Stops the flow's mapping, moves its consumer group, starts the mapping again. */
  replay(flow: string, position: ReplayPosition): Promise<ReplayOutcome>;
}

export interface ReplayOutcome {
  readonly flow: string;
  readonly topic: string;
  readonly group: string;
  readonly moves: PartitionMove[];
}

/** Sluice's own routes next to the Invoke API; AWS's paths all start with a date, so they cannot collide. */
export const controlPrefix = '/sluice/';

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

const readJson = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
};

/**
 * The running pipeline's control endpoint, for `npm run replay` (its mappings live in the `npm start` process):
 * `GET /sluice/flows` lists the flows; `POST /sluice/replay/<flow>` with a position replays one flow.
 * Answers true when the request was one of these.
 */
export const controlRoutes =
  (pipeline: Controllable) =>
  async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = request.url?.split('?')[0] ?? '';
    if (!path.startsWith(controlPrefix)) return false;
    if (request.method === 'GET' && path === '/sluice/flows') {
      json(response, 200, { flows: pipeline.flowNames });
      return true;
    }
    const replay = /^\/sluice\/replay\/([^/]+)$/.exec(path);
    if (request.method !== 'POST' || !replay) {
      json(response, 404, { message: `unknown control request ${request.method} ${path}` });
      return true;
    }
    const flow = decodeURIComponent(replay[1] as string);
    if (!pipeline.flowNames.includes(flow)) {
      json(response, 404, { message: `no flow named ${flow}; flows: ${pipeline.flowNames.join(', ')}` });
      return true;
    }
    try {
      const position = positionFromJson(await readJson(request));
      json(response, 200, await pipeline.replay(flow, position));
    } catch (error) {
      json(response, error instanceof ConfigError || error instanceof SyntaxError ? 400 : 500, {
        message: (error as Error).message,
      });
    }
    return true;
  };
