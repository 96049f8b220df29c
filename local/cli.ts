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

const usage = `usage: npm run servers -- <up|down|status> [kafka|dynamodb|opensearch|s3 ...]
       npm start [-- --follow | --resume]   run the reference topology on the sample events (servers started as needed)`;

const printStatus = async (names: readonly string[]) => {
  let allHealthy = true;
  for (const name of resolveNames(names)) {
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

const main = async (command: string | undefined, names: string[]): Promise<number> => {
  switch (command) {
    case 'start':
      return runLocalPipeline({
        follow: names.includes('--follow'),
        resume: names.includes('--resume'),
        timeoutMs: Number(process.env.SLUICE_DRAIN_TIMEOUT_SECONDS ?? 300) * 1000,
      });
    case 'up': {
      const started = await up(resolveNames(names));
      for (const s of started) {
        const how = s.reused ? 'already running' : `ready in ${(s.state.readyMs / 1000).toFixed(1)}s`;
        console.log(`${s.name.padEnd(11)} ${s.state.endpoint.padEnd(24)} ${how}  (log ${s.state.log})`);
      }
      console.log(`endpoints written to ${stateFile}`);
      return 0;
    }
    case 'down':
      for (const { name, outcome } of await down(resolveNames(names)))
        console.log(`${name.padEnd(11)} ${outcome}`);
      return 0;
    case 'status':
      return (await printStatus(names)) ? 0 : 1;
    default:
      console.error(usage);
      return 2;
  }
};

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof ServiceStartError || error instanceof MissingPrerequisiteError;
    console.error(known ? `error: ${(error as Error).message}` : error);
    process.exit(1);
  },
);
