import { setTimeout as delay } from 'node:timers/promises';
import {
  ChatError,
  blank,
  conversationOfMessage,
  LIMITS,
  matchesTerms,
  mentionCandidates,
  mentionsIn,
  messageId,
  newestFirst,
  searchTerms,
  wordsOf,
  type Conversation,
  type Message,
} from '@chat/contracts';
import { MAX_PAYLOAD_BYTES, type CommandPayload, type CommandReply } from '@chat/contracts/bus';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Metrics } from '@chat/platform-observability';
import type { Env } from '../config';
import { MediaClient } from '../media/media.client';
import { MessagingPublisher } from '../publisher/messaging.publisher';
import { CHECKPOINT_POLICY, CheckpointPlan, type CheckpointPolicy } from '../domain/checkpoint-plan';
import { OwnerCache, type LeaveReason, type OwnedConversation } from '../domain/owner-cache';
import { fitPage } from '../domain/page-budget';
import { advance, emptyTimeline, memberOf, readMarker, remention, replyRef, toConversation, toMessage } from '../domain/views';
import { decodeCursor, encodeCursor } from '../domain/search-cursor';
import { BlocksRepository } from '../store/blocks.repository';
import { ConversationsRepository } from '../store/conversations.repository';
import { CurrentTimelines } from '../store/current-timelines';
import { MessagesRepository } from '../store/messages.repository';
import type { ConversationDoc, MemberDoc, MessageDoc, ReactionDoc } from '../store/store.schema';
import { TimelinesRepository } from '../store/timelines.repository';
import { UsersRepository } from '../store/users.repository';

/** Where a command came from: the partition it arrived on (the owner cache is per partition) and its correlation id. */
export interface Origin {
  partition: number;
  correlationId?: string;
}

export interface MessagingOptions {
  /** How long conversations.get waits for a projection to reach minVersion. */
  getWaitMs: number;
  getPollMs: number;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Time of each step of a send (store, push, record, catchUp), for metrics. */
  observe: (step: 'store' | 'push' | 'record' | 'catchUp', ms: number) => void;
  /**
   * A send found its seq taken: by its own earlier attempt (a retry), or by another
   * writer, which is the unique message id fencing a stale owner during a rebalance.
   */
  seqTaken: (by: 'retry' | 'another-writer') => void;
  /** When the owner writes a conversation's timeline checkpoint. */
  checkpoint: CheckpointPolicy;
}

const DEFAULTS: MessagingOptions = {
  getWaitMs: 3000,
  getPollMs: 50,
  now: () => new Date(),
  sleep: (ms) => delay(ms),
  observe: () => undefined,
  seqTaken: () => undefined,
  checkpoint: CHECKPOINT_POLICY,
};

/** How often the owner looks for checkpoints that are due, and how long shutdown may spend writing the rest. */
const CHECKPOINT_SWEEP_MS = 1000;
const CHECKPOINT_SHUTDOWN_MS = 5000;

/** How often a send re-reads after finding its seq taken before it gives up (the transport then retries). */
const MAX_SEND_ATTEMPTS = 5;

const notFound = () => new ChatError('NOT_FOUND', 'no such conversation');

/**
 * The messaging commands. Every command of a conversation arrives on one
 * partition, handled in order by the one process that owns it: that owner
 * assigns seq (lastSeq + 1; the unique message id fences a second owner
 * during a rebalance), keeps the conversation's timeline in memory and is its
 * only writer. A message costs one insert and one push, and no read while the
 * conversation is cached: the timeline's checkpoint is written only every so
 * many messages or seconds (CheckpointPlan), and whoever reads a timeline
 * derives what lies above its checkpoint from the messages (CurrentTimelines).
 *
 * Crash safety comes from the order of the steps: the message is stored,
 * then pushed. An owner that takes a conversation over (a start, a
 * rebalance, a crash) derives its state and pushes again what lies above the
 * checkpoint, since the last of those may be stored but not pushed; every
 * gateway drops a `message:new` it has pushed already (RepeatFilter), so
 * a crash anywhere loses no push and repeats none.
 */
@Injectable()
export class MessagingService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(MessagingService.name);
  readonly cache = new OwnerCache(20000, (id, entry, why) => this.left(id, entry, why));
  /** Conversations whose checkpoint lags the state in the cache. */
  readonly unwritten: CheckpointPlan;
  private sweep?: NodeJS.Timeout;
  /** Timing and clocks; tests replace what they need. */
  readonly opts: MessagingOptions;

  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly timelines: TimelinesRepository,
    private readonly messages: MessagesRepository,
    private readonly events: MessagingPublisher,
    private readonly blocks: BlocksRepository,
    config: ConfigService<Env, true>,
    metrics: Metrics,
    private readonly users: UsersRepository,
    private readonly media: MediaClient,
    private readonly current: CurrentTimelines,
  ) {
    const steps = metrics.histogram('chat_messaging_send_step_seconds', 'Time of each step of messages.send', ['step'], [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
    const taken = metrics.counter('chat_messaging_seq_taken_total', 'Sends that found their seq taken, by whom: a retry of theirs, or another writer (the seq fence acting)', ['by']);
    this.opts = {
      ...DEFAULTS,
      getWaitMs: config.get('CONVERSATION_WAIT_MS', { infer: true }),
      observe: (step, ms) => steps.observe({ step }, ms / 1000),
      seqTaken: (by) => taken.inc({ by }),
    };
    this.unwritten = new CheckpointPlan(this.opts.checkpoint);
    metrics.gauge('chat_messaging_checkpoints_pending', 'Conversations whose timeline checkpoint lags the messages', [], () => this.unwritten.size);
  }

  onModuleInit(): void {
    this.sweep = setInterval(() => {
      for (const id of this.unwritten.due(this.opts.now().getTime())) void this.writeCheckpoint(id);
    }, CHECKPOINT_SWEEP_MS);
    this.sweep.unref();
  }

  /** Writes every checkpoint that lags (bounded in time: what is left is derived by the next owner). */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweep);
    const ids = this.unwritten.all();
    if (ids.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(ids.map((id) => this.writeCheckpoint(id))),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CHECKPOINT_SHUTDOWN_MS))),
    ]);
    clearTimeout(timer);
    this.log.log(`wrote ${ids.length - this.unwritten.size} of ${ids.length} lagging timeline checkpoints before stopping`);
  }

  // ---- messages ----------------------------------------------------------

  /**
   * `onStored` gets the answer as soon as the message is stored, with its push
   * already queued (so both leave in one produce batch); the timeline is
   * recorded after that, before the promise resolves and before the next
   * command of the partition. The ack promises storage, which is done; a crash
   * before the record is caught up like any other.
   */
  async send(
    p: CommandPayload<'messages.send'>,
    origin: Origin,
    onStored?: (reply: CommandReply<'messages.send'>) => void,
  ): Promise<CommandReply<'messages.send'>> {
    // The shape first, as the gateway checks every other request's: a blank text without files is refused before any lookup.
    const attachmentIds = p.attachmentIds ?? [];
    if (attachmentIds.length === 0 && blank(p.text)) throw new ChatError('VALIDATION_FAILED', 'text must not be blank');
    const caller = await this.asMember(p.conversationId, p.actorId, origin);
    let state = caller.state;
    const conv = caller.conv;
    await this.assertNotBlocked(state, conv, p.actorId);
    const replyTo = p.replyTo ? replyRef(await this.original(p.conversationId, p.replyTo)) : null;
    // Last of the checks: a send refused after its claim would leave the uploads taken by nothing.
    const attachments = attachmentIds.length ? await this.media.claim(p.actorId, p.conversationId, p.clientMsgId, attachmentIds) : [];
    const mentions = await this.mentionsOf(p.text, conv);
    const words = wordsOf(p.text);
    const createdAt = this.opts.now();
    for (let attempt = 0; attempt < MAX_SEND_ATTEMPTS; attempt++) {
      const seq = state.timeline.lastSeq + 1;
      const doc: MessageDoc = {
        _id: messageId(p.conversationId, seq),
        conversationId: p.conversationId,
        seq,
        senderId: p.actorId,
        text: p.text,
        clientMsgId: p.clientMsgId,
        createdAt,
        editedAt: null,
        deletedAt: null,
        replyTo,
        mentions,
        reactions: [],
        words,
        attachments,
      };
      const outcome = await this.timed('store', () => this.messages.insert(doc));
      if (outcome === 'inserted') {
        const reply = { message: toMessage(doc, this.media.sign) };
        const pushed = this.timed('push', () => this.announceNew(state, [doc], origin));
        onStored?.(reply);
        await pushed;
        await this.timed('record', () => this.commitProgress(state, [doc]));
        return reply;
      }
      // Its seq or its key is taken: a retry of a stored message, or another
      // process stored messages here meanwhile. Either way, finish what is
      // stored above what this owner knows, then answer the original or try the next seq.
      const original = await this.messages.findByClientMsgId(p.conversationId, p.actorId, p.clientMsgId);
      this.opts.seqTaken(original ? 'retry' : 'another-writer');
      if (!original || original.seq > state.timeline.lastSeq) state = await this.timed('catchUp', () => this.catchUp(p.conversationId, origin, state));
      if (original) return { message: (await this.view([original]))[0]! };
      if (!memberOf(state.conv, p.actorId)) throw notFound();
    }
    throw new ChatError('UNAVAILABLE', 'the conversation is busy; try again');
  }

  async edit(p: CommandPayload<'messages.edit'>, origin: Origin): Promise<CommandReply<'messages.edit'>> {
    const { state } = await this.asMember(p.conversationId, p.actorId, origin);
    const doc = await this.findMessage(p.conversationId, p.messageId);
    if (doc.senderId !== p.actorId) throw new ChatError('FORBIDDEN', 'only its sender may edit a message');
    if (doc.deletedAt) throw new ChatError('CONFLICT', 'the message was deleted');
    const mentions = await this.mentionsOf(p.text, state.conv!);
    const updated: MessageDoc = { ...doc, text: p.text, editedAt: this.opts.now(), mentions, words: wordsOf(p.text) };
    await this.messages.setContent(doc._id, { text: updated.text, editedAt: updated.editedAt, deletedAt: null, mentions, words: updated.words! });
    await this.recordMentions(state, doc, mentions);
    return { message: await this.announceUpdate(state, updated, origin) };
  }

  async remove(p: CommandPayload<'messages.delete'>, origin: Origin): Promise<CommandReply<'messages.delete'>> {
    const { state, member, conv } = await this.asMember(p.conversationId, p.actorId, origin);
    const doc = await this.findMessage(p.conversationId, p.messageId);
    const moderates = conv.type === 'group' && (member.role === 'owner' || member.role === 'admin');
    if (doc.senderId !== p.actorId && !moderates) {
      throw new ChatError('FORBIDDEN', 'only its sender (or, in a group, an admin or the owner) may delete a message');
    }
    if (doc.deletedAt) return { message: (await this.view([doc]))[0]! };
    // A tombstone keeps its replyTo and loses everything else.
    const tombstone: MessageDoc = { ...doc, text: '', deletedAt: this.opts.now(), mentions: [], reactions: [], words: [], attachments: [] };
    // The bytes go first: a crash after this still deletes them on the retry, and the URLs die with them.
    const released = (doc.attachments ?? []).map((a) => a.id);
    if (released.length) await this.events.released(p.conversationId, released, origin.correlationId);
    await this.messages.setContent(doc._id, { text: '', editedAt: doc.editedAt, deletedAt: tombstone.deletedAt, mentions: [], words: [], reactions: [], attachments: [] });
    await this.recordMentions(state, doc, []);
    return { message: await this.announceUpdate(state, tombstone, origin) };
  }

  /**
   * Adds or takes back the caller's reaction. Idempotent: a reaction already
   * held (or not held) changes and pushes nothing. Never touches seq, unread,
   * updatedAt or editedAt.
   */
  async react(p: CommandPayload<'reactions.add'>, add: boolean, origin: Origin): Promise<CommandReply<'reactions.add'>> {
    const { state } = await this.asMember(p.conversationId, p.actorId, origin);
    const doc = await this.findMessage(p.conversationId, p.messageId);
    if (doc.deletedAt) throw new ChatError('CONFLICT', 'the message was deleted');
    const reactions = nextReactions(doc.reactions ?? [], p.emoji, p.actorId, add);
    if (!reactions) return { message: (await this.view([doc]))[0]! };
    const updated: MessageDoc = { ...doc, reactions };
    await this.messages.setReactions(doc._id, reactions);
    return { message: await this.announceUpdate(state, updated, origin) };
  }

  /**
   * Messages whose current text has, for each term, a word the term begins;
   * newest first. Keyed by the caller: it only reads what owners wrote.
   */
  async search(p: CommandPayload<'messages.search'>): Promise<CommandReply<'messages.search'>> {
    let conversationIds: string[];
    if (p.conversationId !== undefined) {
      const conv = await this.conversations.find(p.conversationId);
      if (!memberOf(conv, p.actorId)) throw notFound();
      conversationIds = [p.conversationId];
    } else {
      conversationIds = (await this.conversations.findForMember(p.actorId)).filter((c) => memberOf(c, p.actorId)).map((c) => c._id);
    }
    const after = p.cursor === undefined ? null : decodeCursor(p.cursor);
    const terms = searchTerms(p.query);
    // A term with a separator in it is a prefix of no word.
    if (terms.some((t) => wordsOf(t).length !== 1 || wordsOf(t)[0] !== t)) return { messages: [], cursor: null };
    const found = await this.messages.search(conversationIds, terms, after, p.limit + 1);
    const docs = found.slice(0, p.limit).filter((d) => !d.deletedAt && matchesTerms(d.words ?? [], terms));
    // Newest first, so the head is kept when the page must be cut to fit one Kafka message.
    const fitted = fitPage(await this.view(docs), MAX_PAYLOAD_BYTES, 'oldest');
    const last = fitted.messages[fitted.messages.length - 1];
    const more = found.length > p.limit || fitted.cut;
    return {
      messages: fitted.messages,
      cursor: more && last ? encodeCursor({ createdAt: new Date(last.createdAt), seq: last.seq, id: last.id }) : null,
    };
  }

  /**
   * protocol.md's paging: no cursor, the newest `limit`; beforeSeq, the
   * `limit` just below it; afterSeq, the `limit` just above it; both, those
   * strictly between, from just above afterSeq. hasMore: more exist past the
   * page in the direction of travel (older, or newer with afterSeq).
   *
   * Seqs run from 1 to the timeline's lastSeq without a gap (a deleted message
   * stays as a tombstone), so the page is a range of seqs worked out here and
   * read by id.
   */
  async history(p: CommandPayload<'messages.history'>, origin: Origin): Promise<CommandReply<'messages.history'>> {
    const { state } = await this.asMember(p.conversationId, p.actorId, origin);
    const { afterSeq, beforeSeq, limit } = p;
    const top = Math.min(state.timeline.lastSeq, beforeSeq !== undefined ? beforeSeq - 1 : Infinity);
    let from: number;
    let to: number;
    let hasMore: boolean;
    if (afterSeq !== undefined) {
      from = afterSeq + 1;
      to = Math.min(top, afterSeq + limit);
      hasMore = to < top;
    } else {
      to = top;
      from = Math.max(1, top - limit + 1);
      hasMore = from > 1;
    }
    if (to < from) return { messages: [], hasMore: false };
    const docs = await this.messages.range(p.conversationId, from, to);
    // Long messages: the page is cut to fit one Kafka message, and says there is more.
    const page = fitPage(await this.view(docs), MAX_PAYLOAD_BYTES, afterSeq !== undefined ? 'oldest' : 'newest');
    return { messages: page.messages, hasMore: hasMore || page.cut };
  }

  // ---- conversations -----------------------------------------------------

  /** The caller's conversations, newest activity first. Keyed by the caller, so it reads the stored state. */
  async list(p: CommandPayload<'conversations.list'>): Promise<CommandReply<'conversations.list'>> {
    const mine = (await this.conversations.findForMember(p.actorId)).flatMap((conv) => {
      const member = memberOf(conv, p.actorId);
      return member ? [{ conv, member }] : [];
    });
    const timelines = await this.current.findMany(mine.map((m) => m.conv._id));
    const views: Conversation[] = mine.map(({ conv, member }) => toConversation(conv, timelines.get(conv._id) ?? emptyTimeline(conv._id), member, this.media.sign));
    views.sort(newestFirst);
    return { conversations: views };
  }

  /**
   * The caller's view of one conversation. With minVersion (the gateway asks
   * right after a change in the users service), waits briefly for the
   * projection to catch up with that change.
   */
  async get(p: CommandPayload<'conversations.get'>, origin: Origin): Promise<CommandReply<'conversations.get'>> {
    const deadline = Date.now() + this.opts.getWaitMs;
    let conv = await this.conversations.find(p.conversationId);
    const behind = () => p.minVersion !== undefined && (!conv || conv.version < p.minVersion);
    while (behind() && Date.now() < deadline) {
      await this.opts.sleep(this.opts.getPollMs);
      conv = await this.conversations.find(p.conversationId);
    }
    const member = memberOf(conv, p.actorId);
    if (!conv || !member) {
      if (behind()) throw new ChatError('UNAVAILABLE', 'the conversation is not ready yet; try again');
      throw notFound();
    }
    const state = await this.owned(p.conversationId, origin);
    if (!state.conv || state.conv.version < conv.version) state.conv = conv;
    return { conversation: toConversation(conv, state.timeline, member, this.media.sign) };
  }

  /** Moves the caller's read marker forward (never back; past lastSeq means lastSeq) and tells every member. */
  async read(p: CommandPayload<'conversations.read'>, origin: Origin): Promise<CommandReply<'conversations.read'>> {
    const { state, member } = await this.asMember(p.conversationId, p.actorId, origin);
    const t = state.timeline;
    const target = Math.min(p.seq, t.lastSeq);
    if (target <= readMarker(member, t).seq) return {};
    const sent = t.sent[p.actorId] ?? 0;
    const own = target === t.lastSeq ? sent : sent - (await this.messages.countFromSender(p.conversationId, p.actorId, target, t.lastSeq));
    const read = { seq: target, own, joinedAt: member.joinedAt };
    const mentioned = (t.mentioned[p.actorId] ?? []).filter((seq) => seq > target);
    await this.timelines.recordRead(p.conversationId, p.actorId, read, mentioned);
    state.timeline = { ...t, reads: { ...t.reads, [p.actorId]: read }, mentioned: { ...t.mentioned, [p.actorId]: mentioned } };
    await this.events.push(
      p.conversationId,
      [{ userIds: this.memberIds(state), event: 'read:update', data: { conversationId: p.conversationId, userId: p.actorId, seq: target } }],
      { correlationId: origin.correlationId },
    );
    return {};
  }

  /** Every member's read marker, the one `unread` counts from (a late joiner's is the lastSeq at joining). */
  async reads(p: CommandPayload<'conversations.reads'>, origin: Origin): Promise<CommandReply<'conversations.reads'>> {
    const { state, conv } = await this.asMember(p.conversationId, p.actorId, origin);
    return { reads: conv.members.map((m) => ({ userId: m.userId, seq: readMarker(m, state.timeline).seq })) };
  }

  /** The caller's mute, told to their other sockets when it changes. Others see nothing of it. */
  async mute(p: CommandPayload<'conversations.mute'>, origin: Origin): Promise<CommandReply<'conversations.mute'>> {
    const { state, member } = await this.asMember(p.conversationId, p.actorId, origin);
    const t = state.timeline;
    if ((t.muted[p.actorId] === member.joinedAt) === p.muted) return {};
    await this.timelines.recordMute(p.conversationId, p.actorId, p.muted ? member.joinedAt : null);
    const muted = { ...t.muted };
    if (p.muted) muted[p.actorId] = member.joinedAt;
    else delete muted[p.actorId];
    state.timeline = { ...t, muted };
    const item = { userIds: [p.actorId], event: 'conversation:prefs' as const, data: { conversationId: p.conversationId, muted: p.muted } };
    await this.events.push(p.conversationId, [p.socketId ? { ...item, exceptSocketId: p.socketId } : item], { correlationId: origin.correlationId });
    return {};
  }

  /** The projection of a conversation moved: its cached membership (and who blocks whom) is read again on next use. */
  projected(conversationId: string): void {
    const entry = this.cache.peek(conversationId);
    if (!entry) return;
    entry.convStale = true;
    entry.blockedSenders = undefined;
  }

  // ---- the owner's state -------------------------------------------------

  private async timed<T>(step: Parameters<MessagingOptions['observe']>[0], work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.opts.observe(step, performance.now() - started);
    }
  }

  /** The owner's state of a conversation: cached, or taken over (derived and finished, see catchUp). */
  private async owned(conversationId: string, origin: Origin): Promise<OwnedConversation> {
    const hit = this.cache.get(conversationId);
    if (!hit) return this.catchUp(conversationId, origin);
    if (hit.convStale) {
      const conv = await this.conversations.find(conversationId);
      hit.conv = conv && !conv.deleted ? conv : null;
      hit.convStale = false;
    }
    return hit;
  }

  /** In a direct conversation, a peer who blocks the sender refuses their messages (FORBIDDEN); groups go on. */
  /** In a direct conversation, refuses a sender the peer blocks; read once per cached conversation. */
  private async assertNotBlocked(state: OwnedConversation, conv: ConversationDoc, senderId: string): Promise<void> {
    if (conv.type !== 'direct') return;
    const peer = conv.memberIds.find((id) => id !== senderId);
    if (!peer) return;
    state.blockedSenders ??= new Map();
    let blocked = state.blockedSenders.get(senderId);
    if (blocked === undefined) {
      blocked = await this.blocks.blocks(peer, senderId);
      state.blockedSenders.set(senderId, blocked);
    }
    if (blocked) throw new ChatError('FORBIDDEN', 'this user does not accept messages from you');
  }

  /** Every message the user sent, for the export. */
  async sentBy(userId: string): Promise<CommandReply<'messages.export'>> {
    return { messages: await this.view(await this.messages.bySender(userId)) };
  }

  /** The conversation and the caller's membership, or NOT_FOUND (outsiders learn nothing more). */
  private async asMember(
    conversationId: string,
    userId: string,
    origin: Origin,
  ): Promise<{ state: OwnedConversation; member: MemberDoc; conv: ConversationDoc }> {
    const state = await this.owned(conversationId, origin);
    let member = memberOf(state.conv, userId);
    if (!member) {
      // A membership newer than the cached one (its `conversation.projected` still on its way): read it again once.
      const conv = await this.conversations.find(conversationId);
      if (conv && (!state.conv || conv.version > state.conv.version)) state.conv = conv.deleted ? null : conv;
      member = memberOf(state.conv, userId);
    }
    if (!member || !state.conv) throw notFound();
    return { state, member, conv: state.conv };
  }

  private async findMessage(conversationId: string, id: string): Promise<MessageDoc> {
    const doc = conversationOfMessage(id) === conversationId ? await this.messages.findById(id) : null;
    if (!doc || doc.conversationId !== conversationId) throw new ChatError('NOT_FOUND', 'no such message');
    return doc;
  }

  /** The message a reply names: of the same conversation (deleted is fine), else VALIDATION_FAILED. */
  private async original(conversationId: string, id: string): Promise<MessageDoc> {
    const doc = conversationOfMessage(id) === conversationId ? await this.messages.findById(id) : null;
    if (!doc || doc.conversationId !== conversationId) throw new ChatError('VALIDATION_FAILED', 'replyTo: no such message in this conversation');
    return doc;
  }

  /** The members a text names as `@username`; no read unless the text has an `@` name. */
  private async mentionsOf(text: string, conv: ConversationDoc): Promise<string[]> {
    const candidates = mentionCandidates(text);
    if (candidates.length === 0) return [];
    const names = [...new Set(candidates.flatMap((c) => [c.run, c.trimmed]).filter((n) => n.length > 0))];
    const members = new Set(conv.memberIds);
    const byName = new Map((await this.users.findByUsernames(names)).filter((u) => members.has(u._id)).map((u) => [u.username, u._id]));
    return mentionsIn(text, (name) => byName.get(name));
  }

  /** Messages as the protocol shows them, replies quoting their originals as they are now (one read for the page). */
  private async view(docs: MessageDoc[]): Promise<Message[]> {
    const ids = [...new Set(docs.flatMap((d) => (d.replyTo ? [d.replyTo.messageId] : [])))];
    if (ids.length === 0) return docs.map((d) => toMessage(d, this.media.sign));
    const originals = new Map((await this.messages.findMany(ids)).map((o) => [o._id, o]));
    for (const d of docs) originals.set(d._id, d);
    return docs.map((d) => toMessage(d, this.media.sign, originals));
  }

  /** Who a message mentions changed from `before.mentions` to `after`: the members' counts follow. */
  private async recordMentions(state: OwnedConversation, before: MessageDoc, after: string[]): Promise<void> {
    const changed = remention(state.timeline, before.seq, before.senderId, before.mentions ?? [], after);
    if (Object.keys(changed).length === 0) return;
    await this.timelines.recordMentioned(before.conversationId, changed);
    state.timeline = { ...state.timeline, mentioned: { ...state.timeline.mentioned, ...changed } };
  }

  private memberIds(state: OwnedConversation): string[] {
    return state.conv ? state.conv.members.map((m) => m.userId) : [];
  }

  /**
   * Pushes new messages, in order. A takeover may push dozens at once (all
   * above the checkpoint), each item with every member's id: they go in as
   * many delivery events as keep each under the broker's message limit.
   */
  private async announceNew(state: OwnedConversation, docs: MessageDoc[], origin: Origin): Promise<void> {
    const userIds = this.memberIds(state);
    // Quotes as stored: a send has just read its original, and a caught-up message's quote is at most as old as the crash.
    const items = docs.map((d) => ({ userIds, event: 'message:new' as const, data: { message: toMessage(d, this.media.sign) } }));
    const opts = { sentAtMs: Date.now(), correlationId: origin.correlationId };
    if (items.length === 1) return this.events.push(state.timeline._id, items, opts);
    const chunks: (typeof items)[] = [];
    for (let rest = items; rest.length > 0; ) {
      const chunk = fitPage(rest, MAX_PAYLOAD_BYTES, 'oldest').messages;
      chunks.push(chunk);
      rest = rest.slice(chunk.length);
    }
    // Queued in order on one key, so they reach the broker, and the gateways, in order.
    await Promise.all(chunks.map((chunk) => this.events.push(state.timeline._id, chunk, opts)));
  }

  /**
   * Pushes a changed message to every member and keeps the timeline's last
   * message current: when it is that message, or a reply quoting it.
   */
  private async announceUpdate(state: OwnedConversation, doc: MessageDoc, origin: Origin): Promise<Message> {
    const [message] = await this.view([doc]);
    await this.events.push(doc.conversationId, [{ userIds: this.memberIds(state), event: 'message:updated', data: { message } }], {
      correlationId: origin.correlationId,
    });
    const last = state.timeline.lastMessage;
    const next = last?._id === doc._id ? doc : last?.replyTo?.messageId === doc._id ? { ...last, replyTo: replyRef(doc) } : null;
    if (next) {
      await this.timelines.recordLastMessage(doc.conversationId, next);
      state.timeline = { ...state.timeline, lastMessage: next };
    }
    return message!;
  }

  /**
   * Records stored and announced messages in the cached timeline; its
   * checkpoint is written when the plan says (not awaited: the next command
   * of the conversation does not wait for it).
   */
  private commitProgress(state: OwnedConversation, docs: MessageDoc[]): Promise<void> {
    state.timeline = advance(state.timeline, docs);
    if (this.unwritten.note(state.timeline._id, docs.length, this.opts.now().getTime())) void this.writeCheckpoint(state.timeline._id);
    return Promise.resolve();
  }

  /** Writes a lagging checkpoint from the cached state; a failure leaves it lagging for the next sweep. Never throws. */
  private async writeCheckpoint(conversationId: string): Promise<void> {
    const entry = this.cache.peek(conversationId);
    const taken = this.unwritten.take(conversationId);
    if (!entry || !taken) return;
    try {
      await this.timelines.checkpoint(entry.timeline);
    } catch (err) {
      taken.restore();
      this.log.warn(`timeline checkpoint of ${conversationId} not written (the next sweep tries again): ${(err as Error).message}`);
    }
  }

  /** An entry left the cache: an evicted one's checkpoint is written; a dropped one's state may be stale, and the messages hold it anyway. */
  private left(conversationId: string, entry: OwnedConversation, why: LeaveReason): void {
    const taken = this.unwritten.take(conversationId);
    if (!taken || why === 'dropped') return;
    this.timelines.checkpoint(entry.timeline).catch(() => undefined);
  }

  /**
   * Takes a conversation over: reads it afresh, derives its timeline from the
   * checkpoint and the messages stored above it, and pushes those messages
   * again, since the last of them may have been stored but not pushed (a
   * crash, or another process during a rebalance); gateways drop the pushes
   * they made already. Then writes the checkpoint, so the next takeover has
   * less to do. With `known`, this owner's own state (right up to its lastSeq:
   * the unique message id keeps any other writer above it), only what lies
   * above that is read and pushed.
   */
  private async catchUp(conversationId: string, origin: Origin, known?: OwnedConversation): Promise<OwnedConversation> {
    const [conv, derived] = await Promise.all([
      this.conversations.find(conversationId),
      known ? this.messages.runAbove(conversationId, known.timeline.lastSeq).then((above) => ({ above, current: advance(known.timeline, above) })) : this.current.find(conversationId),
    ]);
    const entry: OwnedConversation = {
      conv: conv && !conv.deleted ? conv : null,
      timeline: derived.current,
      partition: origin.partition,
    };
    if (derived.above.length > 0) {
      await this.announceNew(entry, derived.above, origin);
      this.unwritten.forget(conversationId);
      await this.timelines.checkpoint(derived.current);
    }
    this.cache.set(conversationId, entry);
    return entry;
  }
}

/** The reactions after the change, or null when there is none to make (idempotent). */
export function nextReactions(current: ReactionDoc[], emoji: string, userId: string, add: boolean): ReactionDoc[] | null {
  const held = current.find((r) => r.emoji === emoji);
  if (add) {
    if (held?.userIds.includes(userId)) return null;
    if (!held && current.length >= LIMITS.reactionsPerMessage) {
      throw new ChatError('CONFLICT', `a message holds at most ${LIMITS.reactionsPerMessage} different emoji`);
    }
    return held ? current.map((r) => (r === held ? { emoji, userIds: [...r.userIds, userId] } : r)) : [...current, { emoji, userIds: [userId] }];
  }
  if (!held?.userIds.includes(userId)) return null;
  return current.flatMap((r) => (r !== held ? [r] : r.userIds.length > 1 ? [{ emoji, userIds: r.userIds.filter((u) => u !== userId) }] : []));
}
