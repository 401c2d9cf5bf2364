import { UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import type { CommandPayload, CommandReply, CommandType, EventPayload, EventType } from '@chat/contracts/bus';
import { PassThroughRpcFilter } from './errors';
import type { KafkaContext } from './kafka-transport';

/** An Observable answers with its first value at once and finishes later (see KafkaTransport). */
type Answer<R> = R | Promise<R> | Observable<R>;

export type CommandHandler<T extends CommandType> = (payload: CommandPayload<T>, ctx: KafkaContext) => Answer<CommandReply<T>>;
export type EventHandler<T extends EventType> = (payload: EventPayload<T>, ctx: KafkaContext) => void | Promise<void>;

/**
 * Every handler is wrapped in PassThroughRpcFilter here, once for all: Nest
 * wires a hybrid app's microservice handlers as soon as it is connected, so a
 * global RPC filter registered in the bootstrap would come too late, and
 * Nest's default filter turns every error into a plain object (a ChatError
 * would reach the caller as INTERNAL, and a transient error would not be
 * retried).
 */
function handler(pattern: MethodDecorator, target: object, key: string | symbol, descriptor: PropertyDescriptor): void {
  pattern(target, key, descriptor);
  UseFilters(PassThroughRpcFilter)(target, key, descriptor);
  // Without parameter metadata Nest passes the payload alone: the context is declared here, for every handler.
  Payload()(target, key, 0);
  Ctx()(target, key, 1);
}

/**
 * Marks a method as the handler of a command. The method's signature is
 * checked against the contract: the payload is the command's parsed request,
 * the result its reply, so neither is ever typed by hand. The handler gets the
 * payload and the KafkaContext as its first two arguments (no @Payload or
 * @Ctx needed).
 */
export function OnCommand<T extends CommandType>(type: T) {
  // Generic over the method's own type: TypedPropertyDescriptor is invariant, a constraint is not.
  return <H extends CommandHandler<T>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<H>): void => {
    handler(MessagePattern(type), target, key, descriptor);
  };
}

export interface EventOptions {
  /**
   * Read the event's topic from the oldest message it retains, whatever the
   * service's other topics do, and hold the service's start (up to
   * HISTORY_WAIT_MS) until what the topic held at start has been handled.
   */
  history?: boolean;
}

/** Marks a method as a handler of an event, its payload typed by the contract. */
export function OnEvent<T extends EventType>(type: T, options: EventOptions = {}) {
  return <H extends EventHandler<T>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<H>): void => {
    handler(EventPattern(type, { ...options }), target, key, descriptor);
  };
}
