import { Schema } from 'mongoose';

/** One socket of one user on one gateway, as the gateway reported it. */
export interface ConnectionDoc {
  /** `<gatewayId>/<socketId>` */
  _id: string;
  gatewayId: string;
  socketId: string;
  userId: string;
  at: Date;
}

export const ConnectionSchema = new Schema<ConnectionDoc>(
  {
    _id: { type: String, required: true },
    gatewayId: { type: String, required: true },
    socketId: { type: String, required: true },
    userId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'presence_connections', versionKey: false },
);
ConnectionSchema.index({ gatewayId: 1, at: 1 });

/** A gateway's lease: while it is unexpired, the gateway's sockets count as connected. */
export interface GatewayDoc {
  _id: string;
  /** The running process's start (from its heartbeat); null until the first heartbeat. */
  startedAt: Date | null;
  leaseMs: number;
  expiresAt: Date;
  /** Connections from before this instant belong to an earlier process of this gateway and are void. */
  fence: Date;
  /** The last moment the gateway was known alive. */
  lastSeenAt: Date;
  /** False once the lease lapsed or the gateway stopped: its sockets no longer count. */
  live: boolean;
}

export const GatewaySchema = new Schema<GatewayDoc>(
  {
    _id: { type: String, required: true },
    startedAt: { type: Date, default: null },
    leaseMs: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    fence: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    live: { type: Boolean, required: true },
  },
  { collection: 'presence_gateways', versionKey: false },
);

/** What peers were last told about a user. */
export interface UserPresenceDoc {
  _id: string;
  online: boolean;
  lastSeenAt: Date | null;
  /** False from just before the push until it went out: a restart pushes it again. */
  pushed: boolean;
}

export const UserPresenceSchema = new Schema<UserPresenceDoc>(
  {
    _id: { type: String, required: true },
    online: { type: Boolean, required: true },
    lastSeenAt: { type: Date, default: null },
    pushed: { type: Boolean, default: true },
  },
  { collection: 'presence_users', versionKey: false },
);
UserPresenceSchema.index({ online: 1 });
UserPresenceSchema.index({ pushed: 1 });

export const CONNECTION_MODEL = 'PresenceConnection';
export const GATEWAY_MODEL = 'PresenceGateway';
export const USER_PRESENCE_MODEL = 'PresenceUser';
