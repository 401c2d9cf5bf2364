import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ChatError } from '@chat/contracts';

const PREFIX = 's1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals one field of a Kafka message so the broker keeps only ciphertext of it.
 * The context (e.g. `auth.login/password`) is bound to the ciphertext as
 * additional data: a field unseals only where it was sealed for.
 */
export class FieldSealer {
  private readonly key: Buffer;

  /** @param secret the secret gateway and auth share; the key is derived from it, never the secret itself */
  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the sealing secret must be at least 32 characters');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'chat-bus-sealing', 'fields v1', 32));
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plain text; a field that is not sealed, or sealed with another key or context, is INTERNAL. */
  unseal(sealed: string, context: string): string {
    const [iv, body] = sealed.startsWith(PREFIX) ? sealed.slice(PREFIX.length).split('.') : [];
    try {
      const ivBytes = Buffer.from(iv ?? '', 'base64url');
      const data = Buffer.from(body ?? '', 'base64url');
      if (ivBytes.length !== IV_BYTES || data.length < TAG_BYTES) throw new Error('malformed');
      const decipher = createDecipheriv('aes-256-gcm', this.key, ivBytes);
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // A peer with another JWT_SECRET, or a forged field: never a client's fault.
      throw new ChatError('INTERNAL', `a sealed field (${context}) did not open`);
    }
  }
}
