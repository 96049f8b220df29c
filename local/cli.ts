import { ConfigError } from '../shared/errors.ts';
import { runLocalPipeline } from './runner/start.ts';
import {
  down,
  resolveNames,
  ServiceStartError,
  statusOf,
  unrecordedProcesses,
  up,
} from './services/manager.ts';
import { groupRssMiB } from './services/memory.ts';
import { stateFile } from './services/paths.ts';
import { MissingPrerequisiteError } from './services/prerequisites.ts';

// The SDK warns once per process on Node 20 about its future Node 22 floor; the Lambda runtime is Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const usage = `usage: npm run servers -- <up|down|status> [kafka|dynamodb|opensearch|s3|postgres|elasticmq ...]
       npm start [-- --follow | --resume]   run the reference topology on the sample events (servers started as needed)
       SLUICE_TOPOLOGY=<dir>/topology.ts npm start   run another topology on the samples in <dir>/events/`;

const printStatus = async (names: readonly string[]) => {
  let allHealthy = true;
  for (const name of serverNames(names)) {
    const status = await statusOf(name);
    allHealthy &&= status.healthy;
    const rss = status.state ? groupRssMiB(status.state.pid) : undefined;
    const where = status.state ? `${status.state.endpoint}  pid ${status.state.pid}` : '';
    console.log(
      `${name.padEnd(11)} ${status.healthy ? 'healthy' : 'down   '}  ${where}${rss ? `  ${rss} MiB` : ''}`,
    );
    const strays = unrecordedProcesses(name);
    if (strays.length > 0) {
      allHealthy = false;
      console.log(
        `${''.padEnd(11)} not in ${stateFile}: pid ${strays.join(', ')} (npm run servers -- down stops them)`,
      );
    }
  }
  return allHealthy;
};

/** A mistake in the command line: `error: <what>` and the usage line, exit code 2 (as every local tool). */
class UsageError extends Error {}

const startFlags = ['--follow', '--resume'];

/** Server names, or a UsageError naming the unknown one. */
const serverNames = (names: readonly string[]) => {
  try {
    return resolveNames(names);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
};

const main = async (command: string | undefined, names: string[]): Promise<number> => {
  if (command === 'start') {
    const unknown = names.filter((n) => !startFlags.includes(n));
    if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(' ')} for npm start`);
  }
  switch (command) {
    case 'start':
      return runLocalPipeline({
        follow: names.includes('--follow'),
        resume: names.includes('--resume'),
        timeoutMs: Number(process.env.SLUICE_DRAIN_TIMEOUT_SECONDS ?? 300) * 1000,
      });
    case 'up': {
      const started = await up(serverNames(names));
      for (const s of started) {
        const how = s.reused ? 'already running' : `ready in ${(s.state.readyMs / 1000).toFixed(1)}s`;
        console.log(`${s.name.padEnd(11)} ${s.state.endpoint.padEnd(24)} ${how}  (log ${s.state.log})`);
      }
      console.log(`endpoints written to ${stateFile}`);
      return 0;
    }
    case 'down':
      // With no names, every server this checkout may have started (ElasticMQ too), not only the default ones.
      for (const { name, outcome } of await (names.length > 0 ? down(serverNames(names)) : down()))
        console.log(`${name.padEnd(11)} ${outcome}`);
      return 0;
    case 'status':
      return (await printStatus(names)) ? 0 : 1;
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'a command is needed');
  }
};

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      console.error(usage);
      process.exit(2);
    }
    const known =
      error instanceof ServiceStartError ||
      error instanceof MissingPrerequisiteError ||
      error instanceof ConfigError;
    console.error(known ? `error: ${(error as Error).message}` : error);
    process.exit(1);
  },
);
