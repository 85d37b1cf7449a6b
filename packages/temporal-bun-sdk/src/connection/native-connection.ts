/**
 * A connection to the Temporal service, shared by workers and clients: one bridge client on the
 * process-wide bridge runtime. sdk-core's logs reach the loggers of the workers using it.
 *
 * Its settings resolve as the client's do: options given in code, then `TEMPORAL_*` variables and
 * the `temporal.toml` profile (sdk-core's envconfig), then the defaults.
 */
import { redactAddress } from '../common/redact';
import {
  loadClientConnectConfig,
  resolveConnectionOptions,
  toNativeConnectionSettings,
  type LoadClientConnectConfigOptions,
  type TLSConfigOption,
} from '../config';
import { NativeClient, type NativeClientOptions, type NativeRuntime } from '../native';
import { MAX_TIMER_MS } from '../common/defaults';
import { applyConfigureHooks, checkPlugins, type NamedPlugin } from '../common/plugins';
import { sharedNativeRuntime } from './runtime';

export interface NativeConnectionOptions {
  /**
   * `host:port` or a URL. Default: `$TEMPORAL_ADDRESS`, else the profile's address in
   * `temporal.toml`, else `'localhost:7233'`.
   */
  address?: string;
  /**
   * Namespace of the workers and clients on this connection that name none. Default:
   * `$TEMPORAL_NAMESPACE`, else the profile's, else `'default'`.
   */
  namespace?: string;
  /**
   * `true` for TLS with the system's roots, explicit PEM settings (mTLS with `clientCert` +
   * `clientPrivateKey`), or `false` for plaintext (as an `http://` address is). Default: from
   * `TEMPORAL_TLS*` / the profile; otherwise on exactly when an API key is set.
   */
  tls?: NativeClientOptions['tls'];
  /**
   * Temporal Cloud API key, sent as `Authorization: Bearer <key>`; turns TLS on. Default
   * `$TEMPORAL_API_KEY` / the profile's. Refused with `tls: false` or an `http://` address, where
   * it would travel in clear.
   */
  apiKey?: string;
  /** Extra gRPC metadata sent on every call, merged over `TEMPORAL_GRPC_META_*` / the profile's (these keys win). */
  metadata?: Record<string, string>;
  /**
   * Where defaults come from: `true` (default) reads `TEMPORAL_*` and the `temporal.toml` profile,
   * `false` reads nothing, an object picks the profile, file or environment to read.
   */
  envConfig?: boolean | LoadClientConnectConfigOptions;
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
  /**
   * Plugins (`@temporalio/plugin`'s `NativeConnectionPlugin`): each `configureNativeConnection`
   * changes these options, in order, before anything is resolved. They are also passed on to the
   * workers, clients and bundlers built on this connection (after their own plugins), as in the
   * official SDK. Default none.
   */
  plugins?: NativeConnectionPlugin[];
}

/**
 * A plugin of a {@link NativeConnection}, shaped like `@temporalio/worker`'s (`SimplePlugin`
 * implements it): it may change the connection options (TLS, API key, …) before connecting.
 *
 * @example
 * const apiKeyFromVault: NativeConnectionPlugin = {
 *   name: 'vault-api-key',
 *   configureNativeConnection: (options) => ({ ...options, apiKey: readApiKey() }),
 * };
 * const connection = await NativeConnection.connect({ plugins: [apiKeyFromVault] });
 */
export interface NativeConnectionPlugin extends NamedPlugin {
  configureNativeConnection?(options: NativeConnectionOptions): NativeConnectionOptions;
}

/** The hooks a connection's plugins may have that are checked where the plugins are first given. */
const NATIVE_CONNECTION_HOOKS = ['configureNativeConnection'] as const;

/**
 * `options` after its plugins' `configureNativeConnection` hooks (in order): what is resolved and
 * connected. Throws a TypeError naming a malformed plugin.
 */
export function configureNativeConnectionOptions(options: NativeConnectionOptions): NativeConnectionOptions {
  if (options.plugins === undefined) return options;
  checkPlugins(options.plugins, NATIVE_CONNECTION_HOOKS, 'NativeConnection');
  return applyConfigureHooks(options.plugins, 'configureNativeConnection', options, 'NativeConnection');
}

/** {@link NativeConnectionOptions} after the environment and the defaults: what is connected to. */
export interface ResolvedNativeConnectionOptions extends NativeConnectionOptions {
  address: string;
  namespace: string;
  /** Nothing more to read: the environment and the profile are applied. */
  envConfig: false;
}

/** The bridge's TLS setting as a {@link TLSConfigOption}, so that both kinds of option merge one way. */
function tlsSetting(tls: NativeClientOptions['tls'], address: string | undefined): TLSConfigOption {
  // An `http://` address is plaintext by choice, like `tls: false`.
  if (tls === undefined) return address?.startsWith('http://') ? false : undefined;
  if (typeof tls === 'boolean') return tls;
  if ((tls.clientCert === undefined) !== (tls.clientPrivateKey === undefined)) {
    throw new TypeError('NativeConnection: tls.clientCert and tls.clientPrivateKey go together (mTLS needs both)');
  }
  return {
    serverNameOverride: tls.domain,
    serverRootCACertificate: tls.serverRootCaCert,
    clientCertPair:
      tls.clientCert === undefined || tls.clientPrivateKey === undefined
        ? undefined
        : { crt: tls.clientCert, key: tls.clientPrivateKey },
  };
}

/**
 * The settings {@link NativeConnection.connect} uses for `options`: explicit options first, then
 * `TEMPORAL_*` and the `temporal.toml` profile (unless `envConfig: false`), then the defaults, by
 * the same rules as the client's `Connection` ({@link resolveConnectionOptions}). Synchronous: it
 * reads the config file and any certificate files it names. Throws an `EnvConfigError` on a bad
 * config file or environment.
 */
export function resolveNativeConnectionOptions(options: NativeConnectionOptions = {}): ResolvedNativeConnectionOptions {
  const { envConfig = true, ...explicit } = options;
  const fromEnv = envConfig === false ? {} : loadClientConnectConfig(envConfig === true ? {} : envConfig);
  const settings = resolveConnectionOptions(
    {
      address: explicit.address,
      namespace: explicit.namespace,
      apiKey: explicit.apiKey,
      metadata: explicit.metadata,
      tls: tlsSetting(explicit.tls, explicit.address),
    },
    fromEnv,
  );
  const native = toNativeConnectionSettings(settings);
  const resolved: ResolvedNativeConnectionOptions = {
    ...explicit,
    address: native.address,
    namespace: settings.namespace,
    envConfig: false,
  };
  for (const key of ['tls', 'apiKey', 'metadata'] as const) {
    if (native[key] === undefined) delete resolved[key];
    else resolved[key] = native[key] as never;
  }
  return resolved;
}

export class NativeConnection {
  #closed = false;

  private constructor(
    readonly runtime: NativeRuntime,
    readonly client: NativeClient,
    /** The server's address, for display: a `user:password@` part is replaced by `***@`. */
    readonly address: string,
    /** The namespace of workers and clients on this connection that name none (see {@link NativeConnectionOptions.namespace}). */
    readonly namespace: string,
    /** The plugins it was connected with, passed on to the workers, clients and bundlers using it. */
    readonly plugins: readonly NativeConnectionPlugin[],
  ) {}

  /**
   * Connects to the server, with settings resolved by {@link resolveNativeConnectionOptions}
   * (explicit options as its `plugins` leave them, then `TEMPORAL_*` and `temporal.toml`, then the defaults). Fails with a
   * `NativeError` (`CONNECT_FAILED`) that names the address when nothing answers there within the
   * connect timeout, or an `EnvConfigError` on a bad config file or environment.
   */
  static async connect(options: NativeConnectionOptions = {}): Promise<NativeConnection> {
    return NativeConnection.connectResolved(resolveNativeConnectionOptions(configureNativeConnectionOptions(options)));
  }

  /**
   * Connects with settings {@link resolveNativeConnectionOptions} (or the client's `Connection`)
   * already resolved: what `createWorker` and a lazy `Connection` use, so nothing is read twice.
   */
  static async connectResolved(resolved: ResolvedNativeConnectionOptions): Promise<NativeConnection> {
    const { address } = resolved;
    const timeout = resolved.connectTimeoutMs;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0 && timeout <= MAX_TIMER_MS)) {
      throw new TypeError(
        `NativeConnection: connectTimeoutMs must be a positive integer of at most ${MAX_TIMER_MS} (ms); got ${String(timeout)}`,
      );
    }
    const runtime = await sharedNativeRuntime();
    const client = await NativeClient.connect(runtime, {
      address,
      tls: resolved.tls,
      apiKey: resolved.apiKey,
      metadata: resolved.metadata,
      identity: resolved.identity,
      connectTimeoutMs: resolved.connectTimeoutMs,
      grpcCompression: resolved.grpcCompression,
      proxy: resolved.proxy,
    });
    return new NativeConnection(runtime, client, redactAddress(address), resolved.namespace, resolved.plugins ?? []);
  }

  /** Releases the connection. Workers already created from it keep working. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.client.free();
  }
}
