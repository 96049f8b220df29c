import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { InvocationResult } from './pool.ts';

export interface InvokeTarget {
  invoke(event: unknown): Promise<InvocationResult>;
}

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** The Invoke API returns the last 4 KB of the log with LogType=Tail. */
const tailBytes = 4096;

/**
 * AWS's request limits for Invoke (API_Invoke, Lambda quotas): 6 MB (6,291,456 bytes) for a synchronous
 * (RequestResponse, DryRun) invocation, 1 MB for an asynchronous (Event) one.
 */
export const invokeRequestLimits = { RequestResponse: 6 * 1024 * 1024, Event: 1024 * 1024 } as const;

/** AWS's messages, as its RequestEntityTooLargeException carries them. */
const tooLargeMessage = (invocationType: string, bytes: number | undefined, limit: number) =>
  invocationType === 'Event'
    ? `${bytes === undefined ? 'The' : `${bytes} byte`} payload is too large for the Event invocation type (limit ${limit} bytes)`
    : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;

/**
 * The body, or undefined once it passes `limit` bytes: never more than the limit is held in memory. The stream is
 * left paused, not destroyed, so the 413 can still be written on its socket.
 */
const readBody = (request: IncomingMessage, limit: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off('data', onData).off('end', onEnd).pause();
      chunks.length = 0;
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on('data', onData).once('end', onEnd).once('error', reject);
  });

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
    const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const limit =
      invocationType === 'Event' ? invokeRequestLimits.Event : invokeRequestLimits.RequestResponse;
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    const tooLarge = (bytes: number | undefined) => {
      // The rest of the body is read and dropped, never held (Node dumps an unread request body once the
      // response is done), so a client still writing gets this answer rather than a reset connection; a body
      // that does not end within a few seconds has its connection closed.
      response.once('finish', () => {
        request.resume();
        const closing = setTimeout(() => request.socket.destroy(), 5_000);
        closing.unref();
        request.once('end', () => clearTimeout(closing));
      });
      sendError(
        response,
        413,
        'RequestEntityTooLargeException',
        tooLargeMessage(invocationType, bytes, limit),
      );
    };
    if (declared > limit) return tooLarge(declared);
    const body = await readBody(request, limit);
    if (body === undefined) return tooLarge(undefined);
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
