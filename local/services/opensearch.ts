import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { localDir, opensearchHome, projectRoot, versions } from './paths.ts';
import { javaHome } from './prerequisites.ts';
import type { LaunchPlan, ServiceDefinition } from './service.ts';

const nobody = 65534;
const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** OpenSearch refuses to run as root; as root we run it as `nobody`, which must be able to read and write. */
const nobodyCanUse = (path: string): boolean =>
  spawnSync('setpriv', [
    `--reuid=${nobody}`,
    `--regid=${nobody}`,
    '--clear-groups',
    'test',
    '-r',
    path,
    '-a',
    '-x',
    path,
  ]).status === 0;

const chownTree = (path: string): void => {
  chownSync(path, nobody, nobody);
  for (const entry of readdirSync(path)) {
    const child = join(path, entry);
    if (statSync(child).isDirectory()) chownTree(child);
    else chownSync(child, nobody, nobody);
  }
};

/** Where the distribution and the node's directories live for this user. */
const layout = (): { home: string; base: string } => {
  const base = join(localDir, 'opensearch');
  if (!runningAsRoot() || nobodyCanUse(join(opensearchHome, 'lib'))) return { home: opensearchHome, base };
  // The checkout sits where `nobody` cannot read (e.g. under /root): run from a copy it can read, made once per
  // checkout, so no two checkouts share a distribution or a node (each stops only its own).
  const key = `${basename(projectRoot)}-${createHash('sha256').update(projectRoot).digest('hex').slice(0, 12)}`;
  const own = join(tmpdir(), 'sluice-servers', key);
  const home = join(own, `opensearch-${versions.opensearch}`);
  if (!existsSync(join(home, 'lib'))) {
    mkdirSync(own, { recursive: true, mode: 0o755 });
    // Copied aside and renamed, so a copy cut short is never taken for a whole one.
    const partial = `${home}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(opensearchHome, partial, { recursive: true });
    rmSync(home, { recursive: true, force: true });
    renameSync(partial, home);
  }
  return { home, base: join(own, 'node') };
};

/** Small heap, serial GC, no GC log files: this machine runs Kafka and the flows beside it on 2 cores. */
const jvmOptions = (logs: string) =>
  `${[
    '-XX:+UseSerialGC',
    // OpenSearch's launcher expands this variable itself.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal for the launcher, not a template
    '-Djava.io.tmpdir=${OPENSEARCH_TMPDIR}',
    '-XX:-HeapDumpOnOutOfMemoryError',
    `-XX:ErrorFile=${logs}/hs_err_pid%p.log`,
    '-Xlog:disable',
    '-Djava.util.concurrent.ForkJoinPool.common.threadFactory=org.opensearch.secure_sm.SecuredForkJoinWorkerThreadFactory',
  ].join('\n')}\n`;

export const opensearch: ServiceDefinition = {
  name: 'opensearch',
  portNames: ['http', 'transport'],
  startTimeoutSeconds: 120,
  missing: () =>
    existsSync(join(opensearchHome, 'bin', 'opensearch'))
      ? undefined
      : `OpenSearch is not installed in ${opensearchHome}: run npm run setup`,
  async prepare(ports): Promise<LaunchPlan> {
    const { home, base } = layout();
    const dirs = {
      config: join(base, 'config'),
      data: join(base, 'data'),
      logs: join(base, 'logs'),
      tmp: join(base, 'tmp'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    cpSync(join(home, 'config'), dirs.config, { recursive: true });
    writeFileSync(join(dirs.config, 'jvm.options'), jvmOptions(dirs.logs));
    const settings = [
      `http.port=${ports.http}`,
      `transport.port=${ports.transport}`,
      'network.host=127.0.0.1',
      'discovery.type=single-node',
      `path.data=${dirs.data}`,
      `path.logs=${dirs.logs}`,
      'action.auto_create_index=true',
      // As the deployed domain: bulk requests go to /<index>/_bulk, and action lines may not name an index.
      'rest.action.multi.allow_explicit_index=false',
      'cluster.routing.allocation.disk.threshold_enabled=false',
    ];
    const env = {
      OPENSEARCH_PATH_CONF: dirs.config,
      OPENSEARCH_TMPDIR: dirs.tmp,
      OPENSEARCH_JAVA_HOME: javaHome(),
      OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx512m',
    };
    const launch = [join(home, 'bin', 'opensearch'), ...settings.flatMap((s) => ['-E', s])];
    if (!runningAsRoot()) return { command: launch[0] as string, args: launch.slice(1), env, cwd: base };
    chownTree(base);
    return {
      command: 'setpriv',
      args: [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', ...launch],
      env,
      cwd: base,
    };
  },
  endpoint: (ports) => `http://127.0.0.1:${ports.http}`,
  async isReady(endpoint) {
    try {
      const response = await fetch(`${endpoint}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
        signal: AbortSignal.timeout(2000),
      });
      if (!response.ok) return false;
      const health = (await response.json()) as { status?: string };
      return health.status === 'green' || health.status === 'yellow';
    } catch {
      return false;
    }
  },
};
