import { findByIds } from '@chat/platform-mongo';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import {
  CONNECTION_MODEL,
  GATEWAY_MODEL,
  USER_PRESENCE_MODEL,
  type ConnectionDoc,
  type GatewayDoc,
  type UserPresenceDoc,
} from './presence.schema';

/** Times are epoch milliseconds in the service, Dates in the database. */
export interface Connection {
  gatewayId: string;
  socketId: string;
  userId: string;
  at: number;
}

export interface Lease {
  gatewayId: string;
  startedAt: number | null;
  leaseMs: number;
  expiresAt: number;
  fence: number;
  lastSeenAt: number;
  live: boolean;
}

export interface UserPresence {
  userId: string;
  online: boolean;
  lastSeenAt: number | null;
  /** Whether peers have surely been told this state (false while its push is under way). */
  pushed: boolean;
}

export const connectionKey = (gatewayId: string, socketId: string) => `${gatewayId}/${socketId}`;

/** The only code that touches presence's own collections: connections, gateway leases, user presence. */
@Injectable()
export class PresenceRepository {
  constructor(
    @InjectModel(CONNECTION_MODEL) private readonly connections: Model<ConnectionDoc>,
    @InjectModel(GATEWAY_MODEL) private readonly gateways: Model<GatewayDoc>,
    @InjectModel(USER_PRESENCE_MODEL) private readonly users: Model<UserPresenceDoc>,
  ) {}

  async allConnections(): Promise<Connection[]> {
    const docs = await this.connections.find({}).lean();
    return docs.map((d) => ({ gatewayId: d.gatewayId, socketId: d.socketId, userId: d.userId, at: d.at.getTime() }));
  }

  async allLeases(): Promise<Lease[]> {
    const docs = await this.gateways.find({}).lean();
    return docs.map((d) => ({
      gatewayId: d._id,
      startedAt: d.startedAt ? d.startedAt.getTime() : null,
      leaseMs: d.leaseMs,
      expiresAt: d.expiresAt.getTime(),
      fence: d.fence.getTime(),
      lastSeenAt: d.lastSeenAt.getTime(),
      live: d.live,
    }));
  }

  /** Users online, and users whose last change may not have been pushed. */
  async activeUsers(): Promise<UserPresence[]> {
    const [online, unpushed] = await Promise.all([this.users.find({ online: true }).lean(), this.users.find({ pushed: false }).lean()]);
    const byId = new Map([...online, ...unpushed].map((d) => [d._id, d]));
    return [...byId.values()].map(toUser);
  }

  async findUsers(userIds: string[]): Promise<UserPresence[]> {
    const docs = await findByIds(
      userIds,
      (id) => this.users.findById(id).lean(),
      (many) => this.users.find({ _id: { $in: many } }).lean(),
    );
    return docs.map(toUser);
  }

  async saveConnection(c: Connection): Promise<void> {
    await this.connections.updateOne(
      { _id: connectionKey(c.gatewayId, c.socketId) },
      { $set: { gatewayId: c.gatewayId, socketId: c.socketId, userId: c.userId, at: new Date(c.at) } },
      { upsert: true },
    );
  }

  async deleteConnection(gatewayId: string, socketId: string): Promise<void> {
    await this.connections.deleteOne({ _id: connectionKey(gatewayId, socketId) });
  }

  /** Forgets a gateway's connections from before an instant (all of them when `before` is Infinity). */
  async deleteConnectionsBefore(gatewayId: string, before: number): Promise<void> {
    const filter = Number.isFinite(before) ? { gatewayId, at: { $lt: new Date(before) } } : { gatewayId };
    await this.connections.deleteMany(filter);
  }

  async saveLease(l: Lease): Promise<void> {
    await this.gateways.updateOne(
      { _id: l.gatewayId },
      {
        $set: {
          startedAt: l.startedAt === null ? null : new Date(l.startedAt),
          leaseMs: l.leaseMs,
          expiresAt: new Date(l.expiresAt),
          fence: new Date(l.fence),
          lastSeenAt: new Date(l.lastSeenAt),
          live: l.live,
        },
      },
      { upsert: true },
    );
  }

  async deleteLease(gatewayId: string): Promise<void> {
    await this.gateways.deleteOne({ _id: gatewayId });
  }

  async saveUser(u: UserPresence): Promise<void> {
    await this.users.updateOne(
      { _id: u.userId },
      { $set: { online: u.online, lastSeenAt: u.lastSeenAt === null ? null : new Date(u.lastSeenAt), pushed: u.pushed } },
      { upsert: true },
    );
  }
}

function toUser(d: UserPresenceDoc): UserPresence {
  return { userId: d._id, online: d.online, lastSeenAt: d.lastSeenAt ? d.lastSeenAt.getTime() : null, pushed: d.pushed !== false };
}
