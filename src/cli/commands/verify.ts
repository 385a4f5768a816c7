import fs from 'node:fs/promises';
import { type BundleVerification, verifyEvidenceBundle } from '../../governance/verify-evidence-bundle.ts';

/**
 * `agentruns verify bundle.zip [--key org.pub…]`: checks an evidence bundle offline and prints
 * what it verified. Exit code 0 when everything holds, 1 when anything does not (each named).
 */
export async function verifyBundleCommand(
  file: string,
  options: { key: string[]; json: boolean },
  out: (line: string) => void,
): Promise<number> {
  const zip = await fs.readFile(file);
  const trustedKeysPem =
    options.key.length > 0 ? await Promise.all(options.key.map((k) => fs.readFile(k, 'utf8'))) : undefined;
  const result = await verifyEvidenceBundle(zip, trustedKeysPem ? { trustedKeysPem } : {});
  if (options.json) out(JSON.stringify(result, null, 2));
  else for (const line of describeVerification(result, file)) out(line);
  return result.ok ? 0 : 1;
}

export function describeVerification(result: BundleVerification, file: string): string[] {
  const lines: string[] = [];
  const okEntries = result.entries.filter((e) => e.ok);
  const bytes = okEntries.reduce((sum, e) => sum + e.sizeBytes, 0);
  lines.push(`${file}`);
  lines.push(
    `  entries:    ${okEntries.length}/${result.entries.length} match SHA256SUMS and the manifest (${bytes} bytes)`,
  );
  if (result.chain) {
    const head = result.chain.head ? `head ${result.chain.head.seq} ${result.chain.head.hash}` : 'empty';
    lines.push(
      `  chain:      ${result.chain.links} links, ${result.chain.bodiesHashed} records re-hashed, ${head}: ${result.chain.ok ? 'intact' : 'BROKEN'}`,
    );
  }
  const signed = result.signatures.filter((s) => s.signed);
  const unsigned = result.signatures.filter((s) => !s.signed);
  lines.push(
    `  signatures: ${signed.filter((s) => s.ok).length}/${signed.length} verify (ECDSA P-256 over DSSE)${unsigned.length ? `, ${unsigned.length} receipts unsigned` : ''}`,
  );
  for (const k of result.keys)
    lines.push(
      `  key:        ${k.fingerprint} (${k.pinned ? 'pinned with --key' : 'from the bundle; pin with --key'})`,
    );
  if (result.ok) lines.push('VERIFIED');
  else {
    lines.push(`FAILED: ${result.problems.length} problem(s)`);
    for (const p of result.problems) lines.push(`  - ${p}`);
  }
  return lines;
}
