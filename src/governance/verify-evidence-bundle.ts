import { unzipSync } from 'fflate';
import { type ChainCheck, type ChainLink, checkChain } from './check-chain.ts';
import { sha256Hex, toHex } from './digest.ts';
import { derToP1363, fromBase64, pemToDer, preAuthEncoding } from './dsse.ts';
import {
  CHAIN,
  type EvidenceManifest,
  MANIFEST,
  MANIFEST_BUNDLE,
  MANIFEST_PREDICATE_TYPE,
  SUMS,
  unlistedEntries,
} from './evidence-layout.ts';
import { RECORD_PREDICATE_TYPE } from './governed-record.ts';
import type { InTotoStatement } from './in-toto-statement.ts';

/**
 * Verifies an evidence bundle offline: every entry's SHA-256 and size against SHA256SUMS and the
 * manifest, the hash chain, and every signature (ECDSA P-256 over the DSSE pre-authentication
 * encoding) against the bundle's public keys or the keys the caller pins. Web Crypto and fflate
 * only, so `agentruns verify` and the browser's drop-a-bundle page run the same code.
 */
export interface EntryCheck {
  path: string;
  sha256: string;
  sizeBytes: number;
  ok: boolean;
  problem?: string;
}

export interface SignatureCheck {
  entry: string;
  /** What the signature covers: a record seq or the manifest. */
  covers: string;
  signed: boolean;
  keyFingerprint: string | null;
  ok: boolean;
  problem?: string;
}

export interface BundleVerification {
  ok: boolean;
  entries: EntryCheck[];
  chain: ChainCheck | null;
  signatures: SignatureCheck[];
  keys: Array<{ fingerprint: string; pinned: boolean }>;
  problems: string[];
}

export interface VerifyOptions {
  /** Public keys (PEM) to trust; when given, keys the bundle brings are not trusted. */
  trustedKeysPem?: string[];
}

// Web Crypto's key type, named without `node:crypto` or the DOM lib, so this file type-checks and
// bundles the same for the server (`agentruns verify`) and the browser (the drop-a-bundle page).
type CryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

interface SigstoreBundleJson {
  mediaType?: string;
  verificationMaterial?: { publicKey?: { hint?: string } };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: Array<{ sig: string; keyid?: string }> };
  signed?: false;
  reason?: string;
  statement?: InTotoStatement;
}

async function importKey(pem: string): Promise<{ fingerprint: string; key: CryptoKey }> {
  const der = pemToDer(pem);
  const key = await globalThis.crypto.subtle.importKey(
    'spki',
    der as Uint8Array<ArrayBuffer>,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  return { fingerprint: await sha256Hex(der), key };
}

/** Checks one receipt; returns its statement when its signature (if any) holds. */
async function checkReceipt(
  entry: string,
  covers: string,
  json: SigstoreBundleJson,
  keys: Map<string, CryptoKey>,
  signatures: SignatureCheck[],
): Promise<InTotoStatement | undefined> {
  if (json.signed === false && json.statement) {
    signatures.push({
      entry,
      covers,
      signed: false,
      keyFingerprint: null,
      ok: true,
      problem: `unsigned: ${json.reason}`,
    });
    return json.statement;
  }
  const envelope = json.dsseEnvelope;
  const hint = json.verificationMaterial?.publicKey?.hint ?? null;
  const fail = (problem: string) => {
    signatures.push({ entry, covers, signed: true, keyFingerprint: hint, ok: false, problem });
    return undefined;
  };
  if (!envelope || envelope.signatures.length === 0) return fail('no DSSE envelope or signature');
  if (!hint) return fail('the bundle names no key (publicKey.hint)');
  const key = keys.get(hint);
  if (!key) return fail(`unknown key hint ${hint}: no trusted public key has that fingerprint`);
  let payload: Uint8Array;
  let raw: Uint8Array | undefined;
  try {
    payload = fromBase64(envelope.payload);
    raw = derToP1363(fromBase64(envelope.signatures[0]?.sig ?? ''));
  } catch {
    return fail('the envelope is not valid base64');
  }
  const pae = preAuthEncoding(envelope.payloadType, payload);
  const valid =
    raw !== undefined &&
    (await globalThis.crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      raw as Uint8Array<ArrayBuffer>,
      pae as Uint8Array<ArrayBuffer>,
    ));
  if (!valid) return fail('the signature does not verify');
  signatures.push({ entry, covers, signed: true, keyFingerprint: hint, ok: true });
  try {
    return JSON.parse(text(payload)) as InTotoStatement;
  } catch {
    fail('the signed payload is not a statement');
    return undefined;
  }
}

export async function verifyEvidenceBundle(
  zip: Uint8Array,
  options: VerifyOptions = {},
): Promise<BundleVerification> {
  const problems: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (error) {
    return {
      ok: false,
      entries: [],
      chain: null,
      signatures: [],
      keys: [],
      problems: [`not a readable ZIP: ${String(error)}`],
    };
  }
  for (const name of Object.keys(files)) if (name.endsWith('/')) delete files[name];

  // 1. Every entry against SHA256SUMS and the manifest.
  const sums = new Map<string, string>();
  const sumsBytes = files[SUMS];
  if (!sumsBytes) problems.push(`${SUMS} is missing`);
  else
    for (const line of text(sumsBytes).split('\n')) {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (m?.[1] && m[2]) sums.set(m[2], m[1]);
    }
  let manifest: EvidenceManifest | undefined;
  try {
    manifest = files[MANIFEST] ? (JSON.parse(text(files[MANIFEST])) as EvidenceManifest) : undefined;
  } catch {
    problems.push(`${MANIFEST} is not JSON`);
  }
  if (!files[MANIFEST]) problems.push(`${MANIFEST} is missing`);
  const listed = new Map((manifest?.entries ?? []).map((e) => [e.path, e]));
  const entries: EntryCheck[] = [];
  for (const [path, bytes] of Object.entries(files)) {
    if (path === SUMS) continue;
    const sha256 = await sha256Hex(bytes);
    const check: EntryCheck = { path, sha256, sizeBytes: bytes.length, ok: true };
    const want = sums.get(path);
    const inManifest = listed.get(path);
    if (want === undefined) check.problem = `${path} is not listed in ${SUMS}`;
    else if (want !== sha256) check.problem = `${path} changed: sha256 ${sha256}, ${SUMS} says ${want}`;
    else if (!unlistedEntries.has(path) && !inManifest)
      check.problem = `${path} is not listed in the manifest`;
    else if (inManifest && (inManifest.sha256 !== sha256 || inManifest.sizeBytes !== bytes.length))
      check.problem = `${path} changed: sha256 ${sha256} (${bytes.length} bytes), the manifest says ${inManifest.sha256} (${inManifest.sizeBytes} bytes)`;
    if (check.problem) {
      check.ok = false;
      problems.push(check.problem);
    }
    entries.push(check);
  }
  for (const path of sums.keys()) if (!files[path]) problems.push(`${path} is listed in ${SUMS} but missing`);
  for (const path of listed.keys())
    if (!files[path]) problems.push(`${path} is listed in the manifest but missing`);

  // 2. Keys: the pinned ones, else the bundle's own (named by their fingerprints).
  const keys = new Map<string, CryptoKey>();
  const keyReport: BundleVerification['keys'] = [];
  const pinned = options.trustedKeysPem !== undefined;
  const pems = pinned
    ? (options.trustedKeysPem ?? [])
    : Object.entries(files)
        .filter(([path]) => path.startsWith('keys/') && path.endsWith('.pem'))
        .map(([, bytes]) => text(bytes));
  for (const pem of pems) {
    try {
      const { fingerprint, key } = await importKey(pem);
      keys.set(fingerprint, key);
      keyReport.push({ fingerprint, pinned });
    } catch (error) {
      problems.push(`a public key does not load: ${String(error)}`);
    }
  }
  for (const [path, bytes] of Object.entries(files)) {
    if (!path.startsWith('keys/')) continue;
    const { fingerprint } = await importKey(text(bytes)).catch(() => ({ fingerprint: '' }));
    if (`keys/${fingerprint}.pem` !== path)
      problems.push(`${path} is not the key its name says (fingerprint ${fingerprint || 'unreadable'})`);
  }

  // 3. The chain: every link, with the bodies the bundle carries.
  let chain: ChainCheck | null = null;
  const links: ChainLink[] = [];
  const chainBytes = files[CHAIN];
  if (!chainBytes) problems.push(`${CHAIN} is missing`);
  else {
    for (const line of text(chainBytes).split('\n')) {
      if (line.trim() === '') continue;
      let l: { seq: number; hash: string; prevHash: string };
      try {
        l = JSON.parse(line) as typeof l;
      } catch {
        problems.push(`${CHAIN}: a line is not JSON`);
        continue;
      }
      const body = files[`records/${String(l.seq).padStart(8, '0')}.json`];
      links.push({ seq: l.seq, hash: l.hash, prevHash: l.prevHash, body: body ? text(body) : null });
    }
    chain = await checkChain(links, {
      bodiesOptional: true,
      ...(manifest?.chain.head ? { expectedHead: manifest.chain.head } : {}),
    });
    for (const p of chain.problems) problems.push(`chain: ${p.message}`);
    for (const seq of manifest?.chain.records ?? [])
      if (!links.some((l) => l.seq === seq && l.body !== null))
        problems.push(`record ${seq} is in the manifest but not in the bundle`);
  }

  // 4. Signatures: each record's receipt, then the manifest's.
  const signatures: SignatureCheck[] = [];
  const hashOf = new Map(links.map((l) => [l.seq, l.hash]));
  for (const [path, bytes] of Object.entries(files)) {
    const m = /^records\/(\d{8})\.(sigstore|unsigned)\.json$/.exec(path);
    if (!m) continue;
    const seq = Number(m[1]);
    let json: SigstoreBundleJson;
    try {
      json = JSON.parse(text(bytes)) as SigstoreBundleJson;
    } catch {
      problems.push(`${path} is not JSON`);
      continue;
    }
    const statement = await checkReceipt(path, `record ${seq}`, json, keys, signatures);
    if (!statement) continue;
    const [record, ...fileSubjects] = statement.subject;
    if (statement.predicateType !== RECORD_PREDICATE_TYPE)
      problems.push(`${path}: predicate type ${statement.predicateType} is not ${RECORD_PREDICATE_TYPE}`);
    if (record?.digest.sha256 !== hashOf.get(seq))
      problems.push(`${path}: the statement's record digest is not record ${seq}'s hash in the chain`);
    for (const s of fileSubjects) {
      const file = files[s.name];
      if (file && (await sha256Hex(file)) !== s.digest.sha256)
        problems.push(`${s.name}: not the file record ${seq} attests`);
    }
  }
  const manifestBundle = files[MANIFEST_BUNDLE];
  if (manifestBundle && files[MANIFEST]) {
    let json: SigstoreBundleJson = {};
    try {
      json = JSON.parse(text(manifestBundle)) as SigstoreBundleJson;
    } catch {
      problems.push(`${MANIFEST_BUNDLE} is not JSON`);
    }
    const statement = await checkReceipt(MANIFEST_BUNDLE, 'the manifest', json, keys, signatures);
    if (statement && statement.predicateType !== MANIFEST_PREDICATE_TYPE)
      problems.push(`${MANIFEST_BUNDLE}: predicate type ${statement.predicateType}`);
    if (
      statement &&
      statement.subject[0]?.digest.sha256 !==
        toHex(await globalThis.crypto.subtle.digest('SHA-256', files[MANIFEST] as Uint8Array<ArrayBuffer>))
    )
      problems.push(`${MANIFEST_BUNDLE}: signs another manifest than ${MANIFEST}`);
  }
  for (const s of signatures) if (!s.ok) problems.push(`${s.entry}: ${s.problem}`);
  return { ok: problems.length === 0, entries, chain, signatures, keys: keyReport, problems };
}
