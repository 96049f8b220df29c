import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kafkaLibs } from '../../local/services/paths.ts';
import { javaHome } from '../../local/services/prerequisites.ts';

/** Runs one of Kafka's own Java tools (its libs on the class path), small and quick to start. */
export const java = (args: readonly string[], input?: string): void => {
  const child = spawnSync(
    join(javaHome(), 'bin', 'java'),
    ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', `${kafkaLibs}/*`, ...args],
    { input, encoding: 'utf8', timeout: 60_000 },
  );
  if (child.status !== 0) throw new Error(`${args[0]} failed: ${child.stderr}`);
};

/**
 * Writes keyed records with Kafka's own Java ConsoleProducer (acks=all, the Java DefaultPartitioner), as a user's
 * Java service writes a topic: what it compresses and where it puts each key is the reference.
 */
export const javaProduce = (
  broker: string,
  topic: string,
  codec: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd',
  records: readonly { readonly key: string; readonly value: string }[],
): void =>
  java(
    [
      'org.apache.kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      broker,
      '--topic',
      topic,
      '--compression-codec',
      codec,
      '--producer-property',
      'acks=all',
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=\t',
    ],
    `${records.map((r) => `${r.key}\t${r.value}`).join('\n')}\n`,
  );
