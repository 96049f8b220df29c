import { spawnSync } from 'node:child_process';

/** One line naming what to install, instead of a stack trace from deep inside a start script. */
export class MissingPrerequisiteError extends Error {}

const versionOf = (command: string, args: string[]): string | undefined => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`;
};

export const javaHome = (): string => {
  const out = versionOf('java', ['-XshowSettings:properties', '-version']);
  if (!out)
    throw new MissingPrerequisiteError(
      'Java 17 or newer is required: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)',
    );
  const major = Number(/java\.specification\.version = (\d+)/.exec(out)?.[1] ?? 0);
  if (major < 17)
    throw new MissingPrerequisiteError(
      `Java 17 or newer is required, found Java ${major}: install a JDK 17+`,
    );
  const home = /java\.home = (.+)/.exec(out)?.[1]?.trim();
  if (!home)
    throw new MissingPrerequisiteError('could not read java.home from `java -XshowSettings:properties`');
  return home;
};

export const requireMaven = (): void => {
  if (!versionOf('mvn', ['-v']))
    throw new MissingPrerequisiteError('Apache Maven is required: install it (e.g. apt-get install maven)');
};

export const requirePython = (): void => {
  const out = versionOf('python3', ['-c', 'import sys, venv; print(sys.version_info[:2] >= (3, 9))']);
  if (!out?.includes('True'))
    throw new MissingPrerequisiteError(
      'Python 3.9+ with venv is required: install it (e.g. apt-get install python3 python3-venv)',
    );
};
