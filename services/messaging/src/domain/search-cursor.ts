import { ChatError } from '@chat/contracts';
import type { SearchPosition } from '../store/messages.repository';

/** A search page's cursor: where it ended, opaque to clients (base64url of a small JSON). */
export function encodeCursor(at: SearchPosition): string {
  return Buffer.from(JSON.stringify([at.createdAt.toISOString(), at.seq, at.id])).toString('base64url');
}

export function decodeCursor(cursor: string): SearchPosition {
  try {
    const [createdAt, seq, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const at = typeof createdAt === 'string' ? new Date(createdAt) : null;
    if (at && !Number.isNaN(at.getTime()) && Number.isInteger(seq) && typeof id === 'string') return { createdAt: at, seq: seq as number, id };
  } catch {
    /* refused below */
  }
  throw new ChatError('VALIDATION_FAILED', 'cursor: not one this server answered');
}
