/**
 * A connection to the Temporal service for workers (and, later, clients): one bridge client on
 * the process-wide bridge runtime. sdk-core's logs reach the loggers of the workers using it.
 */
import { NativeClient, NativeRuntime, type NativeClientOptions, type NativeLogRecord } from '../native';
import { CONNECTION_DEFAULTS } from '../config/env-config';

export interface NativeConnectionOptions {
  /** `host:port` or a URL. Default `'localhost:7233'`. */
  address?: string;
  /** `true` for TLS with the system's roots, or explicit PEM settings (mTLS with `clientCert` + `clientPrivateKey`). */
  tls?: NativeClientOptions['tls'];
  /** Temporal Cloud API key (turns TLS on). */
  apiKey?: string;
  /** Extra gRPC metadata sent on every call. */
  metadata?: Record<string, string>;
  /** Identity reported to the server. Default `${pid}@${hostname}`. */
  identity?: string;
  /** How long to wait for the server to answer, in milliseconds. Default 10000. */
  connectTimeoutMs?: number;
  /** gRPC message compression. Default: `'none'` for a loopback address, else `'gzip'`. */
  grpcCompression?: 'gzip' | 'none';
}

type CoreLogListener = (record: NativeLogRecord) => void;

const coreLogListeners = new Set<CoreLogListener>();
let sharedRuntime: Promise<NativeRuntime> | undefined;

/**
 * The bridge runtime shared by every connection of the process (one tokio runtime, one completion
 * queue). It does not keep the process alive while idle.
 */
export function sharedNativeRuntime(): Promise<NativeRuntime> {
  sharedRuntime ??= NativeRuntime.create({
    onLog: (record) => {
      for (const listener of coreLogListeners) listener(record);
    },
  }).catch((error: unknown) => {
    sharedRuntime = undefined; // let the next caller try again
    throw error;
  });
  return sharedRuntime;
}

/** Subscribes to sdk-core's log records; returns the unsubscribe function. */
export function onCoreLog(listener: CoreLogListener): () => void {
  coreLogListeners.add(listener);
  return () => coreLogListeners.delete(listener);
}

export class NativeConnection {
  #closed = false;

  private constructor(
    readonly runtime: NativeRuntime,
    readonly client: NativeClient,
    readonly address: string,
  ) {}

  /**
   * Connects to the server. Fails with a `NativeError` (`CONNECT_FAILED`) that names the address
   * when nothing answers there within the connect timeout.
   */
  static async connect(options: NativeConnectionOptions = {}): Promise<NativeConnection> {
    const address = options.address ?? CONNECTION_DEFAULTS.address;
    const runtime = await sharedNativeRuntime();
    const client = await NativeClient.connect(runtime, {
      address,
      tls: options.tls,
      apiKey: options.apiKey,
      metadata: options.metadata,
      identity: options.identity,
      connectTimeoutMs: options.connectTimeoutMs,
      grpcCompression: options.grpcCompression,
    });
    return new NativeConnection(runtime, client, address);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Releases the connection. Workers already created from it keep working. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.client.free();
  }
}
