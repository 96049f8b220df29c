import type { Loose } from '../steps/step.ts';
import { type DeclaredOutput, lazyOutput, whenOf } from './declared.ts';
import type { MessageWriterDeps } from './message-writer.ts';
import { parseOptions } from './options.ts';
import type { Output } from './output.ts';
import {
  fifoCheck,
  type MessageOutputOptions,
  type MessageTarget,
  messageOptionsSchema,
  messageTarget,
} from './sns-sqs-options.ts';

/** How `toSqs` and `toSns` differ: the service, its name rule, its resources and how its writer is built. */
export interface MessageOutputKind<K extends 'sqs' | 'sns', R> {
  readonly kind: K;
  /** The factory as errors name it: `toSqs`. */
  readonly factory: string;
  /** The service's rule for a target's name. */
  readonly pattern: RegExp;
  readonly resources: (target: MessageTarget) => R;
  /** Builds the writer on the first write, given what every message writer takes. */
  readonly writer: (target: MessageTarget, deps: MessageWriterDeps) => Promise<Output>;
}

/** The declared output of `toSqs`/`toSns`: options read and FIFO checked at load time, the writer loaded lazily. */
export const messageOutput = <K extends 'sqs' | 'sns', R extends { readonly kmsKey?: string }, V = Loose>(
  how: MessageOutputKind<K, R>,
  ref: string,
  options: MessageOutputOptions<V>,
): DeclaredOutput<K, R, V> => {
  const target = messageTarget(
    ref,
    how.kind,
    how.pattern,
    `${how.factory}(${how.kind === 'sqs' ? 'queue' : 'topic'})`,
  );
  const path = `${how.factory}(${target.name})`;
  const opts = parseOptions(messageOptionsSchema, options, path);
  const check = fifoCheck(target, opts.groupField, path);
  const name = `${how.kind}:${target.name}`;
  return {
    kind: how.kind,
    name,
    ...whenOf(opts.when),
    resources: { ...how.resources(target), ...(opts.kmsKey ? { kmsKey: opts.kmsKey } : {}) },
    check,
    create: () =>
      lazyOutput(name, async () => {
        check(path);
        return how.writer(target, {
          name,
          ...(opts.body ? { body: opts.body } : {}),
          attributes: opts.attributes ?? [],
          ...(opts.groupField ? { groupField: opts.groupField } : {}),
          fifo: target.fifo,
          concurrency: opts.concurrency,
          retry: { baseMs: 50, maxDelayMs: 2_000, budgetMs: opts.retryBudgetMs },
        });
      }),
  };
};
