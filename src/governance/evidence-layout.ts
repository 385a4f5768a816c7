/**
 * The evidence bundle's layout, shared by the writer (server) and the verifier (CLI and browser).
 *
 *   manifest.json              every other entry with SHA-256 and size, the chain head, the runs
 *   manifest.sigstore.json     the manifest's signed statement (when the organization has a key)
 *   SHA256SUMS                 `sha256sum -c` format, every entry but itself
 *   VERIFY.md                  how to check it with cosign, openssl and sha256sum
 *   chain.jsonl                every link of the chain up to the head: { seq, hash, prevHash }
 *   records/<seq>.json         the records' canonical JSON (the runs chosen, and their tombstones)
 *   records/<seq>.sigstore.json  Sigstore bundle of the record's statement (signed), or
 *   records/<seq>.unsigned.json  the same statement, unsigned, saying why
 *   steps/<run>/<attempt>/<n>-<key>.txt  each step's output as text
 *   files/<sha256>/<name>      generated file binaries
 *   policies/<id>.json         the policy versions the records reference (issue 02)
 *   keys/<fingerprint>.pem     the organization's public keys (active and retired)
 */
export const MANIFEST = 'manifest.json';
export const MANIFEST_BUNDLE = 'manifest.sigstore.json';
export const SUMS = 'SHA256SUMS';
export const VERIFY_GUIDE = 'VERIFY.md';
export const CHAIN = 'chain.jsonl';
export const MANIFEST_PREDICATE_TYPE = 'https://agentruns.dev/evidence-manifest/v1';
export const BUNDLE_FORMAT = 'agentruns-evidence/v1';

export const keyEntryName = (fingerprint: string) => `keys/${fingerprint}.pem`;
export const signedReceiptName = (seq: number) => `records/${String(seq).padStart(8, '0')}.sigstore.json`;
export const unsignedReceiptName = (seq: number) => `records/${String(seq).padStart(8, '0')}.unsigned.json`;

export interface ManifestEntry {
  path: string;
  sha256: string;
  sizeBytes: number;
}

export interface EvidenceManifest {
  format: typeof BUNDLE_FORMAT;
  exportId: string;
  orgId: string;
  createdAt: string;
  selection: unknown;
  runs: string[];
  /** The chain as it stood when exported: every link from 1 to the head is in `chain.jsonl`. */
  chain: { head: { seq: number; hash: string } | null; records: number[] };
  keys: Array<{ fingerprint: string; status: string; path: string }>;
  entries: ManifestEntry[];
}

/** Entries the manifest cannot list (itself, its signature, and the sums that cover it). */
export const unlistedEntries = new Set([MANIFEST, MANIFEST_BUNDLE, SUMS]);
