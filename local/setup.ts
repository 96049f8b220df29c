import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaLibs, opensearchHome, projectRoot, pythonVenv, versions } from './services/paths.ts';
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
  if (existsSync(kafkaLibs) && existsSync(join(opensearchHome, 'bin'))) {
    console.log(`setup: Kafka ${versions.kafka} and OpenSearch ${versions.opensearch} already in .servers/`);
  } else {
    timed(`Kafka ${versions.kafka} and OpenSearch ${versions.opensearch} fetched from Maven Central`, () =>
      run('mvn', ['-q', '-B', '-f', 'local/servers/pom.xml', 'process-resources']),
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
} catch (error) {
  console.error(
    `setup: ${error instanceof MissingPrerequisiteError ? error.message : (error as Error).message}`,
  );
  process.exit(1);
}
