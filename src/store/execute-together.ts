import { CompiledQuery, type Insertable, type Kysely } from 'kysely';
import { markedPrepared } from './prepared-statements.ts';
import type { Database } from './schema.ts';
import type { StoreKind } from './store-kind.ts';

/** Rows for one table, written by one multi-row INSERT; every row names the same columns. */
export interface RowsInsert {
  table: keyof Database & string;
  rows: readonly object[];
  /** Rows whose key is taken are skipped (`ON CONFLICT DO NOTHING`), not an error. */
  ignoreConflicts: boolean;
}

/** `{ table, rows }`, the rows typed against the table's columns. */
export function rowsInsert<T extends keyof Database & string>(
  table: T,
  rows: ReadonlyArray<Insertable<Database[T]>>,
  options: { ignoreConflicts?: boolean } = {},
): RowsInsert {
  return { table, rows, ignoreConflicts: options.ignoreConflicts === true };
}

/**
 * Writes several tables' rows as one statement on PostgreSQL: all but the last INSERT become
 * data-modifying CTEs (`WITH w0 AS (INSERT …), w1 AS (…) INSERT …`), each run exactly once, and
 * foreign keys are checked when the whole statement ends, so a child row may sit beside its
 * parent's insert. One round trip instead of one per insert: creating a run went from nine round
 * trips in its transaction to four. On SQLite a statement costs no round trip and data-modifying
 * CTEs do not exist: the INSERTs run one after another, in order. `prepared` sends the statement
 * as one prepared per connection (`prepared-statements.ts`): for a caller whose statement has a
 * few shapes at most.
 *
 * The SQL is made once per shape (tables, columns, row counts) and kept: building the INSERTs with
 * Kysely's builders and compiling them on every call allocated ~40 KB per run created, the create
 * path's largest share (concurrency bench, sampling allocation profile).
 */
export async function executeTogether(
  db: Kysely<Database>,
  kind: StoreKind,
  inserts: readonly RowsInsert[],
  options: { prepared?: boolean } = {},
): Promise<void> {
  const writes = inserts.filter((insert) => insert.rows.length > 0);
  const parameters = writes.map(valuesOf);
  if (kind === 'sqlite' || writes.length < 2) {
    for (const [i, insert] of writes.entries()) {
      const text = statementText(kind, [insert], options.prepared === true);
      await db.executeQuery(CompiledQuery.raw(text, parameters[i]));
    }
    return;
  }
  const text = statementText(kind, writes, options.prepared === true);
  await db.executeQuery(CompiledQuery.raw(text, parameters.flat()));
}

/** Each row's values in the order of the first row's columns. */
function valuesOf({ table, rows }: RowsInsert): unknown[] {
  const columns = Object.keys(rows[0] ?? {});
  const values: unknown[] = [];
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    if (Object.keys(record).length !== columns.length || !columns.every((c) => Object.hasOwn(record, c)))
      throw new Error(`executeTogether: every row of ${table} must name the same columns`);
    for (const column of columns) values.push(record[column]);
  }
  return values;
}

/** Statement texts by shape; a caller's shapes are few, and this bounds them all the same. */
const texts = new Map<string, string>();
const MAX_TEXTS = 256;

function statementText(kind: StoreKind, inserts: ReadonlyArray<RowsInsert>, prepared: boolean) {
  const shape = `${kind}${prepared ? '+' : ''}|${inserts
    .map(
      ({ table, rows, ignoreConflicts }) =>
        `${table}(${Object.keys(rows[0] ?? {}).join(',')})×${rows.length}${ignoreConflicts ? '?' : ''}`,
    )
    .join('|')}`;
  let text = texts.get(shape);
  if (text === undefined) {
    text = prepared ? markedPrepared(writeStatement(kind, inserts)) : writeStatement(kind, inserts);
    if (texts.size >= MAX_TEXTS) texts.clear();
    texts.set(shape, text);
  }
  return text;
}

function writeStatement(kind: StoreKind, inserts: ReadonlyArray<RowsInsert>): string {
  let parameter = 0;
  const placeholder = kind === 'postgres' ? () => `$${++parameter}` : () => '?';
  const statements = inserts.map(({ table, rows, ignoreConflicts }) => {
    const columns = Object.keys(rows[0] ?? {});
    const tuple = () => `(${columns.map(placeholder).join(', ')})`;
    const onConflict = ignoreConflicts ? ' on conflict do nothing' : '';
    return `insert into ${identifier(table)} (${columns.map(identifier).join(', ')}) values ${rows.map(tuple).join(', ')}${onConflict}`;
  });
  const last = statements.pop() as string;
  if (statements.length === 0) return last;
  return `with ${statements.map((s, i) => `"w${i}" as (${s})`).join(', ')} ${last}`;
}

/** A table's or column's name, quoted as both stores quote identifiers. */
function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
