import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { EveryField } from '../platform/every-field.ts';

/** What a query takes from its caller: values that become parameters, never SQL. */
type Argument = string | number;

interface Compiled {
  /** Per parameter: the caller's argument it is (its index), or the constant the query itself put there. */
  sources: Array<{ argument: number } | { constant: unknown }>;
  template: CompiledQuery;
}

/**
 * A query whose text never changes, built and compiled by Kysely once per dialect and then run
 * with each call's arguments as its parameters. Building a query makes a tree of frozen nodes and
 * walks it to print the SQL: for a lookup by key that is more work than SQLite's running it (the
 * create path's agent and policy reads were ~2.5 % of the engine's thread at 2,000 runs in flight).
 * `build` must use its arguments only as values (`where('id', '=', id)`), each exactly as given:
 * it is called once, with stand-ins, and where each stand-in lands among the parameters is where
 * the real argument goes from then on.
 */
export function compiledOnce<DB, Args extends Argument[], Row>(
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
): (db: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  const byAdapter = new WeakMap<object, Compiled>();
  const compile = (db: Kysely<DB>, arity: number): Compiled => {
    const standIns = Array.from({ length: arity }, (_, i) => `\u0000argument ${i}\u0000`);
    const template = build(db, ...(standIns as Args)).compile();
    const sources = template.parameters.map((value) => {
      const argument = standIns.indexOf(value as string);
      return argument === -1 ? { constant: value } : { argument };
    });
    standIns.forEach((_, i) => {
      if (!sources.some((s) => 'argument' in s && s.argument === i))
        throw new Error(`compiledOnce: argument ${i} is not a parameter of the query`);
    });
    return { sources, template };
  };
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      compiled = compile(db, args.length);
      byAdapter.set(adapter, compiled);
    }
    const parameters = compiled.sources.map((s) => ('argument' in s ? args[s.argument] : s.constant));
    const { query, queryId, sql } = compiled.template;
    // Field by field (`EveryField`), not `{ ...template, parameters }`.
    const run: EveryField<CompiledQuery<Row>> = {
      query,
      queryId,
      sql,
      parameters,
    };
    const result = await db.executeQuery<Row>(run);
    return result.rows;
  };
}
