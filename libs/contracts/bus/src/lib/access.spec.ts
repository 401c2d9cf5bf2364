import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, serviceAcls, TOPIC_ACCESS } from './access';
import { COMMANDS, EVENTS, TOPICS, type TopicKey } from './kafka';

const topicsOf = (keys: readonly TopicKey[]) => keys.map((k) => TOPICS[k]);

describe('TOPIC_ACCESS', () => {
  it('is what the chart grants: helm/files/kafka-access.json holds the same table', () => {
    const chart = JSON.parse(readFileSync(join(__dirname, '../../../../../helm/files/kafka-access.json'), 'utf8')) as Record<string, unknown>;
    const { '//': _comment, ...grants } = chart;
    expect(grants).toEqual(Object.fromEntries(SERVICE_NAMES.map((s) => [s, { produce: topicsOf(TOPIC_ACCESS[s].produce), consume: topicsOf(TOPIC_ACCESS[s].consume) }])));
  });

  it("lets every command topic be written by the gateway (media's by messaging, which claims uploads at a send) and read by exactly one service", () => {
    const commandTopics = new Set(Object.values(COMMANDS).map((c) => c.topic));
    for (const t of commandTopics) {
      const writer = t === TOPICS.mediaCommands ? TOPIC_ACCESS.messaging : TOPIC_ACCESS.gateway;
      expect([t, topicsOf(writer.produce).includes(t)]).toEqual([t, true]);
    }
    expect(topicsOf(TOPIC_ACCESS.gateway.produce)).not.toContain(TOPICS.mediaCommands);
    // Every command topic is some service's own; messaging's also carries its own projection notices.
    for (const t of commandTopics) {
      const readers = SERVICE_NAMES.filter((s) => topicsOf(TOPIC_ACCESS[s].consume).includes(t));
      expect([t, readers.length]).toEqual([t, 1]);
    }
  });

  it('gives every event topic a writer', () => {
    for (const t of new Set(Object.values(EVENTS).map((e) => e.topic))) {
      expect([t, SERVICE_NAMES.some((s) => topicsOf(TOPIC_ACCESS[s].produce).includes(t))]).toEqual([t, true]);
    }
  });

  it('keeps the session events and the deliveries to the services that own them', () => {
    expect(SERVICE_NAMES.filter((s) => TOPIC_ACCESS[s].produce.includes('sessionEvents'))).toEqual(['auth']);
    expect(SERVICE_NAMES.filter((s) => TOPIC_ACCESS[s].produce.includes('deliveries'))).toEqual(['messaging', 'presence']);
    expect(SERVICE_NAMES.filter((s) => TOPIC_ACCESS[s].produce.includes('conversationEvents'))).toEqual(['users']);
  });
});

describe('serviceAcls', () => {
  it('namespaces topics and groups, and grants the group prefix named after the service', () => {
    const acls = serviceAcls('auth', 't1');
    expect(acls).toContainEqual({ resource: 'topic', pattern: 'literal', name: 't1.chat.session.events.v1', operation: 'write' });
    expect(acls).toContainEqual({ resource: 'topic', pattern: 'literal', name: 't1.chat.auth.commands.v1', operation: 'read' });
    expect(acls).toContainEqual({ resource: 'group', pattern: 'prefixed', name: 't1.auth', operation: 'read' });
    expect(acls.filter((a) => a.operation === 'write').map((a) => a.name)).not.toContain('t1.chat.deliveries.v1');
    expect(serviceAcls('gateway').find((a) => a.resource === 'group')).toEqual({ resource: 'group', pattern: 'prefixed', name: 'gateway', operation: 'read' });
  });
});
