/** Bounded, jittered exponential backoff for the parts of a batch a store asks us to send again. */

export interface BackoffOptions {
  /** First delay in ms. */
  readonly baseMs: number;
  /** Cap for one delay in ms. */
  readonly maxDelayMs: number;
  /** Total time the retries may take before the batch is failed (and replayed by the mapping). */
  readonly budgetMs: number;
}

export interface BackoffDeps {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const realClock: BackoffDeps = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Full-jitter delay for attempt n (0-based): uniform in [0, min(cap, base * 2^n)], at least 1 ms. */
export const jitteredDelay = (attempt: number, options: BackoffOptions, random: () => number): number =>
  Math.max(1, Math.floor(random() * Math.min(options.maxDelayMs, options.baseMs * 2 ** attempt)));

/**
 * The retry budget for one write: the configured budget, shortened so the retries end well before the
 * invocation's deadline (`remainingMs`, from the context) — a timed-out invocation reports nothing useful.
 */
export const retryBudget = (configuredMs: number, remainingMs: number | undefined): number =>
  remainingMs === undefined ? configuredMs : Math.max(0, Math.min(configuredMs, remainingMs / 2));

/**
 * Returns a function to call between attempts: it sleeps a jittered delay and resolves true, or resolves
 * false without sleeping when the next delay would exceed the budget.
 */
export const backoff = (options: BackoffOptions, deps: BackoffDeps = realClock) => {
  const started = deps.now();
  let attempt = 0;
  return async (): Promise<boolean> => {
    const delay = jitteredDelay(attempt, options, deps.random);
    if (deps.now() - started + delay > options.budgetMs) return false;
    attempt += 1;
    await deps.sleep(delay);
    return true;
  };
};
