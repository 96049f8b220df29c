import { ConfigError } from '../../../shared/errors.ts';

/** The ConfigError `fn` throws; fails the test when it throws anything else or nothing. */
export const configError = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};
