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
const tlsDir = join(home, 'tls');
/** The local broker's self-signed certificate (PEM), for clients of its TLS and SASL_SSL listeners. */
export const kafkaTlsCa = join(tlsDir, 'ca.pem');
const keystorePassword = 'sluice-local';

/**
 * A self-signed broker certificate for 127.0.0.1 and localhost, made once with the JDK's keytool: the TLS
 * listeners let the auth modes (TLS, SCRAM, OAUTHBEARER) be tested against the real broker.
 */
const ensureKeystore = (): string => {
  const keystore = join(tlsDir, 'broker.p12');
  if (existsSync(keystore) && existsSync(kafkaTlsCa)) return keystore;
  mkdirSync(tlsDir, { recursive: true });
  const keytool = join(javaHome(), 'bin', 'keytool');
  const common = ['-keystore', keystore, '-storetype', 'PKCS12', '-storepass', keystorePassword];
  const made = spawnSync(
    keytool,
    [
      '-genkeypair',
      ...common,
      '-alias',
      'broker',
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-validity',
      '3650',
      '-dname',
      'CN=localhost',
      '-ext',
      'SAN=ip:127.0.0.1,dns:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`keytool -genkeypair failed: ${made.stderr || made.stdout}`);
  const ca = spawnSync(keytool, ['-exportcert', '-rfc', '-alias', 'broker', ...common], { encoding: 'utf8' });
  if (ca.status !== 0) throw new Error(`keytool -exportcert failed: ${ca.stderr || ca.stdout}`);
  writeFileSync(kafkaTlsCa, ca.stdout);
  return keystore;
};

/** A single-node KRaft broker+controller. Replication factors of 1, or consumer groups never find a coordinator. */
const serverProperties = (ports: Readonly<Record<string, number>>, keystore: string): string =>
  `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${ports.controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller},SSL://127.0.0.1:${ports.tls},SASL_SSL://127.0.0.1:${ports.sasl}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${ports.broker},SSL://127.0.0.1:${ports.tls},SASL_SSL://127.0.0.1:${ports.sasl}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
    'inter.broker.listener.name=PLAINTEXT',
    // TLS and SASL over TLS, as MSK's TLS, SCRAM and IAM listeners are. SCRAM users are added by whoever needs
    // one; OAUTHBEARER here uses Kafka's unsecured validator (an unsigned JWT), since only MSK validates IAM.
    `ssl.keystore.location=${keystore}`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.password=${keystorePassword}`,
    `ssl.key.password=${keystorePassword}`,
    'sasl.enabled.mechanisms=SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
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
  portNames: ['broker', 'controller', 'tls', 'sasl'],
  startTimeoutSeconds: 90,
  missing: () =>
    existsSync(kafkaLibs) ? undefined : `Kafka is not installed in ${kafkaLibs}: run npm run setup`,
  async prepare(ports) {
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(logsDir, { recursive: true });
    const properties = join(home, 'server.properties');
    writeFileSync(properties, serverProperties(ports, ensureKeystore()));
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
