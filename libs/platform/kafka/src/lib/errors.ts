import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Failures that go away by themselves (a database or broker briefly away):
 * the message is retried, never dropped or answered with an error.
 */
export function isTransient(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { name?: string; message?: string; retriable?: boolean; code?: number; cause?: unknown; hasErrorLabel?: (label: string) => boolean };
  // The driver labels what a retry can fix; bulk writes (insertMany, bulkWrite) wrap the network error in a MongoBulkWriteError.
  if (typeof e.hasErrorLabel === 'function' && (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('ResetPool'))) return true;
  if (e.cause && isTransient(e.cause, depth + 1)) return true;
  const name = e.name ?? '';
  if (/^Mongo(Network|ServerSelection|NotConnected|NetworkTimeout|PoolCleared|Topology)/.test(name)) return true;
  if (name === 'PoolClearedError' || name === 'PoolClosedError') return true;
  // A batched write that did not settle within its bound (WriteBatcher): its outcome is unknown, and a retry is safe.
  if (name === 'WriteTimeoutError') return true;
  if (/buffering timed out|server selection timed out|connection .* (closed|timed out)|ECONNREFUSED|ECONNRESET|EPIPE|not connected/i.test(e.message ?? '')) return true;
  if (name.startsWith('KafkaJS') && e.retriable !== false) return true;
  return false;
}

/**
 * Whether Kafka refused this client's principal: SASL authentication failed (its user does not
 * exist yet, or another password) or an ACL is missing. On a first install the in-cluster broker's
 * principals sidecar makes the users and grants a minute or two after the broker starts.
 */
export function refusedPrincipal(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { name?: string; type?: string; message?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };
  if (e.name === 'KafkaJSSASLAuthenticationError') return true;
  if (/AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED/.test(e.type ?? '')) return true;
  if (/SASL .*authentication failed|not authorized/i.test(e.message ?? '')) return true;
  return [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])].some((c) => refusedPrincipal(c, depth + 1));
}

/**
 * Nest's default RPC filter would turn every error into a generic object; this
 * one hands the error through untouched, so the transport can answer with the
 * ChatError's own code.
 */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
