import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { SOCKET_MAX_FRAME_BYTES } from '@chat/contracts';

/**
 * Socket.IO as the protocol wants it: WebSocket only, a frame limit, no
 * compression (CPU per message matters more than bytes on a LAN), and
 * browsers accepted only from the configured origins (or the same origin).
 */
export class ChatSocketAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly origins: string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.origins;
    const server: Server = super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      transports: ['websocket'],
      serveClient: false,
      maxHttpBufferSize: SOCKET_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      httpCompression: false,
      pingInterval: 20000,
      pingTimeout: 20000,
      connectTimeout: 10000,
      cors: origins.length ? { origin: origins, credentials: true } : undefined,
      allowRequest: (req, callback) => {
        const origin = req.headers.origin;
        // Non-browser clients send no Origin; browsers must come from an allowed one or our own host.
        if (!origin) return callback(null, true);
        let sameHost = false;
        try {
          sameHost = new URL(origin).host === req.headers.host;
        } catch {
          sameHost = false;
        }
        callback(null, sameHost || origins.includes(origin));
      },
    } as ServerOptions);
    // The handshake request holds headers and buffers for the socket's whole life; drop it.
    server.engine.on('connection', (raw: { request: unknown }) => {
      raw.request = null;
    });
    return server;
  }
}
