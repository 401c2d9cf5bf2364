import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest, EventPayload } from '@chat/contracts';
import { PresenceService } from './presence.service';

/** What gateways report about their sockets and themselves, and the presence query. */
@Controller()
export class PresenceHandlers {
  constructor(private readonly presence: PresenceService) {}

  @EventPattern('socket.connected')
  connected(@Payload() e: EventPayload<'socket.connected'>): Promise<void> {
    return this.presence.connected(e);
  }

  @EventPattern('socket.disconnected')
  disconnected(@Payload() e: EventPayload<'socket.disconnected'>): Promise<void> {
    return this.presence.disconnected(e);
  }

  @EventPattern('gateway.heartbeat')
  heartbeat(@Payload() e: EventPayload<'gateway.heartbeat'>): Promise<void> {
    return this.presence.heartbeat(e);
  }

  @EventPattern('gateway.stopped')
  stopped(@Payload() e: EventPayload<'gateway.stopped'>): Promise<void> {
    return this.presence.stopped(e);
  }

  @EventPattern('presence.probe')
  probed(@Payload() e: EventPayload<'presence.probe'>): Promise<void> {
    return this.presence.probed(e);
  }

  @MessagePattern('presence.query')
  query(@Payload() req: CommandRequest<'presence.query'>): Promise<CommandReply<'presence.query'>> {
    if (req.viewerId) return this.presence.queryAs(req.viewerId, req.userIds);
    return this.presence.query(req.userIds);
  }
}
