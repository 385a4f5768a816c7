import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorker } from '../src/engine/worker.ts';
import { fromBase64, preAuthEncoding } from '../src/governance/dsse.ts';
import { waitForExport } from '../src/governance/evidence-export.ts';
import { RECORD_PREDICATE_TYPE } from '../src/governance/governed-record.ts';
import { verifyEvidenceBundle } from '../src/governance/verify-evidence-bundle.ts';
import { type ApiHarness, createApiHarness } from './support/api-harness.ts';
import { resealWithFiles } from './support/reseal-with-files.ts';
import { createReportRun, storeKinds } from './support/test-deps.ts';

interface ExportBody {
  id: string;
  status: string;
  progress: { runsDone: number; runsTotal: number };
  downloadUrl: string | null;
}

describe.each(storeKinds)('evidence bundles on %s', (kind) => {
  let api: ApiHarness;
  afterEach(async () => {
    await api.close();
  });

  /** Two runs, the first with a generated file (what issue 08's file steps will write). */
  async function seedRuns() {
    const { deps } = api;
    const first = await createReportRun(deps, { customer: 'Acme' });
    const second = await createReportRun(deps, { customer: 'Globex' });
    await createWorker(deps).runOnce();
    const blob = await deps.blobs.put(deps.admin.orgId, Buffer.from('quarter,revenue\nQ1,100\n'));
    // Re-seal the first run as a crash would leave it, now with the file in its step result.
    await resealWithFiles(
      deps,
      first.run.id,
      [{ name: 'report.csv', mediaType: 'text/csv', sizeBytes: blob.sizeBytes, sha256: blob.sha256 }],
      3,
    );
    return { first: first.run, second: second.run, blob };
  }

  async function exportZip(selection: unknown): Promise<Buffer> {
    const started = await api.call<ExportBody>('POST', '/api/governance/exports', selection);
    expect(started.status).toBe(202);
    await waitForExport(started.body.id);
    const status = await api.call<ExportBody>('GET', `/api/governance/exports/${started.body.id}`);
    expect(status.body.status).toBe('completed');
    expect(status.body.progress.runsDone).toBe(status.body.progress.runsTotal);
    const download = await api.call('GET', status.body.downloadUrl ?? '');
    expect(download.headers['content-type']).toBe('application/zip');
    return download.raw.rawPayload;
  }

  it('exports a signed bundle that verifies offline, with @sigstore/verify and with openssl', async () => {
    api = await createApiHarness(kind);
    expect((await api.call('PUT', '/api/governance/signing', { enabled: true })).status).toBe(200);
    const { first, blob } = await seedRuns();
    const zip = await exportZip({ runIds: [first.id] });
    const result = await verifyEvidenceBundle(zip);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.signatures.filter((s) => s.signed && s.ok).map((s) => s.covers)).toEqual(
      expect.arrayContaining(['the manifest', expect.stringMatching(/^record \d+$/)]),
    );

    const entries = unzipSync(zip);
    expect(Object.keys(entries)).toEqual(
      expect.arrayContaining([
        'manifest.json',
        'SHA256SUMS',
        'VERIFY.md',
        'chain.jsonl',
        `files/${blob.sha256}/report.csv`,
      ]),
    );
    const bundlePath =
      Object.keys(entries).find((p) => p.endsWith('.sigstore.json') && p.startsWith('records/')) ?? '';
    const recordPath = bundlePath.replace('.sigstore.json', '.json');
    const keys = (
      await api.call<{ items: Array<{ publicKeyPem: string; fingerprint: string }> }>(
        'GET',
        '/api/governance/keys',
      )
    ).body.items;

    // @sigstore/verify, given only the public key: no transparency log, no timestamps.
    const bundle = bundleFromJSON(JSON.parse(strFromU8(entries[bundlePath] ?? new Uint8Array())));
    const trust = toTrustMaterial(
      { mediaType: '', tlogs: [], ctlogs: [], certificateAuthorities: [], timestampAuthorities: [] },
      (hint) => {
        const key = keys.find((k) => k.fingerprint === hint);
        if (!key) throw new Error(`unknown key ${hint}`);
        return { publicKey: key.publicKeyPem, validFor: () => true } as never;
      },
    );
    const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    expect(() => verifier.verify(toSignedEntity(bundle))).not.toThrow();
    const statement = JSON.parse(
      Buffer.from(
        bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope.payload : [],
      ).toString(),
    );
    expect(statement.predicateType).toBe(RECORD_PREDICATE_TYPE);
    expect(statement.subject).toContainEqual({
      name: `files/${blob.sha256}/report.csv`,
      digest: { sha256: blob.sha256 },
    });

    // Plain openssl over the DSSE pre-authentication encoding.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-openssl-'));
    const json = JSON.parse(strFromU8(entries[bundlePath] ?? new Uint8Array()));
    const envelope = json.dsseEnvelope as {
      payload: string;
      payloadType: string;
      signatures: Array<{ sig: string }>;
    };
    fs.writeFileSync(
      path.join(dir, 'pae.bin'),
      preAuthEncoding(envelope.payloadType, fromBase64(envelope.payload)),
    );
    fs.writeFileSync(path.join(dir, 'sig.der'), fromBase64(envelope.signatures[0]?.sig ?? ''));
    fs.writeFileSync(path.join(dir, 'org.pub'), keys[0]?.publicKeyPem ?? '');
    const openssl = (file: string) =>
      execFileSync('openssl', ['dgst', '-sha256', '-verify', 'org.pub', '-signature', 'sig.der', file], {
        cwd: dir,
        encoding: 'utf8',
      });
    expect(openssl('pae.bin')).toContain('Verified OK');
    fs.writeFileSync(
      path.join(dir, 'forged.bin'),
      Buffer.concat([fs.readFileSync(path.join(dir, 'pae.bin')), Buffer.from(' ')]),
    );
    expect(() => openssl('forged.bin')).toThrow();
    // And `sha256sum -c` over the unzipped entries.
    for (const [name, bytes] of Object.entries(entries)) {
      fs.mkdirSync(path.dirname(path.join(dir, 'x', name)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'x', name), bytes);
    }
    expect(
      execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'x'), encoding: 'utf8' }),
    ).toContain(`${recordPath}: OK`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('detects and names a change of any byte of any entry', async () => {
    api = await createApiHarness(kind);
    await api.call('PUT', '/api/governance/signing', { enabled: true });
    await seedRuns();
    const zip = await exportZip({ from: '2000-01-01T00:00:00Z' });
    const entries = unzipSync(zip);
    for (const name of Object.keys(entries)) {
      const bytes = entries[name] ?? new Uint8Array();
      if (bytes.length === 0) continue;
      const tampered = { ...entries, [name]: Uint8Array.from(bytes) };
      const at = Math.floor(bytes.length / 2);
      (tampered[name] as Uint8Array)[at] = (bytes[at] ?? 0) ^ 0x01;
      const result = await verifyEvidenceBundle(zipSync(tampered));
      expect(result.ok, name).toBe(false);
      expect(result.problems.join('\n'), name).toContain(name);
    }
    // A removed entry and an added one.
    const { 'chain.jsonl': _removed, ...rest } = entries;
    expect((await verifyEvidenceBundle(zipSync(rest))).problems.join('\n')).toContain('chain.jsonl');
    const added = await verifyEvidenceBundle(zipSync({ ...entries, 'extra.txt': strToU8('hi') }));
    expect(added.problems.join('\n')).toContain('extra.txt');
  });

  it('verifies bundles signed before a rotation with the retired key, and refuses an unknown key hint', async () => {
    api = await createApiHarness(kind);
    await api.call('PUT', '/api/governance/signing', { enabled: true });
    await seedRuns();
    const before = await exportZip({ from: '2000-01-01T00:00:00Z' });
    const rotated = await api.call<{ status: string; fingerprint: string }>(
      'POST',
      '/api/governance/keys/rotate',
    );
    expect(rotated.status).toBe(201);
    const keys = (
      await api.call<{ items: Array<{ status: string; publicKeyPem: string; fingerprint: string }> }>(
        'GET',
        '/api/governance/keys',
      )
    ).body.items;
    expect(keys.map((k) => k.status)).toEqual(['active', 'retired']);
    const retired = keys[1]?.publicKeyPem ?? '';
    expect((await verifyEvidenceBundle(before, { trustedKeysPem: [retired] })).ok).toBe(true);
    // A new run is signed with the new key; a bundle with both verifies with both keys pinned.
    await createReportRun(api.deps, { customer: 'Initech' });
    await createWorker(api.deps).runOnce();
    const after = await exportZip({ from: '2000-01-01T00:00:00Z' });
    const both = await verifyEvidenceBundle(after, { trustedKeysPem: keys.map((k) => k.publicKeyPem) });
    expect(both.problems).toEqual([]);
    expect(new Set(both.signatures.map((s) => s.keyFingerprint))).toEqual(
      new Set(keys.map((k) => k.fingerprint)),
    );
    // Pinned to the retired key only, the new signatures are refused by their hint.
    const onlyOld = await verifyEvidenceBundle(after, { trustedKeysPem: [retired] });
    expect(onlyOld.ok).toBe(false);
    expect(onlyOld.problems.join('\n')).toContain(`unknown key hint ${keys[0]?.fingerprint}`);
  });

  it('is verified by `agentruns verify`, which names a tampered entry', async () => {
    api = await createApiHarness(kind);
    await api.call('PUT', '/api/governance/signing', { enabled: true });
    const { blob } = await seedRuns();
    const zip = await exportZip({ from: '2000-01-01T00:00:00Z' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentruns-verify-'));
    const good = path.join(dir, 'bundle.zip');
    fs.writeFileSync(good, zip);
    const cli = (file: string) =>
      spawnSync(process.execPath, [path.resolve('bin/agentruns.js'), 'verify', file], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = cli(good);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('VERIFIED');
    expect(ok.stdout).toMatch(/signatures: (\d+)\/\1 verify/);
    const entries = unzipSync(zip);
    const name = `files/${blob.sha256}/report.csv`;
    const bad = path.join(dir, 'tampered.zip');
    fs.writeFileSync(bad, zipSync({ ...entries, [name]: strToU8('quarter,revenue\nQ1,999\n') }));
    const failed = cli(bad);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(`${name} changed`);
    fs.rmSync(dir, { recursive: true, force: true });
    // Two CLI processes start cold (TypeScript loader included): on a loaded 2-core machine that
    // alone took over 30 s, the suite's default bound.
  }, 120_000);

  it('ships the same statements unsigned, saying so, when signing is off', async () => {
    api = await createApiHarness(kind);
    const { first } = await seedRuns();
    const zip = await exportZip({ runIds: [first.id] });
    const result = await verifyEvidenceBundle(zip);
    expect(result.problems).toEqual([]);
    expect(
      result.signatures.every(
        (s) => !s.signed && s.problem === 'unsigned: signing is disabled for this organization',
      ),
    ).toBe(true);
    expect(Object.keys(unzipSync(zip)).some((p) => p.endsWith('.unsigned.json'))).toBe(true);
  });

  it('refuses activity, exports, rotation and signing to non-administrators', async () => {
    api = await createApiHarness(kind);
    for (const role of ['editor', 'runner', 'viewer'] as const) {
      const { token } = await api.deps.addUser(role);
      expect((await api.call('GET', '/api/governance/activity', undefined, { token })).status).toBe(403);
      expect(
        (await api.call('GET', '/api/governance/activity?format=csv', undefined, { token })).status,
      ).toBe(403);
      expect(
        (await api.call('POST', '/api/governance/exports', { runIds: ['run_x'] }, { token })).status,
      ).toBe(403);
      expect((await api.call('POST', '/api/governance/keys/rotate', undefined, { token })).status).toBe(403);
      expect((await api.call('PUT', '/api/governance/signing', { enabled: true }, { token })).status).toBe(
        403,
      );
      expect((await api.call('GET', '/api/governance/keys', undefined, { token })).status).toBe(200);
    }
  });

  it('refuses an export that chooses no runs, naming the field', async () => {
    api = await createApiHarness(kind);
    const response = await api.call<{ error: { details: Array<{ path: string }> } }>(
      'POST',
      '/api/governance/exports',
      {},
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details[0]?.path).toBe('runIds');
  });
});
