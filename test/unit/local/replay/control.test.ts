import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvokeServer } from '../../../../local/lambda/invoke-server.ts';
import { type Controllable, controlRoutes } from '../../../../local/runner/control.ts';
import { pipelineReplayer } from '../../../../local/tools/replay/cli.ts';
import type { ReplayPosition } from '../../../../local/tools/replay/position.ts';

/** A fake pipeline: records what it was asked to replay. */
const asked: [string, ReplayPosition][] = [];
const fakePipeline: Controllable = {
  flowNames: ['lake-sink'],
  replay: async (flow, position) => {
    asked.push([flow, position]);
    return { flow, topic: 'reviews.enriched', group: 'sluice-lake-sink', moves: [] };
  },
};
const server = createInvokeServer(new Map(), controlRoutes(fakePipeline));
let endpoint = '';

describe("the running pipeline's control route next to the Invoke API", () => {
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
  });

  it('hands the replay tool’s position to the pipeline and answers what moved', async () => {
    const replay = pipelineReplayer(endpoint);
    const outcome = await replay(
      { name: 'lake-sink', topic: 'reviews.enriched', group: 'sluice-lake-sink' },
      { kind: 'offsets', file: 'o.json', offsets: new Map([[2, 5]]) },
    );
    expect(outcome.group).toBe('sluice-lake-sink');
    expect(asked).toEqual([['lake-sink', { kind: 'offsets', file: 'o.json', offsets: new Map([[2, 5]]) }]]);
  });

  it('refuses an unknown flow (404) and a malformed position (400), replaying nothing', async () => {
    asked.length = 0;
    const unknown = await fetch(`${endpoint}/sluice/replay/nope`, {
      method: 'POST',
      body: '{"kind":"earliest"}',
    });
    const malformed = await fetch(`${endpoint}/sluice/replay/lake-sink`, {
      method: 'POST',
      body: '{"kind":"offsets","offsets":{"0":-4}}',
    });
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toContain('["0"]');
    expect(asked).toEqual([]);
  });

  it('leaves the Invoke API as it was', async () => {
    const response = await fetch(`${endpoint}/2015-03-31/functions/lake-sink/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });
});
