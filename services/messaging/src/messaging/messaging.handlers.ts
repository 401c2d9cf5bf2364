import { Controller } from '@nestjs/common';
import type { CommandPayload, CommandReply, EventPayload } from '@chat/contracts/bus';
import { OnCommand, OnEvent, type KafkaContext } from '@chat/platform-kafka';
import { Observable } from 'rxjs';
import { MessagingService, type Origin } from './messaging.service';

/**
 * The messaging commands, all keyed by conversation (conversations.list by
 * its caller). Payloads arrive validated by the contracts. Each message of
 * the commands topic is first shown to the owner cache, which drops what it
 * holds of a partition when another process may have handled it meanwhile.
 */
@Controller()
export class MessagingHandlers {
  constructor(private readonly messaging: MessagingService) {}

  private origin(ctx: KafkaContext): Origin {
    this.messaging.cache.observe(ctx.partition, ctx.batch.firstOffset, ctx.batch.lastOffset);
    return { partition: ctx.partition, correlationId: ctx.envelope.correlationId };
  }

  /** Answered as soon as the message is stored (the transport answers an Observable's first value), finished after. */
  @OnCommand('messages.send')
  send(p: CommandPayload<'messages.send'>, ctx: KafkaContext): Observable<CommandReply<'messages.send'>> {
    const origin = this.origin(ctx);
    return new Observable((subscriber) => {
      let answered = false;
      this.messaging
        .send(p, origin, (reply) => {
          answered = true;
          subscriber.next(reply);
        })
        .then(
          (reply) => {
            if (!answered) subscriber.next(reply);
            subscriber.complete();
          },
          (err: unknown) => subscriber.error(err),
        );
    });
  }

  @OnCommand('messages.edit')
  edit(p: CommandPayload<'messages.edit'>, ctx: KafkaContext) {
    return this.messaging.edit(p, this.origin(ctx));
  }

  @OnCommand('messages.delete')
  remove(p: CommandPayload<'messages.delete'>, ctx: KafkaContext) {
    return this.messaging.remove(p, this.origin(ctx));
  }

  @OnCommand('messages.export')
  exportSent(p: CommandPayload<'messages.export'>) {
    return this.messaging.sentBy(p.actorId);
  }

  @OnCommand('reactions.add')
  react(p: CommandPayload<'reactions.add'>, ctx: KafkaContext) {
    return this.messaging.react(p, true, this.origin(ctx));
  }

  @OnCommand('reactions.remove')
  unreact(p: CommandPayload<'reactions.remove'>, ctx: KafkaContext) {
    return this.messaging.react(p, false, this.origin(ctx));
  }

  @OnCommand('messages.search')
  search(p: CommandPayload<'messages.search'>, ctx: KafkaContext) {
    this.origin(ctx);
    return this.messaging.search(p);
  }

  @OnCommand('messages.history')
  history(p: CommandPayload<'messages.history'>, ctx: KafkaContext) {
    return this.messaging.history(p, this.origin(ctx));
  }

  @OnCommand('conversations.list')
  list(p: CommandPayload<'conversations.list'>, ctx: KafkaContext) {
    this.origin(ctx);
    return this.messaging.list(p);
  }

  @OnCommand('conversations.get')
  get(p: CommandPayload<'conversations.get'>, ctx: KafkaContext) {
    return this.messaging.get(p, this.origin(ctx));
  }

  @OnCommand('conversations.read')
  read(p: CommandPayload<'conversations.read'>, ctx: KafkaContext) {
    return this.messaging.read(p, this.origin(ctx));
  }

  @OnCommand('conversations.reads')
  reads(p: CommandPayload<'conversations.reads'>, ctx: KafkaContext) {
    return this.messaging.reads(p, this.origin(ctx));
  }

  @OnCommand('conversations.mute')
  mute(p: CommandPayload<'conversations.mute'>, ctx: KafkaContext) {
    return this.messaging.mute(p, this.origin(ctx));
  }

  @OnEvent('conversation.projected')
  projected(e: EventPayload<'conversation.projected'>, ctx: KafkaContext): void {
    this.origin(ctx);
    this.messaging.projected(e.conversationId);
  }
}
