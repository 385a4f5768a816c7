/** Agents and their immutable versions. */

export interface AgentsTable {
  id: string;
  org_id: string;
  name: string;
  description: string;
  latest_version: number;
  archived: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface AgentVersionsTable {
  agent_id: string;
  version: number;
  org_id: string;
  definition: string;
  created_by: string;
  created_at: number;
}
