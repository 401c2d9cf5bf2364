import { ConnectionIndex } from './connection-index';

const c = (userId: string, socketId: string, gatewayId = 'gw-a') => ({ gatewayId, socketId, userId, at: 1 });

describe('ConnectionIndex', () => {
  it('finds sockets by user and by gateway, and forgets empty entries', () => {
    const index = new ConnectionIndex();
    index.add(c('alice', 's1'), 10);
    index.add(c('alice', 's2', 'gw-b'), 10);
    index.add(c('bob', 's3'), 10);
    expect(index.ofUser('alice').map((x) => x.socketId).sort()).toEqual(['s1', 's2']);
    expect(index.ofGateway('gw-a').map((x) => x.socketId).sort()).toEqual(['s1', 's3']);
    expect(index.size).toBe(3);
    index.remove('gw-b', 's2', 20);
    index.remove('gw-b', 'unknown', 20);
    expect(index.ofUser('alice').map((x) => x.socketId)).toEqual(['s1']);
    expect(index.ofGateway('gw-b')).toEqual([]);
    expect(index.users().sort()).toEqual(['alice', 'bob']);
    expect(index.entries().map(([key]) => key).sort()).toEqual(['gw-a/s1', 'gw-a/s3']);
  });

  it('remembers when each socket was last added or removed here, also a removal of one it never had', () => {
    const index = new ConnectionIndex();
    index.add(c('alice', 's1'), 10);
    index.remove('gw-a', 's9', 30);
    expect(index.touchedSince('gw-a/s1', 10)).toBe(true);
    expect(index.touchedSince('gw-a/s1', 11)).toBe(false);
    expect(index.touchedSince('gw-a/s9', 30)).toBe(true);
    index.forgetTouchesBefore(20);
    expect(index.touchedSince('gw-a/s1', 1)).toBe(false);
    expect(index.touchedSince('gw-a/s9', 1)).toBe(true);
  });
});
