import { type Kysely, type Migration, sql } from 'kysely';
import type { StoreKind } from '../store-kind.ts';

/**
 * PostgreSQL's `search_vector` trigger fired on every step's commit: `UPDATE OF search_text` fires
 * when the column is in the SET list, and the engine's one commit statement lists it for every step
 * (it changes only when the run finishes). So every step ran `to_tsvector` over the run's name and
 * output. The update trigger now fires only when the text changed, as SQLite's FTS5 triggers do
 * (its step updates leave the column out).
 */
export function runSearchOnChangeMigration(kind: StoreKind): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (kind !== 'postgres') return;
      // Idempotent, as the migrations after 0022 must be (usage-history.test.ts runs them twice).
      await sql`DROP TRIGGER IF EXISTS runs_search_vector ON runs`.execute(db);
      await sql`DROP TRIGGER IF EXISTS runs_search_vector_update ON runs`.execute(db);
      await sql`CREATE TRIGGER runs_search_vector BEFORE INSERT ON runs
        FOR EACH ROW EXECUTE FUNCTION runs_search_vector()`.execute(db);
      await sql`CREATE TRIGGER runs_search_vector_update BEFORE UPDATE OF search_text ON runs
        FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
        EXECUTE FUNCTION runs_search_vector()`.execute(db);
    },
  };
}
