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
 * Only kafkajs's per-response lines (`[Connection] Response …` with the error's text in `error`): a consumer that
 * crashed after its retries ran out logs `Crash: …` with the same text in its message, and that one is real.
 */
const isTransient = (entry: LogEntry): boolean =>
  typeof entry.log.error === 'string' && transientKafkaErrors.includes(entry.log.error);

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
  (level: logLevel) =>
  (entry: LogEntry): void => {
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
