import type { ServiceName } from './state.ts';

/** How to launch one process in the foreground; the manager detaches it and captures its output. */
export interface LaunchPlan {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** One local server: what it needs installed, how to launch it, and how to prove it is ready. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly portNames: readonly string[];
  /** Undefined when everything is installed; otherwise what is missing and the command that fixes it. */
  missing(): string | undefined;
  /** Creates directories, config and (first time) storage; returns how to launch. */
  prepare(ports: Readonly<Record<string, number>>): Promise<LaunchPlan>;
  endpoint(ports: Readonly<Record<string, number>>): string;
  /** One real protocol round trip; resolves true when the server answered as a ready server does. */
  isReady(endpoint: string): Promise<boolean>;
  /** Seconds the first start may take on a slow machine before we give up. */
  readonly startTimeoutSeconds: number;
  /** The signal that stops it promptly. @default 'SIGTERM' */
  readonly stopSignal?: NodeJS.Signals;
}
