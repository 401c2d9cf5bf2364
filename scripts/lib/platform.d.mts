// Types of the local platform launcher (platform.mjs) for TypeScript tests that import it.
import type { ManagedProcess } from '../infra/index.d.mts';

export interface RunningService {
  readonly name: 'gateway' | 'auth' | 'users' | 'messaging' | 'presence' | 'media';
  readonly port: number;
  readonly logFile: string;
  readonly healthUrl: string;
  /** The current process: replaced when the supervisor restarts the service. */
  readonly proc: ManagedProcess & { pid: number | undefined };
  /** How often the supervisor has restarted it. */
  readonly restarts?: number;
}

export interface LocalPlatform {
  readonly url: string;
  readonly services: RunningService[];
  stop(): Promise<void>;
  stopping(): boolean;
}

export function startServices(options: {
  kafkaBrokers: string;
  mongoUrl: string;
  jwtSecret: string;
  /** The object store media keeps files in (the launcher's SeaweedFS, or S3_ENDPOINT's). */
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; bucket?: string };
  /** Signs attachment URLs (gateway, messaging, media); default: a fresh random one. */
  mediaSecret?: string;
  ports?: Partial<Record<RunningService['name'], number>>;
  env?: Record<string, string>;
  logDir: string;
  readyTimeoutMs?: number;
  tag?: string;
}): Promise<LocalPlatform>;

export function superviseServices(
  platform: LocalPlatform,
  options?: { log?: (name: string, line: string) => void; firstDelayMs?: number; maxDelayMs?: number; stableMs?: number },
): void;

export function randomSecret(): string;
export function httpStatus(url: string): Promise<number>;
