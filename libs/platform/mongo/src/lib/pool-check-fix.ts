/**
 * The MongoDB driver (7.x) re-checks every connection pool's minimum size every 100 ms
 * (`ensureMinPoolSize`, `minPoolSizeCheckFrequencyMS`), for the life of the process. With our
 * settings (no `minPoolSize`, no `maxIdleTimeMS`) the check has nothing to do: it only prunes
 * connections of a cleared pool, which a checkout destroys anyway. At rest those ten wakeups a
 * second were the largest part of what a service did. The option exists on the pool but
 * `MongoClient` refuses it (its option parser knows only the public ones), so the pool class
 * the driver instantiates (`Server` reads it from the module on every construction) is swapped
 * for one that defaults it to POOL_CHECK_MS.
 */

/** How often each pool checks its minimum size (the driver's default is 100 ms). */
export const POOL_CHECK_MS = 1000;

interface PoolModule {
  ConnectionPool: new (server: unknown, options: Record<string, unknown>) => { options: { minPoolSizeCheckFrequencyMS: number } };
}

let applied = false;

/** Replaces the driver's ConnectionPool (once) with one whose check runs every POOL_CHECK_MS; returns the module. */
export function slowPoolChecks(): PoolModule {
  // Internal path, pinned by the lockfile (mongodb 7.8); the spec fails if it moves.
  const mod = require('mongodb/lib/cmap/connection_pool.js') as PoolModule;
  if (!applied) {
    const Released = mod.ConnectionPool;
    mod.ConnectionPool = class extends Released {
      constructor(server: unknown, options: Record<string, unknown>) {
        super(server, { ...options, minPoolSizeCheckFrequencyMS: options['minPoolSizeCheckFrequencyMS'] ?? POOL_CHECK_MS });
      }
    };
    applied = true;
  }
  return mod;
}
