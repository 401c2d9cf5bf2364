import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { PUSH_EVENTS, REQUEST_EVENTS } from '@chat/contracts';
import { COMMANDS, EVENTS, TOPICS } from '@chat/contracts/bus';
import { buildAsyncApi } from './asyncapi';

/**
 * docs/asyncapi.yaml describes every Socket.IO event and every Kafka topic,
 * and stays equal to what the contracts library says. No platform needed.
 */
const FILE = resolve(__dirname, '../../../docs/asyncapi.yaml');

type Doc = {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { name: string }> }>;
  operations: Record<string, unknown>;
};

beforeAll(() => {
  if (process.env['UPDATE_ASYNCAPI'] === '1' || !existsSync(FILE)) {
    writeFileSync(FILE, `# Generated from libs/contracts; do not edit by hand (see info.description).\n${stringify(buildAsyncApi(), { aliasDuplicateObjects: false, lineWidth: 0 })}`);
  }
});

const doc = () => parse(readFileSync(FILE, 'utf8')) as Doc;
const names = (d: Doc, channel: string) => Object.values(d.channels[channel]?.messages ?? {}).map((m) => m.name);

it('is an AsyncAPI 3 document equal to what the contracts say (regenerate with UPDATE_ASYNCAPI=1)', () => {
  const d = doc();
  expect(d.asyncapi).toBe('3.0.0');
  expect(d).toEqual(JSON.parse(JSON.stringify(buildAsyncApi())));
});

it('names every Socket.IO request (with its ack) and every push', () => {
  const d = doc();
  const socket = names(d, 'socket');
  expect(REQUEST_EVENTS.filter((e) => !socket.includes(e) || !socket.includes(`${e} ack`))).toEqual([]);
  expect(PUSH_EVENTS.filter((e) => !socket.includes(e))).toEqual([]);
});

it('has a channel for every Kafka topic, and every command and event on its own topic', () => {
  const d = doc();
  const addresses = Object.values(d.channels).map((c) => c.address);
  expect(Object.values(TOPICS).filter((t) => !addresses.includes(t))).toEqual([]);
  const channelOf = (topic: string) => Object.keys(d.channels).find((k) => d.channels[k]!.address === topic)!;
  for (const [type, def] of [...Object.entries(COMMANDS), ...Object.entries(EVENTS)]) {
    expect({ type, on: names(d, channelOf(def.topic)).includes(type) }).toEqual({ type, on: true });
  }
  const replies = names(d, channelOf(TOPICS.replies));
  expect(Object.keys(COMMANDS).filter((c) => !replies.includes(`${c} reply`))).toEqual([]);
});
