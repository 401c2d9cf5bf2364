import type { Response } from 'express';
import { REFRESH_COOKIE, REFRESH_COOKIE_PATH } from '@chat/contracts';

/** Clears the refresh cookie with the attributes it was set with: a browser ignores a Secure clearing cookie over plain http. */
export function clearRefreshCookie(res: Response, secure: boolean): void {
  res.clearCookie(REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH, httpOnly: true, sameSite: 'strict', secure });
}
