import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Topology } from '../../shared/topology/topology.ts';
import { bundleFunction } from '../bundle.ts';
import type { EventSourceMapping } from '../esm/mapping.ts';
import { startMapping } from '../esm/start.ts';
import { createInvokeServer } from '../lambda/invoke-server.ts';
import { FunctionPool } from '../lambda/pool.ts';
import { localDir, logsDir, projectRoot } from '../services/paths.ts';
import type { LocalState } from '../services/state.ts';
import { moveGroup } from '../tools/replay/move-group.ts';
import type { ReplayPosition } from '../tools/replay/position.ts';
import { controlRoutes, type ReplayOutcome } from './control.ts';
import { functionEnvironment } from './environment.ts';
import { mappingConfigOf } from './mapping-config.ts';

export interface LocalFunction {
  readonly name: string;
  readonly pool: FunctionPool;
  readonly bundleBytes: number;
  readonly logFile: string;
}

/** Where the running pipeline serves the Invoke API, for `npm run invoke` and the AWS CLI. */
export const invokeEndpointFile = join(localDir, 'invoke-endpoint');

/**
 * Every flow of the topology as a local function (the same esbuild bundle the CDK app deploys, in its own
 * execution environments), an emulated event-source mapping per flow, and the Lambda Invoke API for all of them.
 */
export class LocalPipeline {
  readonly functions = new Map<string, LocalFunction>();
  readonly mappings: EventSourceMapping[] = [];
  private server: Server | undefined;
  /** Replays run one at a time: two moving the same group would race. */
  private replaying: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly topology: Topology,
    private readonly state: LocalState,
    private readonly kafka: Kafka,
    /** The folder of the flows' own files (the topology module's): `functions/` for the reference. */
    private readonly functionsDir = join(projectRoot, 'functions'),
  ) {}

  /** Bundles each flow from its own file, `<functionsDir>/<flow>.ts`, and prepares its execution environments. */
  async buildFunctions(): Promise<void> {
    mkdirSync(logsDir, { recursive: true });
    await Promise.all(
      this.topology.flows.map(async (flow) => {
        const bundle = await bundleFunction(flow.name, join(this.functionsDir, `${flow.name}.ts`));
        const logFile = join(logsDir, `function-${flow.name}.log`);
        const pool = new FunctionPool({
          name: flow.name,
          bundlePath: bundle.path,
          memoryMb: flow.memoryMb,
          timeoutMs: flow.timeoutSeconds * 1000,
          environment: functionEnvironment(flow.name, flow.memoryMb, this.state),
          // One environment per source partition: partitions are processed in parallel, each in order.
          concurrency: flow.source.topic.partitions,
          logFile,
        });
        this.functions.set(flow.name, { name: flow.name, pool, bundleBytes: bundle.bytes, logFile });
      }),
    );
  }

  async serveInvokeApi(port = 0): Promise<string> {
    const targets = new Map([...this.functions].map(([name, fn]) => [name, fn.pool]));
    this.server = createInvokeServer(
      targets,
      controlRoutes({
        flowNames: this.topology.flows.map((f) => f.name),
        replay: (flow, position) => this.replay(flow, position),
      }),
    );
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async startMappings(names: readonly string[], onProgress?: () => void): Promise<EventSourceMapping[]> {
    const started = await Promise.all(
      names.map(async (name) => {
        const flow = this.topology.flow(name);
        const fn = this.functions.get(name);
        if (!flow || !fn) throw new Error(`no flow named ${name}`);
        return startMapping({
          config: mappingConfigOf(flow, this.topology, this.state.s3?.endpoint ?? ''),
          kafka: this.kafka,
          pool: fn.pool,
          identity: { bootstrapServers: this.state.kafka?.endpoint ?? '' },
          onProgress,
        });
      }),
    );
    this.mappings.push(...started);
    return started;
  }

  /** Stops some flows' mappings (as disabling them would); their environments stay warm for a later start. */
  async stopMappings(names: readonly string[]): Promise<void> {
    const stopping = this.mappings.filter((m) => names.includes(m.config.functionName));
    await Promise.all(stopping.map((m) => m.stop()));
    for (const m of stopping) this.mappings.splice(this.mappings.indexOf(m), 1);
  }

  /**
   * Replays a flow (`npm run replay` while the pipeline runs): stops its mapping, so its consumer leaves the group
   * (a group with members cannot be moved), moves the group, and starts the mapping again if it was running.
   */
  replay(name: string, position: ReplayPosition): Promise<ReplayOutcome> {
    const run = async (): Promise<ReplayOutcome> => {
      const flow = this.topology.flow(name);
      if (!flow) throw new Error(`no flow named ${name}`);
      const running = this.mappings.some((m) => m.config.functionName === name);
      await this.stopMappings([name]);
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const { consumerGroup: group, topic } = flow.source;
        const moves = await moveGroup(admin, { groupId: group, topic: topic.name, position });
        return { flow: name, topic: topic.name, group, moves };
      } finally {
        await admin.disconnect();
        if (running) await this.startMappings([name]);
      }
    };
    const outcome = this.replaying.then(run, run);
    this.replaying = outcome.catch(() => undefined);
    return outcome;
  }

  async stop(): Promise<void> {
    await Promise.all(this.mappings.map((m) => m.stop()));
    this.server?.close();
    await Promise.all([...this.functions.values()].map((fn) => fn.pool.close()));
  }
}
