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
  if (/buffering timed out|server selection timed out|connection .* (closed|timed out)|ECONNREFUSED|ECONNRESET|EPIPE|not connected/i.test(e.message ?? '')) return true;
  if (name.startsWith('KafkaJS') && e.retriable !== false) return true;
  return false;
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
