import { GlueClient } from '@aws-sdk/client-glue';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import { glueRegistry } from '../../shared/schemas/registry.ts';
import { readState } from '../services/state.ts';
import { toolArgs, usageError } from './args.ts';
import { checkSubjects, schemaFiles, topologySchemas } from './schemas/check.ts';

/**
 * npm run schemas -- check [--dir DIR [--registry sluice]] [--endpoint URL]: compares the repository's schemas
 * with the latest version of each subject in the Glue registry and prints BACKWARD / FORWARD / FULL per subject;
 * exit 1 when a subject breaks the registry's compatibility mode. The schemas are the topology's (each Glue registry
 * topic's declared `schema`, subject = the topic's name, in the topic's registry; `SLUICE_TOPOLOGY` names another
 * topology), or with `--dir` the folder's files (`<subject>.avsc|.proto|.json`) in `--registry`. The endpoint
 * defaults to SLUICE_GLUE_ENDPOINT, else the local moto server.
 */
const usage = 'usage: npm run schemas -- check [--dir DIR [--registry sluice]] [--endpoint URL]';
const { values, positionals } = toolArgs(
  process.argv.slice(2),
  usage,
  { dir: { type: 'string' }, registry: { type: 'string' }, endpoint: { type: 'string' } },
  { min: 1, max: 1 },
);
if (positionals[0] !== 'check') usageError(usage, `unknown command ${positionals[0]}`);
if (values.registry !== undefined && values.dir === undefined)
  usageError(usage, "--registry goes with --dir (the topology names each topic's registry)");
const endpoint = values.endpoint ?? process.env.SLUICE_GLUE_ENDPOINT ?? readState().s3?.endpoint;
const glue = new GlueClient({
  region: process.env.AWS_REGION ?? 'us-east-1',
  ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
});
const subjects =
  values.dir === undefined
    ? topologySchemas((await loadTopologyModule()).topology)
    : schemaFiles(values.dir).map((f) => ({
        ...f,
        registry: glueRegistry({ name: values.registry ?? 'sluice' }),
      }));
if (subjects.length === 0) console.log('no schemas to check');
const reports = await checkSubjects(subjects, glue);
glue.destroy();
for (const r of reports) {
  console.log(`${r.broken ? 'BREAK' : 'ok   '} ${r.subject}: ${r.mode} (registry requires ${r.required})`);
  for (const reason of r.reasons) console.log(`      ${reason}`);
}
process.exit(reports.some((r) => r.broken) ? 1 : 0);
