import { type ChildProcess, fork } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowNodeOptions, flowV8Flags } from '../../cdk/bundling.ts';
import type { InvocationOutcome } from '../esm/deliver.ts';
import { lambdaNode, lambdaNodeArgs } from './runtime.ts';

export interface FunctionSpec {
  readonly name: string;
  readonly bundlePath: string;
  readonly memoryMb: number;
  readonly timeoutMs: number;
  /** The function's environment, as the CDK app sets it (non-secret settings only). */
  readonly environment: Readonly<Record<string, string>>;
  /** Execution environments to keep: how many invocations may run at once. */
  readonly concurrency: number;
  readonly logFile: string;
}

export type InvocationResult = InvocationOutcome & {
  readonly requestId: string;
  readonly durationMs: number;
  /** What the function printed during this invocation (the LogType=Tail of the Invoke API). */
  readonly logs: string;
};

const hostScript = fileURLToPath(new URL('./host.mjs', import.meta.url));

/**
 * SLUICE_CPU_PROF=<dir> writes a V8 CPU profile per execution environment into <dir> when it exits (for the
 * end-to-end benchmark's notes on where invocation time goes); off by default.
 */
const profileArgs = (functionName: string): string[] => {
  const dir = process.env.SLUICE_CPU_PROF;
  return [
    ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, functionName)}`] : []),
    // SLUICE_NODE_FLAGS: more node flags for every environment, for diagnosis (e.g. --trace-gc); off by default.
    ...(process.env.SLUICE_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
  ];
};

interface Host {
  readonly child: ChildProcess;
  busy: boolean;
}

/**
 * Execution environments for one function: up to `concurrency` child processes, each running one invocation at a
 * time with its module scope kept warm. A timed-out or crashed environment is discarded, as Lambda does.
 */
export class FunctionPool {
  private readonly hosts: Host[] = [];
  private readonly waiting: ((host: Host) => void)[] = [];
  private nextId = 0;

  constructor(readonly spec: FunctionSpec) {}

  private spawnHost(): Host {
    const log = openSync(this.spec.logFile, 'a');
    const child = fork(hostScript, [this.spec.bundlePath, this.spec.name, String(this.spec.memoryMb)], {
      env: {
        ...this.spec.environment,
        PATH: process.env.PATH ?? '',
        // Set by the Lambda runtime in every on-demand environment; Powertools reports cold_start: true on the
        // first invocation only when it reads 'on-demand' (any other value means provisioned, never cold).
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      },
      stdio: ['ignore', log, log, 'ipc'],
      execPath: lambdaNode().path,
      execArgv: [
        ...lambdaNodeArgs(this.spec.memoryMb),
        ...flowV8Flags,
        ...flowNodeOptions,
        ...profileArgs(this.spec.name),
      ],
      // V8 serialisation: the event's JSON crosses as one flat string, not re-escaped inside another JSON.
      serialization: 'advanced',
    });
    const host: Host = { child, busy: false };
    child.on('exit', () => {
      const index = this.hosts.indexOf(host);
      if (index >= 0) this.hosts.splice(index, 1);
    });
    this.hosts.push(host);
    return host;
  }

  private acquire(): Promise<Host> {
    const idle = this.hosts.find((h) => !h.busy && h.child.exitCode === null && !h.child.killed);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (this.hosts.length < this.spec.concurrency) {
      const host = this.spawnHost();
      host.busy = true;
      return Promise.resolve(host);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(host: Host): void {
    const next = this.waiting.shift();
    if (next && host.child.exitCode === null && !host.child.killed) {
      next(host);
      return;
    }
    host.busy = false;
    if (next) void this.acquire().then(next);
  }

  /** Invokes with an event object, serialised as the Invoke API would carry it. */
  invoke(event: unknown): Promise<InvocationResult> {
    return this.invokeJson(JSON.stringify(event ?? null));
  }

  /**
   * Invokes with the event's JSON, which the environment parses, as the Lambda runtime parses the payload it
   * receives: one string crosses the pipe instead of a cloned object graph.
   */
  async invokeJson(payload: string): Promise<InvocationResult> {
    const host = await this.acquire();
    const id = this.nextId++;
    try {
      return await new Promise<InvocationResult>((resolve) => {
        const fail = (errorType: string, errorMessage: string) => {
          cleanup();
          resolve({ ok: false, errorType, errorMessage, requestId: '', durationMs: 0, logs: '' });
        };
        const timer = setTimeout(() => {
          host.child.kill('SIGKILL');
          fail('Sandbox.Timedout', `Task timed out after ${(this.spec.timeoutMs / 1000).toFixed(2)} seconds`);
        }, this.spec.timeoutMs);
        const onMessage = (message: InvocationResult & { id: number }) => {
          if (message.id !== id) return;
          cleanup();
          const { id: _, ...result } = message;
          resolve(result);
        };
        const onExit = (code: number | null) =>
          fail('Runtime.ExitError', `Runtime exited with error: exit status ${code}`);
        const cleanup = () => {
          clearTimeout(timer);
          host.child.off('message', onMessage);
          host.child.off('exit', onExit);
        };
        host.child.on('message', onMessage);
        host.child.once('exit', onExit);
        host.child.send({ id, payload, timeoutMs: this.spec.timeoutMs });
      });
    } finally {
      this.release(host);
    }
  }

  /**
   * Starts a V8 CPU profile in every live environment, or stops it and writes each one's profile into `dir` as
   * `<pid>.cpuprofile` (for bench/e2e.ts's split by stage; `--cpu-prof` would profile an environment's whole life).
   */
  async profile(action: 'start' | 'stop', dir?: string): Promise<void> {
    const live = this.hosts.filter((h) => h.child.exitCode === null && !h.child.killed);
    await Promise.all(
      live.map(
        (host) =>
          new Promise<void>((resolve) => {
            const onMessage = (message: { profiled?: string }) => {
              if (message.profiled !== action) return;
              host.child.off('message', onMessage);
              resolve();
            };
            host.child.on('message', onMessage);
            host.child.send({
              profile: action,
              ...(dir === undefined ? {} : { file: join(dir, `${host.child.pid}.cpuprofile`) }),
            });
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(
      this.hosts.map(
        (host) =>
          new Promise<void>((resolve) => {
            if (host.child.exitCode !== null) return resolve();
            host.child.once('exit', () => resolve());
            host.child.kill('SIGTERM');
          }),
      ),
    );
  }
}
