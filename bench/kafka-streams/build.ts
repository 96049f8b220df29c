/**
 * The Maven project of the Kafka Streams programs (the bench's CleanseEnrich and the stateful-semantics oracle):
 * where it is, whether its build is current, and its classpath. `npm run setup` builds it (local/setup.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../local/services/paths.ts';

export const kafkaStreamsProject = join(projectRoot, 'bench', 'kafka-streams');
const target = join(kafkaStreamsProject, 'target');
const jar = join(target, 'sluice-bench-kafka-streams-0.1.0.jar');
const classpathFile = join(target, 'classpath.txt');

const newestSource = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }, 0);

/** The jar is newer than pom.xml and every source, and the classpath newer than pom.xml (Maven leaves an unchanged one be). */
export const kafkaStreamsBuildIsCurrent = (): boolean => {
  if (!existsSync(jar) || !existsSync(classpathFile)) return false;
  const pom = statSync(join(kafkaStreamsProject, 'pom.xml')).mtimeMs;
  const sources = Math.max(pom, newestSource(join(kafkaStreamsProject, 'src')));
  return statSync(jar).mtimeMs >= sources && statSync(classpathFile).mtimeMs >= pom;
};

/** `mvn package` (dependencies from Maven Central through Maven's own cache). */
export const buildKafkaStreams = (): void => {
  const result = spawnSync('mvn', ['-q', '-B', 'package', '-DskipTests'], {
    cwd: kafkaStreamsProject,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`mvn package in ${kafkaStreamsProject} failed (${result.status})`);
};

/** `java -cp` for the built programs. */
export const kafkaStreamsClasspath = (): string =>
  [join(target, 'classes'), readFileSync(classpathFile, 'utf8').trim()].join(':');
