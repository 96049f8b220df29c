import { type LogEntry, logLevel } from 'kafkajs';

/**
 * Errors kafkajs logs at ERROR although it retries them and they pass on their own: a new broker has no
 * `__consumer_offsets` yet (coordinator not available, or loading), a coordinator moved, a group rebalances.
 * Texts of kafkajs's error table (src/protocol/error.js), which the unit test holds to the library's own errors.
 */
export const transientKafkaErrors: readonly string[] = [
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests for this group",
  'This is not the correct coordinator for this group',
  'The group is rebalancing, so a rejoin is needed',
];

/**
 * A `[Connection] Response …` line whose `error` is one of them, or a consumer crash straight from one of them
 * (`Crash: KafkaJSProtocolError: …`, e.g. the coordinator still loading on a new broker) and the restart that
 * follows it. A crash after kafkajs's retries ran out (`Crash: KafkaJSNumberOfRetriesExceeded: …`) is real.
 */
const transientOf = () => {
  const restarting = new Set<unknown>();
  return (entry: LogEntry): boolean => {
    const { error, message, groupId } = entry.log;
    if (typeof error === 'string' && transientKafkaErrors.includes(error)) return true;
    if (transientKafkaErrors.some((known) => message === `Crash: KafkaJSProtocolError: ${known}`)) {
      restarting.add(groupId);
      return true;
    }
    if (message.startsWith('Restarting the consumer in ') && restarting.has(groupId)) {
      restarting.delete(groupId);
      return true;
    }
    return false;
  };
};

const labels: Record<number, string> = {
  [logLevel.ERROR]: 'ERROR',
  [logLevel.WARN]: 'WARN',
  [logLevel.INFO]: 'INFO',
  [logLevel.DEBUG]: 'DEBUG',
};

/**
 * The kafkajs logCreator of the local tools and the emulator: kafkajs's own JSON lines on stderr, except that the
 * transient, retried errors above count as DEBUG, so a first run on a new broker prints no ERROR a newcomer
 * would read as a failure. Real errors keep their level; `KAFKAJS_LOG_LEVEL=debug` shows everything.
 */
export const quietTransientErrors =
  (write: (line: string) => void = (line) => console.error(line)) =>
  (level: logLevel) => {
    const isTransient = transientOf();
    return (entry: LogEntry): void => {
      const effective = isTransient(entry) ? logLevel.DEBUG : entry.level;
      if (effective > level || effective === logLevel.NOTHING) return;
      const prefix = entry.namespace ? `[${entry.namespace}] ` : '';
      write(
        JSON.stringify({
          level: labels[effective] ?? entry.label,
          ...entry.log,
          message: `${prefix}${entry.log.message}`,
        }),
      );
    };
  };
