/** Model providers and price tables (issue 03). */

/** A named OpenAI-compatible endpoint of an organization (issue 03); secrets sealed with AES-256-GCM. */
export interface ModelProvidersTable {
  id: string;
  org_id: string;
  name: string;
  kind: string;
  base_url: string;
  api_key_sealed: string | null;
  api_key_last4: string | null;
  headers_sealed: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

/** One version of an organization's model prices (the shipped defaults are version 0, in code). */
export interface PriceTablesTable {
  org_id: string;
  version: number;
  prices: string;
  note: string;
  created_by: string;
  created_at: number;
}
