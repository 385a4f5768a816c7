import type { DocumentsTable, DocumentVersionsTable, SitesTable } from '../store/schema.ts';
import type { UploadRunView } from './upload-run-view.ts';

/** The extraction status of a document version. */
export const extractionStatuses = ['queued', 'extracting', 'ready', 'failed'] as const;
export type ExtractionStatus = (typeof extractionStatuses)[number];

export interface SiteView {
  id: string;
  name: string;
  description: string;
  archived: boolean;
  /** T3: an agent run on every upload to this site, or null. */
  uploadAgentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DocumentVersionView {
  id: string;
  number: number;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  status: ExtractionStatus;
  /** Why extraction failed, in words a user can act on. */
  error: string | null;
  textChars: number | null;
  chunkCount: number | null;
  createdAt: string;
  extractedAt: string | null;
  /** T3: the run this upload started (or why it started none); null when the Site had no upload agent. */
  uploadRun: UploadRunView | null;
}

export interface DocumentView {
  id: string;
  siteId: string;
  name: string;
  latestVersion: number;
  /** The version retrieval searches (the newest one extracted), or null while none is ready. */
  indexedVersionId: string | null;
  /** The latest version's status, for the list. */
  status: ExtractionStatus;
  url: string;
  createdAt: string;
  updatedAt: string;
  versions: DocumentVersionView[];
}

export interface SiteDetails extends SiteView {
  documents: DocumentView[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toSiteView(row: SitesTable): SiteView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    archived: row.archived === 1,
    uploadAgentId: row.upload_agent_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function toVersionView(row: DocumentVersionsTable, uploadRun?: UploadRunView): DocumentVersionView {
  return {
    id: row.id,
    number: row.number,
    fileName: row.file_name,
    sha256: row.sha256,
    sizeBytes: row.size_bytes,
    mediaType: row.media_type,
    status: row.status as ExtractionStatus,
    error: row.error,
    textChars: row.text_chars,
    chunkCount: row.chunk_count,
    createdAt: new Date(row.created_at).toISOString(),
    extractedAt: iso(row.extracted_at),
    uploadRun: uploadRun ?? null,
  };
}

/** The API path of a document: what run details link to. */
export const documentUrl = (siteId: string, documentId: string) =>
  `/api/sites/${siteId}/documents/${documentId}`;

/** `versions` newest first. */
export function toDocumentView(
  row: DocumentsTable,
  versions: DocumentVersionsTable[],
  uploadRuns: ReadonlyMap<string, UploadRunView> = new Map(),
): DocumentView {
  const views = versions
    .map((v) => toVersionView(v, uploadRuns.get(v.id)))
    .sort((a, b) => b.number - a.number);
  return {
    id: row.id,
    siteId: row.site_id,
    name: row.name,
    latestVersion: row.latest_version,
    indexedVersionId: row.indexed_version_id,
    status: views[0]?.status ?? 'queued',
    url: documentUrl(row.site_id, row.id),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    versions: views,
  };
}
