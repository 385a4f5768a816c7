import { sign } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import type { Signer } from '@sigstore/sign';
import type { RecordFile } from './governed-record.ts';
import { RECORD_PREDICATE_TYPE } from './governed-record.ts';
import { IN_TOTO_STATEMENT_TYPE, type InTotoStatement } from './in-toto-statement.ts';
import type { ActiveSigner } from './signing-keys.ts';

/**
 * A record's receipt: an in-toto Statement v1 whose subjects are the record and every generated
 * file (by SHA-256), in a DSSE envelope, as a Sigstore bundle v0.3 signed with the organization's
 * key (no transparency log: the public keys are published at /api/governance/keys and shipped in
 * every evidence bundle). With signing off the same statement ships unsigned and says so.
 */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const UNSIGNED_RECEIPT_MEDIA_TYPE = 'application/vnd.agentruns.unsigned-receipt+json;version=1';

export interface UnsignedReceipt {
  mediaType: typeof UNSIGNED_RECEIPT_MEDIA_TYPE;
  signed: false;
  reason: string;
  statement: InTotoStatement;
}

/** The bundle entry name of a record: what the statement's first subject is called. */
export const recordEntryName = (seq: number) => `records/${String(seq).padStart(8, '0')}.json`;
/** The bundle entry name of a generated file: content-addressed, so names never collide. */
export const fileEntryName = (file: Pick<RecordFile, 'sha256' | 'name'>) =>
  `files/${file.sha256}/${file.name.replace(/[/\\]/g, '_')}`;

export function recordStatement(
  record: { seq: number; hash: string; prevHash: string; orgId: string; kind: string; runId: string },
  files: readonly RecordFile[],
): InTotoStatement {
  const seen = new Set<string>();
  const fileSubjects = files
    .filter((f) => !seen.has(f.sha256) && seen.add(f.sha256))
    .map((f) => ({ name: fileEntryName(f), digest: { sha256: f.sha256 } }));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: recordEntryName(record.seq), digest: { sha256: record.hash } }, ...fileSubjects],
    predicateType: RECORD_PREDICATE_TYPE,
    predicate: {
      orgId: record.orgId,
      kind: record.kind,
      runId: record.runId,
      seq: record.seq,
      prevHash: record.prevHash,
    },
  };
}

function keySigner(key: ActiveSigner): Signer {
  return {
    sign: async (data) => ({
      // Node signs ECDSA as DER, the encoding DSSE, Sigstore and `openssl dgst -verify` expect.
      signature: sign('sha256', data, key.privateKey),
      key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint: key.fingerprint },
    }),
  };
}

/**
 * `@sigstore/sign` brings its Fulcio, Rekor and TUF clients: ~0.3 s of a command's start on a
 * 2-core machine, and only signing needs it.
 */
let sigstore: Promise<typeof import('@sigstore/sign')> | undefined;
const loadSigstore = () => {
  sigstore ??= import('@sigstore/sign');
  return sigstore;
};

/** Signs `statement` into a Sigstore bundle (JSON), or says why it is unsigned. */
export async function createReceipt(
  statement: InTotoStatement,
  signer: ActiveSigner | undefined,
  unsignedReason: string,
): Promise<object> {
  if (!signer) {
    const receipt: UnsignedReceipt = {
      mediaType: UNSIGNED_RECEIPT_MEDIA_TYPE,
      signed: false,
      reason: unsignedReason,
      statement,
    };
    return receipt;
  }
  const { DSSEBundleBuilder } = await loadSigstore();
  const builder = new DSSEBundleBuilder({ signer: keySigner(signer), witnesses: [] });
  const bundle = await builder.create({
    data: Buffer.from(JSON.stringify(statement)),
    type: IN_TOTO_PAYLOAD_TYPE,
  });
  return bundleToJSON(bundle) as object;
}
