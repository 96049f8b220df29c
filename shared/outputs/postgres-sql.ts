/*
 * The statements toPostgres runs. Only identifiers from the flow's declaration (table, columns, key, ordering
 * column), each quoted, are put into SQL text; record content travels as the one parameter $1, a JSON array of
 * row objects that `jsonb_populate_recordset` turns into rows of the table's own type, so the database converts
 * every value to its column's type (and refuses one that does not fit, which the writer finds by bisecting).
 */

/** A quoted identifier: double quotes, an inner double quote doubled (PostgreSQL's quote_ident). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `table` or `schema.table`, quoted part by part. */
export const quoteTable = (table: string): string => {
  const dot = table.indexOf('.');
  return dot < 0
    ? quoteIdent(table)
    : `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
};

export interface UpsertShape {
  readonly table: string;
  readonly columns: readonly string[];
  readonly key: readonly string[];
  readonly orderBy?: string;
}

/**
 * Multi-row upsert. With `orderBy`, rows of one key are reduced to the one with the greatest ordering value (a
 * missing value counts least; on a tie the later row) and an existing row is replaced only by an equal or greater
 * one, so replays and out-of-order batches converge. `RETURNING 1` counts the rows written, so the writer can
 * tell how many the ordering guard left out.
 */
export const upsertSql = ({ table, columns, key, orderBy }: UpsertShape): string => {
  const target = quoteTable(table);
  const cols = columns.map(quoteIdent).join(', ');
  const keys = key.map(quoteIdent).join(', ');
  const rows = `jsonb_populate_recordset(NULL::${target}, $1::jsonb)`;
  const source = orderBy
    ? `(SELECT DISTINCT ON (${keys}) * FROM ${rows} WITH ORDINALITY AS r ORDER BY ${keys}, ${quoteIdent(orderBy)} DESC NULLS LAST, ordinality DESC) AS r`
    : `${rows} AS r`;
  const updated = columns.filter((c) => !key.includes(c));
  const onConflict =
    updated.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updated.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ')}${
          orderBy
            ? ` WHERE t.${quoteIdent(orderBy)} IS NULL OR EXCLUDED.${quoteIdent(orderBy)} >= t.${quoteIdent(orderBy)}`
            : ''
        }`;
  return `INSERT INTO ${target} AS t (${cols}) SELECT ${cols} FROM ${source} ON CONFLICT (${keys}) ${onConflict} RETURNING 1`;
};

/** Deletes the rows whose key columns equal those of the given key objects. */
export const deleteSql = ({ table, key }: Pick<UpsertShape, 'table' | 'key'>): string => {
  const target = quoteTable(table);
  const match = key.map((c) => `t.${quoteIdent(c)} = d.${quoteIdent(c)}`).join(' AND ');
  return `DELETE FROM ${target} AS t USING jsonb_populate_recordset(NULL::${target}, $1::jsonb) AS d WHERE ${match}`;
};

/**
 * The columns a row may set when the flow names none: the table's own, in order, less generated and
 * always-identity columns (which take no value). $1 is the quoted table name, resolved by `regclass`.
 */
export const tableColumnsSql =
  "SELECT a.attname AS name FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity <> 'a' ORDER BY a.attnum";
