import { loadTopologyModule } from '../../cdk/topology-module.ts';
import { flowInfos, runRedrive } from './redrive/cli.ts';

/**
 * npm run redrive -- <dead-letter topic | s3://bucket/prefix | folder> [--flow F] [--where stage=S]... [--to T]
 * [--dry-run] [--remote] [--stack NAME] [--ledger TOPIC]
 * Publishes dead letters (or the records of failed batches) again, to their source topic by default, skips what
 * an earlier run redrove, and prints counts per reason. See local/tools/redrive/ for the parts.
 */
// The SDK warns once per process on Node 20 about its future Node 22 floor; the Lambda runtime is Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runRedrive(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  flows: async () => {
    const { topology } = await loadTopologyModule();
    return flowInfos(topology);
  },
});
// Exit only once stdout is flushed: on a pipe, console.log is asynchronous.
process.stdout.write('', () => process.exit(code));
