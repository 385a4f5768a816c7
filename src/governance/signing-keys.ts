import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Actor } from '../identity/actor.ts';
import type { Database } from '../store/schema.ts';
import { appendAudit } from './audit-log.ts';
import { decryptSecret, encryptSecret, keyEncryptionKey } from './key-encryption.ts';

/**
 * Per-organization ECDSA P-256 signing keys (DESIGN.md, Governance). One key is active; rotation
 * retires it (a retired key still verifies what it signed, and its public key stays published).
 * Signing is an organization setting for now; issue 02's policy will hold its default.
 */
export const SIGNING_ALGORITHM = 'ecdsa-p256-sha256';

export interface PublicKeyView {
  id: string;
  algorithm: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, hex: the `hint` in every Sigstore bundle. */
  fingerprint: string;
  status: 'active' | 'retired';
  publicKeyPem: string;
  createdAt: string;
  retiredAt: string | null;
}

export interface ActiveSigner {
  keyId: string;
  fingerprint: string;
  publicKeyPem: string;
  privateKey: KeyObject;
}

export interface SigningState {
  enabled: boolean;
  signer: ActiveSigner | undefined;
}

type KeyDeps = Pick<Deps, 'store' | 'ids' | 'clock' | 'config'>;

export function fingerprintOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

async function createKey(trx: Kysely<Database>, deps: KeyDeps, orgId: string, now: number): Promise<string> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const id = deps.ids.next('key');
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  await trx
    .insertInto('signing_keys')
    .values({
      id,
      org_id: orgId,
      algorithm: SIGNING_ALGORITHM,
      fingerprint: fingerprintOf(publicKeyPem),
      public_key_pem: publicKeyPem,
      // The key id is the associated data: a ciphertext moved to another row does not decrypt.
      private_key_encrypted: encryptSecret(keyEncryptionKey(deps.config), der, id),
      status: 'active',
      created_at: now,
    })
    .execute();
  return id;
}

async function activeKeyRow(trx: Kysely<Database>, orgId: string) {
  return trx
    .selectFrom('signing_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** Turns signing on (creating the first key when there is none) or off. */
export async function setSigning(deps: KeyDeps, actor: Actor, enabled: boolean): Promise<SigningSettingView> {
  await deps.store.transaction(async (trx) => {
    const now = deps.clock.now();
    await trx
      .insertInto('governance_settings')
      .values({
        org_id: actor.orgId,
        signing_enabled: enabled ? 1 : 0,
        updated_by: actor.userId,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .column('org_id')
          .doUpdateSet({ signing_enabled: enabled ? 1 : 0, updated_by: actor.userId, updated_at: now }),
      )
      .execute();
    if (enabled && !(await activeKeyRow(trx, actor.orgId))) await createKey(trx, deps, actor.orgId, now);
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: enabled ? 'governance.signing_enabled' : 'governance.signing_disabled',
      target: actor.orgId,
    });
  });
  return getSigningSetting(deps, actor);
}

export interface SigningSettingView {
  enabled: boolean;
  activeKeyFingerprint: string | null;
}

export async function getSigningSetting(
  deps: Pick<Deps, 'store'>,
  actor: Actor,
): Promise<SigningSettingView> {
  const [setting, key] = await Promise.all([
    deps.store.db
      .selectFrom('governance_settings')
      .select('signing_enabled')
      .where('org_id', '=', actor.orgId)
      .executeTakeFirst(),
    activeKeyRow(deps.store.db, actor.orgId),
  ]);
  return { enabled: setting?.signing_enabled === 1, activeKeyFingerprint: key?.fingerprint ?? null };
}

/** Retires the active key and creates a new one; what the old key signed still verifies. */
export async function rotateKey(deps: KeyDeps, actor: Actor): Promise<PublicKeyView> {
  const id = await deps.store.transaction(async (trx) => {
    const now = deps.clock.now();
    const retired = await trx
      .updateTable('signing_keys')
      .set({ status: 'retired', retired_at: now })
      .where('org_id', '=', actor.orgId)
      .where('status', '=', 'active')
      .returning('fingerprint')
      .execute();
    const created = await createKey(trx, deps, actor.orgId, now);
    await appendAudit(trx, deps.ids, now, {
      orgId: actor.orgId,
      actor: actor.userId,
      action: 'governance.key_rotated',
      target: created,
      details: { retired: retired.map((r) => r.fingerprint) },
    });
    return created;
  });
  const keys = await listKeys(deps, actor);
  const key = keys.find((k) => k.id === id);
  if (!key) throw new Error(`key ${id} vanished after rotation`);
  return key;
}

/** Every key of the organization, newest first, public parts only. */
export async function listKeys(
  deps: Pick<Deps, 'store'>,
  actor: Pick<Actor, 'orgId'>,
): Promise<PublicKeyView[]> {
  const rows = await deps.store.db
    .selectFrom('signing_keys')
    .select(['id', 'algorithm', 'fingerprint', 'status', 'public_key_pem', 'created_at', 'retired_at'])
    .where('org_id', '=', actor.orgId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    algorithm: r.algorithm,
    fingerprint: r.fingerprint,
    status: r.status === 'active' ? 'active' : 'retired',
    publicKeyPem: r.public_key_pem,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    retiredAt: r.retired_at === null ? null : new Date(Number(r.retired_at)).toISOString(),
  }));
}

/** Whether the organization signs now, and with which key (decrypted for this seal only). */
export async function signingStateFor(
  trx: Kysely<Database>,
  config: KeyDeps['config'],
  orgId: string,
): Promise<SigningState> {
  const setting = await trx
    .selectFrom('governance_settings')
    .select('signing_enabled')
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  if (setting?.signing_enabled !== 1) return { enabled: false, signer: undefined };
  const row = await activeKeyRow(trx, orgId);
  if (!row) return { enabled: true, signer: undefined };
  const der = decryptSecret(keyEncryptionKey(config), row.private_key_encrypted, row.id);
  return {
    enabled: true,
    signer: {
      keyId: row.id,
      fingerprint: row.fingerprint,
      publicKeyPem: row.public_key_pem,
      privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    },
  };
}
