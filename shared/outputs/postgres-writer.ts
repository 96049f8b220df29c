import { RecordRejectedError, RetriableError, Stage } from '../errors.ts';
import { type BackoffDeps, backoff, realClock, retryBudget } from './backoff.ts';
import type { DeadLetter, Output } from './output.ts';
import { type PlannedRow, type PostgresPlanOptions, planPostgresWrites } from './postgres-plan.ts';
import { deleteSql, quoteTable, tableColumnsSql, upsertSql } from './postgres-sql.ts';

/** What the writer needs of a pg Pool: one parameterised query at a time. */
export interface PostgresQueryable {
  query(text: string, values: readonly unknown[]): Promise<{ rowCount: number | null; rows: unknown[] }>;
}

export interface PostgresWriterDeps extends PostgresPlanOptions {
  readonly name: string;
  readonly table: string;
  /** Columns a row sets; undefined = the table's own, read from the catalog on the first batch. */
  readonly columns?: readonly string[];
  readonly pool: () => Promise<PostgresQueryable>;
  /** Rows per statement (a statement that fails for one row's content is bisected). */
  readonly rowsPerStatement: number;
  /** A statement's parameter is cut at about this many bytes of JSON. */
  readonly maxStatementBytes: number;
  readonly retry: { readonly baseMs: number; readonly maxDelayMs: number; readonly budgetMs: number };
  readonly clock?: BackoffDeps;
}

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/**
 * An error the row's content caused: a data exception (class 22: a value that does not fit its column's type,
 * too long, out of range, bad JSON text), an integrity constraint (class 23: NOT NULL, CHECK, a unique or
 * foreign key), or a program limit such as an index row too large (54000). Only these are dead-lettered.
 */
export const isRowError = (error: unknown): boolean => {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23') || state === '54000');
};

/**
 * Worth retrying in place: no answer (connection refused, reset, closed, a pool or connect timeout), a
 * connection exception (class 08), insufficient resources (53: too many connections), an operator or failover
 * shutdown (57P01-57P03), a serialization failure or deadlock (40), a lock not available (55P03), a system
 * error (58). Anything else (a missing table or column, auth) fails the batch at once.
 */
export const isTransient = (error: unknown): boolean => {
  const state = sqlState(error);
  if (state === undefined) return true;
  return (
    ['08', '53', '40', '58'].some((c) => state.startsWith(c)) ||
    ['57P01', '57P02', '57P03', '55P03'].includes(state)
  );
};

/**
 * The database or the pool turning the flow away for load, not failing: too many connections (53300, also what
 * RDS Proxy answers when its pool is full) or a wait for one of the pool's connections that timed out (pg-pool's
 * own error, no SQLSTATE). Counted for the output's throttling alarm; retried like any transient error.
 */
export const isThrottling = (error: unknown): boolean =>
  sqlState(error) === '53300' ||
  (error instanceof Error && error.message === 'timeout exceeded when trying to connect');

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const state = sqlState(error);
  const detail = (error as { detail?: unknown }).detail;
  return `${state ? `${state} ` : ''}${error.message}${typeof detail === 'string' ? ` (${detail})` : ''}`;
};

/** Consecutive rows cut at `rows` rows or about `bytes` bytes of JSON (a single larger row goes alone). */
const chunks = (rows: readonly PlannedRow[], max: number, bytes: number): PlannedRow[][] => {
  const out: PlannedRow[][] = [];
  let current: PlannedRow[] = [];
  let size = 0;
  for (const row of rows) {
    if (current.length > 0 && (current.length >= max || size + row.json.length > bytes)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += row.json.length + 1;
  }
  if (current.length > 0) out.push(current);
  return out;
};

/**
 * Upserts a batch into a PostgreSQL table: tombstones' deletes first, then multi-row upserts of the last write per
 * key (or, with an ordering column, the greatest), each statement one parameter of JSON rows. A statement the
 * database refuses for a row's content is split in halves until the row is found and dead-lettered; the rest is
 * written (every statement is idempotent, so the halves already written stay right). Connection problems are
 * retried with jittered backoff within the budget, then fail the batch, which the mapping replays whole:
 * upserts and deletes converge.
 */
export const createPostgresWriter = (deps: PostgresWriterDeps): Output => {
  let columns: Promise<readonly string[]> | undefined;
  const columnsOf = (pool: PostgresQueryable): Promise<readonly string[]> => {
    if (deps.columns) return Promise.resolve(deps.columns);
    columns ??= pool.query(tableColumnsSql, [quoteTable(deps.table)]).then(
      (result) => (result.rows as { name: string }[]).map((r) => r.name),
      (error: unknown) => {
        columns = undefined;
        throw error;
      },
    );
    return columns;
  };

  return {
    name: deps.name,
    async write(records, context) {
      const deadLetters: DeadLetter[] = [];
      const reject = (record: DeadLetter['record'], error: RecordRejectedError) =>
        deadLetters.push({ record, stage: Stage.Output, error, component: deps.name });
      const plan = planPostgresWrites(records, deps);
      for (const [record, error] of plan.rejected) reject(record, error);
      if (plan.deletes.length === 0 && plan.upserts.length === 0) {
        return { written: records.length - deadLetters.length, deadLetters };
      }
      const budget = { ...deps.retry, budgetMs: retryBudget(deps.retry.budgetMs, context.deadlineMs) };
      let throttled = 0;

      /** One statement, retried in place while the failure is transient and the budget lasts. */
      const run = async (text: string, rows: readonly PlannedRow[]): Promise<number> => {
        const wait = backoff(budget, deps.clock ?? realClock);
        for (;;) {
          try {
            const pool = await deps.pool();
            const result = await pool.query(text, [`[${rows.map((r) => r.json).join(',')}]`]);
            return result.rowCount ?? 0;
          } catch (error) {
            if (isRowError(error)) throw error;
            if (isThrottling(error)) throttled += 1;
            if (!isTransient(error) || !(await wait())) {
              throw new RetriableError(`postgres table ${deps.table}: ${describe(error)}`, { cause: error });
            }
          }
        }
      };

      /** Runs rows in one statement; on a row's error, bisects down to the row and dead-letters it. */
      const runRows = async (text: string, rows: readonly PlannedRow[]): Promise<number> => {
        try {
          return await run(text, rows);
        } catch (error) {
          if (!isRowError(error)) throw error;
          if (rows.length === 1) {
            const row = rows[0] as PlannedRow;
            reject(
              row.record,
              new RecordRejectedError(`postgres table ${deps.table} refused the row: ${describe(error)}`, {
                cause: error,
              }),
            );
            return 0;
          }
          const half = Math.ceil(rows.length / 2);
          return (await runRows(text, rows.slice(0, half))) + (await runRows(text, rows.slice(half)));
        }
      };

      let stale = 0;
      try {
        for (const batch of chunks(plan.deletes, deps.rowsPerStatement, deps.maxStatementBytes)) {
          await runRows(deleteSql(deps), batch);
        }
        if (plan.upserts.length > 0) {
          const text = upsertSql({ ...deps, columns: await columnsOf(await deps.pool()) });
          for (const batch of chunks(plan.upserts, deps.rowsPerStatement, deps.maxStatementBytes)) {
            const before = deadLetters.length;
            const written = await runRows(text, batch);
            const refused = new Set(deadLetters.slice(before).map((d) => d.record));
            const keys = new Set(batch.filter((r) => !refused.has(r.record)).map((r) => r.key)).size;
            // Keys the ordering guard left as they were: the table holds this change or a newer one.
            stale += Math.max(0, keys - written);
          }
        }
      } catch (error) {
        throw error instanceof RetriableError
          ? error
          : new RetriableError(`postgres table ${deps.table} write failed: ${describe(error)}`, {
              cause: error,
            });
      }
      return {
        written: records.length - deadLetters.length - stale,
        deadLetters,
        ...(stale > 0 ? { replayed: stale } : {}),
        ...(throttled > 0 ? { throttled } : {}),
      };
    },
  };
};
