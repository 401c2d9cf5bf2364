import { Controller } from '@nestjs/common';
import type { CommandPayload, CommandReply, EventPayload } from '@chat/contracts/bus';
import { OnCommand, OnEvent } from '@chat/platform-kafka';
import { PresenceService } from './presence.service';

/** What gateways report about their sockets and themselves, and the presence query. */
@Controller()
export class PresenceHandlers {
  constructor(private readonly presence: PresenceService) {}

  @OnEvent('socket.connected')
  connected(e: EventPayload<'socket.connected'>): Promise<void> {
    return this.presence.connected(e);
  }

  @OnEvent('socket.disconnected')
  disconnected(e: EventPayload<'socket.disconnected'>): Promise<void> {
    return this.presence.disconnected(e);
  }

  @OnEvent('gateway.heartbeat')
  heartbeat(e: EventPayload<'gateway.heartbeat'>): Promise<void> {
    return this.presence.heartbeat(e);
  }

  @OnEvent('gateway.stopped')
  stopped(e: EventPayload<'gateway.stopped'>): Promise<void> {
    return this.presence.stopped(e);
  }

  @OnEvent('presence.probe')
  probed(e: EventPayload<'presence.probe'>): Promise<void> {
    return this.presence.probed(e);
  }

  /** v1.1: a profile change reaches whoever gets the user's presence:update. */
  @OnEvent('user.updated')
  profile(e: EventPayload<'user.updated'>): Promise<void> {
    return this.presence.profileChanged(e.user);
  }

  /** Where the delivery routers (messaging's) start their index. */
  @OnCommand('presence.connections')
  connections(req: CommandPayload<'presence.connections'>): Promise<CommandReply<'presence.connections'>> {
    return this.presence.connectionsPage(req.after, req.limit);
  }

  @OnCommand('presence.query')
  query(req: CommandPayload<'presence.query'>): Promise<CommandReply<'presence.query'>> {
    if (req.viewerId) return this.presence.queryAs(req.viewerId, req.userIds);
    return this.presence.query(req.userIds);
  }
}
