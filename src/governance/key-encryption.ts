import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../platform/config.ts';

/**
 * Private signing keys at rest: AES-256-GCM under a key-encryption key from the config
 * (`AGENTRUNS_KEY_ENCRYPTION_KEY`) or, when unset, from `dataDir/keys/kek` (created once, mode 0600).
 * A copied database alone therefore does not give away the signing keys.
 */
const cache = new Map<string, Buffer>();

function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('AGENTRUNS_KEY_ENCRYPTION_KEY must be 32 bytes, as hex or base64');
  return key;
}

export function keyEncryptionKey(config: Pick<Config, 'dataDir' | 'keyEncryptionKey'>): Buffer {
  if (config.keyEncryptionKey) return parseKey(config.keyEncryptionKey);
  const file = path.join(config.dataDir, 'keys', 'kek');
  const cached = cache.get(file);
  if (cached) return cached;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // `wx`: two processes starting at once never write two different keys.
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = parseKey(fs.readFileSync(file, 'utf8'));
  cache.set(file, key);
  return key;
}

/** base64url of iv (12 bytes) | GCM tag (16 bytes) | ciphertext. */
export function encryptSecret(kek: Buffer, plain: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function decryptSecret(kek: Buffer, sealed: string, aad: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', kek, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
}
