import { MongoClient } from 'mongodb';
import { POOL_CHECK_MS, slowPoolChecks } from './pool-check-fix';

/** What the pool's constructor reads of its server. */
const server = { topology: { client: {} } };

describe("the MongoDB driver's pool check at rest", () => {
  it('as released, a pool checks its minimum size every 100 ms', () => {
    const { ConnectionPool } = require('mongodb/lib/cmap/connection_pool.js');
    const pool = new ConnectionPool(server, { hostAddress: { toString: () => '127.0.0.1:1' } });
    expect(pool.options.minPoolSizeCheckFrequencyMS).toBe(100);
  });

  describe('fixed', () => {
    beforeAll(() => slowPoolChecks());

    it('is the class the driver constructs, and checks every POOL_CHECK_MS', () => {
      const mod = slowPoolChecks();
      const pool = new mod.ConnectionPool(server, { hostAddress: { toString: () => '127.0.0.1:1' } });
      expect(pool.options.minPoolSizeCheckFrequencyMS).toBe(POOL_CHECK_MS);
    });

    it("a client's pools get it, without the client knowing the option", async () => {
      // serverSelection never succeeds (nothing listens on port 1), but the topology builds its pool.
      const client = new MongoClient('mongodb://127.0.0.1:1/?directConnection=true', { serverSelectionTimeoutMS: 200 });
      const connecting = client.connect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      const servers = (client as unknown as { topology?: { s: { servers: Map<string, { pool: { options: { minPoolSizeCheckFrequencyMS: number } } }> } } }).topology?.s.servers;
      expect(servers?.size).toBe(1);
      for (const s of servers!.values()) expect(s.pool.options.minPoolSizeCheckFrequencyMS).toBe(POOL_CHECK_MS);
      await connecting;
      await client.close();
    });
  });
});
