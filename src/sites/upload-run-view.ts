import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/** What an upload to a Site with an upload agent (T3) started, shown on the version uploaded. */
export interface UploadRunView {
  agentId: string;
  /** `waiting` (for extraction), `started` (see `runId`) or `failed` (see `error`). */
  status: 'waiting' | 'started' | 'failed';
  runId: string | null;
  /** Why no run started: the agent, the policy or the extraction refused. */
  error: string | null;
}

/** The upload triggers of some versions, by version id; versions without one are absent. */
export async function uploadRunsOf(
  db: Kysely<Database>,
  versionIds: readonly string[],
): Promise<Map<string, UploadRunView>> {
  if (versionIds.length === 0) return new Map();
  return toMap(
    await columns(db)
      .where('version_id', 'in', [...versionIds])
      .execute(),
  );
}

/** The upload triggers of every version uploaded to some Sites, by version id. */
export async function uploadRunsOfSites(
  db: Kysely<Database>,
  siteIds: readonly string[],
): Promise<Map<string, UploadRunView>> {
  if (siteIds.length === 0) return new Map();
  return toMap(
    await columns(db)
      .where('site_id', 'in', [...siteIds])
      .execute(),
  );
}

const columns = (db: Kysely<Database>) =>
  db.selectFrom('upload_triggers').select(['version_id', 'agent_id', 'status', 'run_id', 'error']);

function toMap(
  rows: Array<{
    version_id: string;
    agent_id: string;
    status: string;
    run_id: string | null;
    error: string | null;
  }>,
): Map<string, UploadRunView> {
  return new Map(
    rows.map((r) => [
      r.version_id,
      {
        agentId: r.agent_id,
        status: r.status as UploadRunView['status'],
        runId: r.run_id,
        error: r.error,
      },
    ]),
  );
}
