/**
 * The governed AI record (SPEC G1): what one finished attempt was, sealed as canonical JSON whose
 * SHA-256 is chained per organization. Browser-safe (types only), so the bundle verifier reads it.
 *
 * Slots filled by other issues: `policyVersions` (issue 02), `sources` (issue 06) and `files`
 * (issue 08) are read from the step results and the run; they are empty arrays until those land.
 */
export const RECORD_PREDICATE_TYPE = 'https://agentruns.dev/run-record/v1';
export const RECORD_TYPE = 'agentruns.dev/governed-record';

export interface RecordLink {
  orgId: string;
  seq: number;
  prevHash: string;
  sealedAt: string;
}

export interface RecordFile {
  /** The step that produced it; null for a file of the run as a whole. */
  step: number | null;
  name: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
}

export interface RecordSource {
  step: number;
  [field: string]: unknown;
}

export interface RecordStep {
  number: number;
  key: string;
  name: string;
  status: string;
  output: string | null;
  error: string | null;
  model: string;
  reasoningEffort: string | null;
  reused: boolean;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  usage: unknown;
  credits: number;
  toolCalls: unknown[];
  sources: unknown[];
  files: RecordFile[];
}

export interface AttemptRecordBody extends RecordLink {
  type: typeof RECORD_TYPE;
  kind: 'attempt';
  run: {
    id: string;
    name: string;
    trigger: unknown;
    createdBy: string;
    createdAt: string;
  };
  agent: { id: string; version: number; definitionSha256: string; definition: unknown };
  /** Policy versions in force (issue 02): `{ id, version, sha256 }`. */
  policyVersions: unknown[];
  attempt: {
    id: string;
    number: number;
    status: string;
    fromStep: number;
    error: string | null;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  };
  variables: unknown[];
  modelSettings: unknown;
  stepOverrides: unknown[];
  siteIds: unknown[];
  /** Every source chunk a step used (issue 06), each with its step number. */
  sources: RecordSource[];
  /** Every generated file (issue 08), by SHA-256. */
  files: RecordFile[];
  modelsUsed: string[];
  steps: RecordStep[];
  output: string | null;
  credits: { estimated: number; actual: number };
}

export interface TombstoneRecordBody extends RecordLink {
  type: typeof RECORD_TYPE;
  kind: 'tombstone';
  run: { id: string; name: string; agentId: string };
  deletedBy: string;
  deletedAt: string;
  /** The deleted run's records: their bodies are gone, their hashes stay in the chain. */
  records: Array<{ seq: number; hash: string }>;
  files: RecordFile[];
}

export type RecordBody = AttemptRecordBody | TombstoneRecordBody;
