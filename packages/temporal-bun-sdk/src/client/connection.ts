/**
 * A client connection to the Temporal service: the worker's `NativeConnection` (one gRPC stack,
 * in the Rust bridge, for client and worker), with settings from code, environment and
 * `temporal.toml`.
 */
import { DEFAULT_CONNECT_TIMEOUT_MS, defaultIdentity } from '../common/defaults';
import { redactAddress } from '../common/redact';
import type { Duration } from '@temporalio/common';
import { fullProtos } from '../common/worker-protos';
import { msToNumber } from '@temporalio/common/lib/time';
import {
  loadClientConnectConfig,
  resolveConnectionOptions,
  toNativeConnectionSettings,
  type LoadClientConnectConfigOptions,
  type TLSConfigOption,
} from '../config';
import type {
  NativeRpcOptions,
  WorkflowServiceMethod,
  WorkflowServiceRequest,
  WorkflowServiceResponse,
} from '../native';
import { NativeConnection, type NativeConnectionPlugin, type ResolvedNativeConnectionOptions } from '../connection';
import { applyConfigureHooks, checkPlugins, type NamedPlugin } from '../common/plugins';
import { type RpcErrorContext, toClientError } from './errors';

export interface ConnectionOptions {
  /**
   * `host:port` (or a URL) of the Temporal frontend. Default: `$TEMPORAL_ADDRESS`, else the
   * profile's address in `temporal.toml`, else `localhost:7233`.
   */
  address?: string;
  /**
   * Namespace of clients created on this connection when they name none. Default:
   * `$TEMPORAL_NAMESPACE`, else the profile's, else `default`. (Not in `@temporalio/client`'s
   * options; there it is a client option only, which works here too.)
   */
  namespace?: string;
  /**
   * `true` (or `{}`) for TLS with the system's roots, a `TLSConfig` (`serverNameOverride`,
   * `serverRootCACertificate`, `clientCertPair: { crt, key }`) to customise it, `false`/`null` for
   * plaintext. Default: from `TEMPORAL_TLS*` / the profile; otherwise on exactly when an API key is set.
   */
  tls?: TLSConfigOption;
  /**
   * Temporal Cloud API key, sent as `Authorization: Bearer <key>`. Default `$TEMPORAL_API_KEY` /
   * the profile's. Refused on a plaintext connection (`tls: false`), where it would travel in clear.
   */
  apiKey?: string;
  /** gRPC metadata sent with every call, merged over `TEMPORAL_GRPC_META_*` / the profile's (these keys win). */
  metadata?: Record<string, string>;
  /** Identity reported to the server by this connection's clients. Default `${pid}@${hostname}`. */
  identity?: string;
  /** How long to wait for the server to answer when connecting: milliseconds or a string like `'5s'`. Default 10 s. */
  connectTimeout?: Duration;
  /**
   * Where defaults come from: `true` (default) reads `TEMPORAL_*` and the `temporal.toml` profile,
   * `false` reads nothing, an object picks the profile, file or environment to read.
   */
  envConfig?: boolean | LoadClientConnectConfigOptions;
  /**
   * Plugins (`@temporalio/plugin`'s `ConnectionPlugin`): each `configureConnection` changes these
   * options, in order, before anything is resolved. They are passed on to the clients made on this
   * connection too (after the client's own plugins). Default none.
   */
  plugins?: ConnectionPlugin[];
}

/**
 * A plugin of a client {@link Connection}, shaped like `@temporalio/client`'s (`SimplePlugin`
 * implements it): it may change the connection options (TLS, API key, …) before connecting.
 */
export interface ConnectionPlugin extends NamedPlugin {
  configureConnection?(options: ConnectionOptions): ConnectionOptions;
}

/** The settings a {@link Connection} uses, after env config and defaults. */
export interface ResolvedConnectionOptions {
  address: string;
  namespace: string;
  identity: string;
  /** Whether the connection uses TLS (false when wrapping a `NativeConnection`, whose settings are not known here). */
  tls: boolean;
  /** Whether an API key is set (the key itself is not kept here; false when wrapping a `NativeConnection`). */
  apiKey: boolean;
  connectTimeoutMs: number;
}

/** Raw WorkflowService access: `connection.workflowService.describeNamespace({ namespace })`. */
export type WorkflowServiceCalls = {
  [Method in WorkflowServiceMethod as Uncapitalize<Method>]: (
    request: WorkflowServiceRequest<Method>,
    options?: NativeRpcOptions,
  ) => Promise<WorkflowServiceResponse<Method>>;
};

/**
 * A connection to the Temporal service. Connections are expensive: create one and share it between
 * clients; close it when done. (To share one with a worker, connect a `NativeConnection` and pass
 * it to both `createWorker({ connection })` and `new Client({ connection })`.)
 *
 * @example
 * const connection = await Connection.connect(); // TEMPORAL_ADDRESS, temporal.toml, else localhost:7233
 * const client = new Client({ connection });
 */
export class Connection {
  /** The settings in use. */
  readonly options: ResolvedConnectionOptions;
  /** Raw WorkflowService calls (retried on transient errors unless `{ retry: false }`); errors are the client's. */
  readonly workflowService: WorkflowServiceCalls;
  /**
   * Its plugins, which clients made on it apply after their own: those of `Connection.connect`, or
   * of the wrapped `NativeConnection`.
   */
  readonly plugins: readonly (ConnectionPlugin | NativeConnectionPlugin)[];
  readonly #nativeOptions: ResolvedNativeConnectionOptions;
  readonly #ownsNative: boolean;
  #native: NativeConnection | undefined;
  #connecting: Promise<NativeConnection> | undefined;
  #closed = false;

  private constructor(
    options: ResolvedConnectionOptions,
    nativeOptions: ResolvedNativeConnectionOptions,
    native: NativeConnection | undefined,
    plugins: readonly (ConnectionPlugin | NativeConnectionPlugin)[],
  ) {
    this.options = options;
    this.plugins = plugins;
    this.#nativeOptions = nativeOptions;
    this.#native = native;
    this.#ownsNative = native === undefined;
    this.workflowService = this.#makeWorkflowService();
  }

  /**
   * Connects now: resolves once the server answered, rejects with a `ConnectionError` (naming the
   * address and what to do) when nothing answers within `connectTimeout`.
   */
  static async connect(options: ConnectionOptions = {}): Promise<Connection> {
    const connection = Connection.lazy(options);
    await connection.ensureConnected();
    return connection;
  }

  /**
   * A connection that connects on its first call (so `new Client()` can be synchronous).
   * Configuration errors (bad `temporal.toml`, conflicting TLS settings) still throw at once.
   */
  static lazy(given: ConnectionOptions = {}): Connection {
    let options = given;
    if (given.plugins !== undefined) {
      checkPlugins(given.plugins, ['configureConnection'], 'Connection');
      options = applyConfigureHooks(given.plugins, 'configureConnection', given, 'Connection');
    }
    const envConfigOption = options.envConfig ?? true;
    const fromEnv =
      envConfigOption === false ? {} : loadClientConnectConfig(envConfigOption === true ? {} : envConfigOption);
    const resolved = resolveConnectionOptions(options, fromEnv);
    const connectTimeoutMs =
      options.connectTimeout === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : msToNumber(options.connectTimeout);
    const identity = options.identity ?? defaultIdentity();
    return new Connection(
      {
        address: redactAddress(resolved.address),
        namespace: resolved.namespace,
        identity,
        tls: resolved.tls !== undefined,
        apiKey: resolved.apiKey !== undefined,
        connectTimeoutMs,
      },
      // Resolved here: the native connection is made from these as they are.
      {
        ...toNativeConnectionSettings(resolved),
        namespace: resolved.namespace,
        identity,
        connectTimeoutMs,
        envConfig: false,
      },
      undefined,
      options.plugins ?? [],
    );
  }

  /**
   * Wraps a worker's connection so a client shares it. Closing the returned connection does not
   * close `native` (its owner does).
   */
  static fromNativeConnection(
    native: NativeConnection,
    options: { namespace?: string; identity?: string } = {},
  ): Connection {
    return new Connection(
      {
        address: native.address,
        namespace: options.namespace ?? native.namespace,
        identity: options.identity ?? defaultIdentity(),
        tls: false,
        apiKey: false,
        connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
      },
      { address: native.address, namespace: native.namespace, envConfig: false },
      native,
      native.plugins,
    );
  }

  /** Connects if not connected yet. Rejects with a `ConnectionError` when the server does not answer. */
  async ensureConnected(): Promise<void> {
    await this.#connect();
  }

  /**
   * A WorkflowService call by its proto name, with the client's error mapping.
   * `retry` (default true) retries transient failures with sdk-core's policy.
   */
  async call<Method extends WorkflowServiceMethod>(
    method: Method,
    request: WorkflowServiceRequest<Method>,
    options: NativeRpcOptions = {},
  ): Promise<WorkflowServiceResponse<Method>> {
    const native = await this.#connect();
    return native.client.workflowService(method, request, { retry: true, ...options });
  }

  /**
   * {@link call}, with a failure turned into the client's error (`ServiceError`,
   * `WorkflowNotFoundError`, `ConnectionError`, ...) described by `context`.
   */
  async callForClient<Method extends WorkflowServiceMethod>(
    method: Method,
    request: WorkflowServiceRequest<Method>,
    context: RpcErrorContext,
    options: NativeRpcOptions = {},
  ): Promise<WorkflowServiceResponse<Method>> {
    try {
      return await this.call(method, request, options);
    } catch (error) {
      throw toClientError(error, { address: this.options.address, ...context });
    }
  }

  /**
   * Replaces the API key sent with every call (e.g. after rotating it); `undefined` removes it.
   * Refused on a plaintext connection, where the key would travel in clear.
   */
  async setApiKey(apiKey: string | undefined): Promise<void> {
    (await this.#connect()).client.updateApiKey(apiKey);
  }

  /** Replaces the gRPC metadata sent with every call. */
  async setMetadata(metadata: Record<string, string>): Promise<void> {
    (await this.#connect()).client.updateMetadata(metadata);
  }

  /** Releases the connection (unless it wraps a worker's; see {@link fromNativeConnection}). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ownsNative) return;
    const native = this.#native ?? (await this.#connecting?.catch(() => undefined));
    await native?.close();
  }

  #connect(): Promise<NativeConnection> {
    if (this.#closed)
      return Promise.reject(new Error('the connection is closed: create a new one with Connection.connect()'));
    if (this.#native) return Promise.resolve(this.#native);
    this.#connecting ??= NativeConnection.connectResolved(this.#nativeOptions).then(
      (native) => {
        this.#native = native;
        return native;
      },
      (error: unknown) => {
        this.#connecting = undefined; // the next call tries again
        throw toClientError(error, {
          fallbackMessage: `Failed to connect to ${this.options.address}`,
          address: this.options.address,
        });
      },
    );
    return this.#connecting;
  }

  #makeWorkflowService(): WorkflowServiceCalls {
    return new Proxy({} as WorkflowServiceCalls, {
      get: (_target, property) => {
        if (typeof property !== 'string') return undefined;
        const method = (property.charAt(0).toUpperCase() + property.slice(1)) as WorkflowServiceMethod;
        // Only real methods, so `await connection.workflowService` or `JSON.stringify` see no `then`/`toJSON`.
        if (!(`${method}Request` in fullProtos().temporal.api.workflowservice.v1)) return undefined;
        return (request: never, options?: NativeRpcOptions) =>
          this.callForClient(method, request, { fallbackMessage: `${method} failed` }, options);
      },
    });
  }
}
