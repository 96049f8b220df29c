import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaLibs, localDir, logsDir } from './paths.ts';
import { javaHome } from './prerequisites.ts';
import type { ServiceDefinition } from './service.ts';

const home = join(localDir, 'kafka');
const dataDir = join(home, 'data');

/** A single-node KRaft broker+controller. Replication factors of 1, or consumer groups never find a coordinator. */
const serverProperties = (ports: Readonly<Record<string, number>>): string =>
  `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=8',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.flush.interval.messages=9223372036854775807',
  ].join('\n')}\n`;

const log4j = (file: string): string =>
  `${[
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${file}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    'logger.kafka.name = kafka',
    'logger.kafka.level = warn',
    'logger.kafkaorg.name = org.apache.kafka',
    'logger.kafkaorg.level = warn',
  ].join('\n')}\n`;

export const kafka: ServiceDefinition = {
  name: 'kafka',
  portNames: ['broker', 'controller'],
  startTimeoutSeconds: 90,
  missing: () =>
    existsSync(kafkaLibs) ? undefined : `Kafka is not installed in ${kafkaLibs}: run npm run setup`,
  async prepare(ports) {
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(logsDir, { recursive: true });
    const properties = join(home, 'server.properties');
    writeFileSync(properties, serverProperties(ports));
    writeFileSync(join(home, 'log4j2.properties'), log4j(join(logsDir, 'kafka-server.log')));
    const java = join(javaHome(), 'bin', 'java');
    const classpath = `${kafkaLibs}/*`;
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      // Storage is formatted once; later starts keep topics, offsets and consumer groups.
      const format = spawnSync(
        java,
        ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', randomUUID(), '-c', properties],
        { encoding: 'utf8' },
      );
      if (format.status !== 0)
        throw new Error(`Kafka storage format failed: ${format.stderr || format.stdout}`);
    }
    return {
      command: java,
      args: [
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        `-Dlog4j2.configurationFile=${join(home, 'log4j2.properties')}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
    };
  },
  endpoint: (ports) => `127.0.0.1:${ports.broker}`,
  async isReady(endpoint) {
    const admin = new Kafka({
      brokers: [endpoint],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1000,
    }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};
