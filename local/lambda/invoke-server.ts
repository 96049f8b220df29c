import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { InvocationResult } from './pool.ts';

export interface InvokeTarget {
  invoke(event: unknown): Promise<InvocationResult>;
}

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** The Invoke API returns the last 4 KB of the log with LogType=Tail. */
const tailBytes = 4096;

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const sendError = (response: ServerResponse, status: number, type: string, message: string) => {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  response.end(JSON.stringify({ Type: 'User', message }));
};

/** Function name from a name, a partial ARN or a full ARN, as the Invoke API accepts. */
const functionNameOf = (raw: string): string =>
  decodeURIComponent(raw).split(':').filter(Boolean).at(-1) ?? '';

/** Other routes served next to the Invoke API (the runner's control endpoint): true when it answered. */
export type ExtraRoutes = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) for local functions, so the AWS SDK's
 * LambdaClient or the AWS CLI with `--endpoint-url` invoke a local flow exactly as they invoke a deployed one.
 */
export const createInvokeServer = (targets: ReadonlyMap<string, InvokeTarget>, extra?: ExtraRoutes): Server =>
  createServer(async (request, response) => {
    if (extra && (await extra(request, response))) return;
    const match = invokePath.exec(request.url?.split('?')[0] ?? '');
    if (request.method !== 'POST' || !match) {
      return sendError(
        response,
        404,
        'UnknownOperationException',
        `unknown operation ${request.method} ${request.url}`,
      );
    }
    const name = functionNameOf(match[1] as string);
    const target = targets.get(name);
    if (!target) {
      return sendError(
        response,
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      );
    }
    const body = await readBody(request);
    let event: unknown;
    try {
      event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(
        response,
        400,
        'InvalidRequestContentException',
        'Could not parse request body into json',
      );
    }
    const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (invocationType === 'DryRun') {
      response.writeHead(204);
      return response.end();
    }
    if (invocationType === 'Event') {
      void target.invoke(event);
      response.writeHead(202);
      return response.end();
    }
    const result = await target.invoke(event);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amz-executed-version': '$LATEST',
      'x-amzn-requestid': result.requestId,
    };
    if (request.headers['x-amz-log-type'] === 'Tail') {
      const logs = Buffer.from(result.logs, 'utf8');
      headers['x-amz-log-result'] = logs.subarray(Math.max(0, logs.length - tailBytes)).toString('base64');
    }
    if (!result.ok) headers['x-amz-function-error'] = 'Unhandled';
    const payload = result.ok
      ? result.payload
      : { errorType: result.errorType, errorMessage: result.errorMessage };
    response.writeHead(200, headers);
    response.end(JSON.stringify(payload ?? null));
  });
