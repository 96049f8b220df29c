// A local Lambda execution environment: loads one function bundle once (module scope survives across
// invocations, as in a warm Lambda), then runs one invocation at a time on request from the parent process.
// Plain JavaScript on purpose: the bundle runs here exactly as it runs in the Node.js Lambda runtime.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';

const [bundlePath, functionName, memoryMb, handlerName = 'handler'] = process.argv.slice(2);
let handler;
const logTail = [];
const keepLog = (chunk) => {
  logTail.push(String(chunk));
  if (logTail.length > 200) logTail.shift();
};
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    keepLog(chunk);
    return write(chunk, ...rest);
  };
}

const load = async () => {
  handler ??= (await import(pathToFileURL(bundlePath).href))[handlerName];
  if (typeof handler !== 'function')
    throw new Error(`${bundlePath} exports no function named ${handlerName}`);
  return handler;
};

// The runtime hands the handler the parsed JSON of the invocation payload. A named function, so that a CPU
// profile shows the parse on its own (bench/stages.ts: eventParse).
function parseEvent(payload) {
  return JSON.parse(payload);
}

const errorOf = (error) => ({
  errorType: error?.name ?? 'Error',
  errorMessage: error?.message ?? String(error),
  trace: String(error?.stack ?? '').split('\n'),
});

// Lambda's Runtime API refuses a response over 6 MB (6,291,556 bytes with its framing): the runtime cannot post
// it, and the invocation ends as a function error the caller (or the event-source mapping) sees.
const RESPONSE_LIMIT_BYTES = 6_291_556;
const responseTooLarge = {
  errorType: 'Function.ResponseSizeTooLarge',
  errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT_BYTES} bytes).`,
};

// The runner is gone (exited or killed): an execution environment never outlives its service.
process.on('disconnect', () => process.exit(0));
// Stopped by the pool: exit normally, so that exit hooks (a --cpu-prof profile) still run.
process.on('SIGTERM', () => process.exit(0));

// A V8 CPU profile of a stretch of this environment's life, on request (the e2e benchmark's split by stage): a
// profiler attached only for the phase it explains, so the CPU the benchmark totals elsewhere runs unprofiled.
let profiler;
const profile = async ({ profile: action, file }) => {
  if (action === 'start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 1000 });
    await profiler.post('Profiler.start');
    return;
  }
  if (!profiler) return;
  const { profile: written } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  writeFileSync(file, JSON.stringify(written));
};

process.on('message', async (message) => {
  if (message.profile) {
    await profile(message);
    process.send({ profiled: message.profile });
    return;
  }
  const { id, payload, timeoutMs } = message;
  logTail.length = 0;
  const requestId = randomUUID();
  const deadline = Date.now() + timeoutMs;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: memoryMb,
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  console.log(`START RequestId: ${requestId} Version: $LATEST`);
  const started = performance.now();
  let reply;
  try {
    const fn = await load();
    const event = parseEvent(payload);
    const response = (await fn(event, context)) ?? null;
    if (Buffer.byteLength(JSON.stringify(response)) > RESPONSE_LIMIT_BYTES) {
      reply = { id, ok: false, ...responseTooLarge };
      console.error(JSON.stringify({ level: 'ERROR', ...reply, id: undefined }));
    } else reply = { id, ok: true, payload: response };
  } catch (error) {
    reply = { id, ok: false, ...errorOf(error) };
    console.error(JSON.stringify({ level: 'ERROR', ...reply, id: undefined }));
  }
  const duration = performance.now() - started;
  console.log(`END RequestId: ${requestId}`);
  console.log(
    `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tMemory Size: ${memoryMb} MB`,
  );
  process.send({ ...reply, requestId, durationMs: duration, logs: logTail.join('') });
});
