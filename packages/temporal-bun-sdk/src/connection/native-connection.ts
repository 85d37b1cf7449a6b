/**
 * A connection to the Temporal service, shared by workers and clients: one bridge client on the
 * process-wide bridge runtime. sdk-core's logs reach the loggers of the workers using it.
 */
import { redactAddress } from '../common/redact';
import { CONNECTION_DEFAULTS } from '../config/env-config';
import { NativeClient, type NativeClientOptions, type NativeRuntime } from '../native';
import { MAX_TIMER_MS, sharedNativeRuntime } from './runtime';

export interface NativeConnectionOptions {
  /** `host:port` or a URL. Default `'localhost:7233'`. */
  address?: string;
  /**
   * `true` for TLS with the system's roots, explicit PEM settings (mTLS with `clientCert` +
   * `clientPrivateKey`), or `false` for plaintext. Default: on exactly when `apiKey` is set.
   */
  tls?: NativeClientOptions['tls'];
  /**
   * Temporal Cloud API key, sent as `Authorization: Bearer <key>`; turns TLS on. Refused with
   * `tls: false` or an `http://` address, where it would travel in clear.
   */
  apiKey?: string;
  /** Extra gRPC metadata sent on every call. */
  metadata?: Record<string, string>;
  /** Identity reported to the server. Default `${pid}@${hostname}`. */
  identity?: string;
  /** How long connecting may take in all (TCP, TLS, the server's first answer), in milliseconds. Default 10000. */
  connectTimeoutMs?: number;
  /** gRPC message compression. Default: `'none'` for a loopback address, else `'gzip'`. */
  grpcCompression?: 'gzip' | 'none';
  /**
   * Reach the server through an HTTP CONNECT proxy: `{ type: 'http-connect', targetHost:
   * 'proxy:3128', basicAuth?: { username, password } }` (the official SDK's `ProxyConfig`).
   */
  proxy?: NativeClientOptions['proxy'];
}

export class NativeConnection {
  #closed = false;

  private constructor(
    readonly runtime: NativeRuntime,
    readonly client: NativeClient,
    /** The server's address, for display: a `user:password@` part is replaced by `***@`. */
    readonly address: string,
  ) {}

  /**
   * Connects to the server. Fails with a `NativeError` (`CONNECT_FAILED`) that names the address
   * when nothing answers there within the connect timeout.
   */
  static async connect(options: NativeConnectionOptions = {}): Promise<NativeConnection> {
    const address = options.address ?? CONNECTION_DEFAULTS.address;
    const timeout = options.connectTimeoutMs;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0 && timeout <= MAX_TIMER_MS)) {
      throw new TypeError(
        `NativeConnection: connectTimeoutMs must be a positive integer of at most ${MAX_TIMER_MS} (ms); got ${String(timeout)}`,
      );
    }
    const runtime = await sharedNativeRuntime();
    const client = await NativeClient.connect(runtime, {
      address,
      tls: options.tls,
      apiKey: options.apiKey,
      metadata: options.metadata,
      identity: options.identity,
      connectTimeoutMs: options.connectTimeoutMs,
      grpcCompression: options.grpcCompression,
      proxy: options.proxy,
    });
    return new NativeConnection(runtime, client, redactAddress(address));
  }

  /** Releases the connection. Workers already created from it keep working. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.client.free();
  }
}
