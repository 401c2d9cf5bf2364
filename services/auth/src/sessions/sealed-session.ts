import { SEALED, type CommandReply, type SessionAnswer } from '@chat/contracts/bus';
import type { FieldSealer } from '@chat/platform-sealing';

/** A session's reply with its tokens sealed for the gateway. */
export function sealSession(sealer: FieldSealer, answer: SessionAnswer): CommandReply<'auth.login'> {
  return {
    ...answer,
    accessToken: sealer.seal(answer.accessToken, SEALED.sessionAccessToken),
    refreshToken: sealer.seal(answer.refreshToken, SEALED.sessionRefreshToken),
  };
}
