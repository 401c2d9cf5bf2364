// Types of the launcher (index.mjs) for TypeScript tests that import it.

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

/** A server the launcher started; fault tests take it away and bring it back. */
export interface ServerHandle {
  readonly name: 'kafka' | 'ferretdb' | 'seaweedfs';
  readonly port: number;
  readonly logFile: string;
  readonly pid: number | undefined;
  readonly process: ManagedProcess | null;
  /** Starts it again on the same data and ports; resolves when it is ready. */
  start(): Promise<ServerHandle>;
  /** Graceful stop: SIGTERM, then SIGKILL after the grace period. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Abrupt stop, as in a crash (SIGKILL). */
  kill(): Promise<void>;
}

export interface KafkaHandle extends ServerHandle {
  readonly name: 'kafka';
  /** `127.0.0.1:<port>` */
  readonly brokers: string;
  readonly controllerPort: number;
}

export interface FerretDBHandle extends ServerHandle {
  readonly name: 'ferretdb';
  /** `mongodb://127.0.0.1:<port>/` */
  readonly url: string;
}

export interface SeaweedFSHandle extends ServerHandle {
  readonly name: 'seaweedfs';
  /** `http://127.0.0.1:<port>`: the S3 API. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** An S3-compatible store and its access key. */
export interface ObjectStore {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface InfraOptions {
  /** Names the default data and log folders (.data/<profile>, .logs/<profile>). Default `dev` (CHAT_PROFILE). */
  profile?: string;
  /** Default 9092 (CHAT_KAFKA_PORT). */
  kafkaPort?: number;
  /** Default 9093 (CHAT_KAFKA_CONTROLLER_PORT). */
  controllerPort?: number;
  /** Default 27017 (CHAT_MONGO_PORT). */
  mongoPort?: number;
  /** SeaweedFS's S3 port (it takes the next 7 too). Default 8333 (CHAT_S3_PORT). */
  s3Port?: number;
  /** Default `.data/<profile>` (CHAT_DATA_DIR); relative paths are from the repository root. */
  dataDir?: string;
  /** Default `.cache` (CHAT_CACHE_DIR). */
  cacheDir?: string;
  /** Default `.logs/<profile>` (CHAT_LOG_DIR). */
  logDir?: string;
  /** An existing broker: no broker is started. Default KAFKA_BROKERS; pass `undefined` to ignore it. */
  kafkaBrokers?: string;
  /** An existing MongoDB: FerretDB is not started. Default MONGO_URL; pass `undefined` to ignore it. */
  mongoUrl?: string;
  /** An existing S3-compatible store: SeaweedFS is not started. Default S3_ENDPOINT (+ S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY). */
  s3?: ObjectStore;
}

export interface Infra {
  readonly profile: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly kafkaBrokers: string;
  readonly mongoUrl: string;
  readonly s3: ObjectStore;
  /** null when an existing broker was given. */
  readonly kafka: KafkaHandle | null;
  /** null when an existing MongoDB was given. */
  readonly ferretdb: FerretDBHandle | null;
  /** null when an existing object store was given. */
  readonly seaweedfs: SeaweedFSHandle | null;
  /** Stops what this launcher started. */
  stop(): Promise<void>;
}

export const KAFKA_VERSION: string;
export const FERRETDB_VERSION: string;
export const SEAWEEDFS_VERSION: string;

export function startInfra(options?: InfraOptions): Promise<Infra>;
export function resolveInfraOptions(options?: InfraOptions, env?: NodeJS.ProcessEnv): Required<Omit<InfraOptions, 'kafkaBrokers' | 'mongoUrl' | 's3'>> & Pick<InfraOptions, 'kafkaBrokers' | 'mongoUrl' | 's3'>;

export function startKafka(options?: {
  port?: number;
  controllerPort?: number;
  dataDir?: string;
  cacheDir?: string;
  logDir?: string;
  heap?: string;
  readyTimeoutMs?: number;
}): Promise<KafkaHandle>;

export function startFerretDB(options?: {
  port?: number;
  dataDir?: string;
  cacheDir?: string;
  logDir?: string;
  readyTimeoutMs?: number;
}): Promise<FerretDBHandle>;

export function provisionKafka(options?: { cacheDir?: string; logDir?: string }): Promise<string>;
export function provisionFerretDB(options?: { cacheDir?: string; logDir?: string }): Promise<string>;
export function provisionSeaweedFS(options?: { cacheDir?: string; logDir?: string }): Promise<string>;

export function startSeaweedFS(options?: { host?: string; port?: number; dataDir?: string; cacheDir?: string; logDir?: string; readyTimeoutMs?: number }): Promise<SeaweedFSHandle>;
/** True once the store lists buckets with the key. */
export function s3Ready(store: ObjectStore): Promise<boolean>;

/** True once a kafkajs admin can read the cluster metadata. */
export function kafkaReady(brokers: string): Promise<boolean>;
/** True once the server answers a MongoDB ping. */
export function mongoReady(url: string): Promise<boolean>;

export function freePort(): Promise<number>;
export function portInUse(port: number, host?: string): Promise<boolean>;
