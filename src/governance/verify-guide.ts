import { MANIFEST_BUNDLE, MANIFEST_PREDICATE_TYPE } from './evidence-layout.ts';
import { RECORD_PREDICATE_TYPE } from './governed-record.ts';
import { IN_TOTO_PAYLOAD_TYPE } from './receipt.ts';

export interface GuideRecord {
  seq: number;
  recordPath: string;
  receiptPath: string;
  signed: boolean;
  keyPath: string | null;
}

/** `VERIFY.md`: how to check the bundle with our command, with cosign, and with openssl + sha256sum. */
export function verifyGuide(records: readonly GuideRecord[], manifestKeyPath: string | null): string {
  const signed = records.filter((r) => r.signed && r.keyPath);
  const example = signed[0];
  const lines = [
    '# Verifying this evidence bundle',
    '',
    'Every check below runs offline. Unzip the bundle and run them in its directory.',
    '',
    '## 1. Every file is what the manifest says',
    '',
    '```sh',
    'sha256sum -c SHA256SUMS',
    '```',
    '',
    '`SHA256SUMS` lists every entry but itself; `manifest.json` lists the same digests and sizes',
    manifestKeyPath
      ? `and is itself signed (\`${MANIFEST_BUNDLE}\`, predicate type \`${MANIFEST_PREDICATE_TYPE}\`, key \`${manifestKeyPath}\`).`
      : 'and is not signed (signing was disabled when it was exported).',
    '',
    '## 2. All of it at once',
    '',
    '```sh',
    'npx agentruns verify bundle.zip            # hashes, chain and signatures; exit 0 when all hold',
    "npx agentruns verify bundle.zip --key org.pub   # trust only this public key, not the bundle's own",
    '```',
    '',
    "## 3. A record's signed receipt with cosign",
    '',
    `Each \`records/<seq>.sigstore.json\` is a Sigstore bundle (v0.3, DSSE envelope) of an in-toto`,
    `Statement v1 whose subjects are the record (\`records/<seq>.json\`, by SHA-256) and its generated`,
    `files. It is signed with the organization's ECDSA P-256 key and has no transparency log entry.`,
    '',
  ];
  if (example?.keyPath) {
    lines.push(
      '```sh',
      `cosign verify-blob-attestation --key ${example.keyPath} --bundle ${example.receiptPath} \\`,
      `  --type ${RECORD_PREDICATE_TYPE} --insecure-ignore-tlog ${example.recordPath}`,
      '```',
      '',
      'cosign 2.x reads Sigstore bundles with `--new-bundle-format` (cosign 3 does by default).',
      '',
      'Every signed record of this bundle:',
      '',
      '```sh',
      ...signed.map(
        (r) =>
          `cosign verify-blob-attestation --key ${r.keyPath} --bundle ${r.receiptPath} --type ${RECORD_PREDICATE_TYPE} --insecure-ignore-tlog ${r.recordPath}`,
      ),
      '```',
      '',
      '## 4. The same signature with openssl',
      '',
      'DSSE signs the pre-authentication encoding `DSSEv1 <len(type)> <type> <len(payload)> <payload>`:',
      '',
      '```sh',
      `B=${example.receiptPath}`,
      `jq -r .dsseEnvelope.payload "$B" | base64 -d > payload.json`,
      `T='${IN_TOTO_PAYLOAD_TYPE}'`,
      `printf 'DSSEv1 %d %s %d ' "\${#T}" "$T" "$(stat -c %s payload.json)" > pae.bin && cat payload.json >> pae.bin`,
      `jq -r '.dsseEnvelope.signatures[0].sig' "$B" | base64 -d > sig.der`,
      `openssl dgst -sha256 -verify ${example.keyPath} -signature sig.der pae.bin`,
      `# the statement names the record by its digest:`,
      `jq -r '.subject[0].digest.sha256' payload.json; sha256sum ${example.recordPath}`,
      '```',
      '',
    );
  } else {
    lines.push(
      'Signing was disabled for these records: each `records/<seq>.unsigned.json` holds the same',
      'statement, unsigned, and says so. The hashes and the chain still verify.',
      '',
    );
  }
  lines.push(
    '## 5. The chain',
    '',
    "`chain.jsonl` holds every link of the organization's chain up to the head named in the manifest:",
    "`{ seq, hash, prevHash }`. Each record's SHA-256 is its link's `hash`, its `prevHash` field is the",
    'hash of the record before it, and the seqs run without gaps. `agentruns verify` checks all of it.',
    '',
  );
  return lines.join('\n');
}
