import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, EventPayload } from '@chat/contracts';
import { PassThroughRpcFilter, type KafkaContext } from '@chat/platform-kafka';
import { Observable } from 'rxjs';
import { MessagingService, type Command, type Origin } from './messaging.service';

/**
 * The messaging commands, all keyed by conversation (conversations.list by
 * its caller). Payloads arrive validated by the contracts. Each message of
 * the commands topic is first shown to the owner cache, which drops what it
 * holds of a partition when another process may have handled it meanwhile.
 */
// The bootstrap's global RPC filter is registered too late to apply; this keeps a ChatError's own code.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class MessagingHandlers {
  constructor(private readonly messaging: MessagingService) {}

  private origin(ctx: KafkaContext): Origin {
    this.messaging.cache.observe(ctx.partition, ctx.batch.firstOffset, ctx.batch.lastOffset);
    return { partition: ctx.partition, correlationId: ctx.envelope.correlationId };
  }

  /** Answered as soon as the message is stored (the transport answers an Observable's first value), finished after. */
  @MessagePattern('messages.send')
  send(@Payload() p: Command<'messages.send'>, @Ctx() ctx: KafkaContext): Observable<CommandReply<'messages.send'>> {
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

  @MessagePattern('messages.edit')
  edit(@Payload() p: Command<'messages.edit'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'messages.edit'>> {
    return this.messaging.edit(p, this.origin(ctx));
  }

  @MessagePattern('messages.delete')
  remove(@Payload() p: Command<'messages.delete'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'messages.delete'>> {
    return this.messaging.remove(p, this.origin(ctx));
  }

  @MessagePattern('messages.history')
  history(@Payload() p: Command<'messages.history'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'messages.history'>> {
    return this.messaging.history(p, this.origin(ctx));
  }

  @MessagePattern('conversations.list')
  list(@Payload() p: Command<'conversations.list'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'conversations.list'>> {
    this.origin(ctx);
    return this.messaging.list(p);
  }

  @MessagePattern('conversations.get')
  get(@Payload() p: Command<'conversations.get'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'conversations.get'>> {
    return this.messaging.get(p, this.origin(ctx));
  }

  @MessagePattern('conversations.read')
  read(@Payload() p: Command<'conversations.read'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'conversations.read'>> {
    return this.messaging.read(p, this.origin(ctx));
  }

  @MessagePattern('conversations.reads')
  reads(@Payload() p: Command<'conversations.reads'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'conversations.reads'>> {
    return this.messaging.reads(p, this.origin(ctx));
  }

  @EventPattern('conversation.projected')
  projected(@Payload() e: EventPayload<'conversation.projected'>, @Ctx() ctx: KafkaContext): void {
    this.origin(ctx);
    this.messaging.projected(e.conversationId);
  }
}
