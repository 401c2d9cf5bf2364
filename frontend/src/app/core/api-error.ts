import { HttpErrorResponse } from '@angular/common/http';
import { ChatError, type ErrorBody, type ErrorCode } from '@chat/contracts';

/**
 * Why a call failed, as far as the user is concerned. `code` is the protocol's
 * code; `transport` marks a failure that never reached the server's decision
 * (timeout, disconnect, network), which the caller may retry.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly transport = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static fromBody(body: ErrorBody): ApiError {
    return new ApiError(ChatError.isCode(body.code) ? body.code : 'INTERNAL', body.message);
  }

  /** From anything a REST call may throw. */
  static fromHttp(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (err instanceof HttpErrorResponse) {
      const body: unknown = err.error;
      const inner = isRecord(body) && isRecord(body['error']) ? body['error'] : null;
      if (inner && ChatError.isCode(inner['code'])) {
        return new ApiError(inner['code'], typeof inner['message'] === 'string' ? inner['message'] : '');
      }
      if (err.status === 0) return new ApiError('UNAVAILABLE', 'cannot reach the server', true);
      if (err.status === 401) return new ApiError('UNAUTHENTICATED', 'not signed in');
      if (err.status === 429) return new ApiError('RATE_LIMITED', 'too many requests');
      if (err.status >= 500) return new ApiError('UNAVAILABLE', `server error ${err.status}`, true);
    }
    return new ApiError('INTERNAL', 'unexpected error');
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

const WORDS: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'That input was not accepted.',
  UNAUTHENTICATED: 'Your session has ended. Please sign in again.',
  FORBIDDEN: 'You are not allowed to do that.',
  NOT_FOUND: 'That no longer exists, or you are no longer a member.',
  CONFLICT: 'That conflicts with the current state.',
  PAYLOAD_TOO_LARGE: 'That is too long.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  UNAVAILABLE: 'The service is unavailable right now. Try again shortly.',
  INTERNAL: 'Something went wrong on our side. Try again.',
};

/**
 * The error in words for a person. The server's message is added where it
 * explains the input (validation), never for internal failures.
 */
export function describeError(err: unknown): string {
  const e = err instanceof ApiError ? err : ApiError.fromHttp(err);
  if ((e.code === 'VALIDATION_FAILED' || e.code === 'PAYLOAD_TOO_LARGE' || e.code === 'CONFLICT') && e.message) {
    return `${WORDS[e.code]} (${e.message})`;
  }
  if (e.transport && e.code === 'UNAVAILABLE') return 'Cannot reach the server. Check your connection and try again.';
  return WORDS[e.code];
}
