/**
 * Connection settings from Temporal's environment conventions: `TEMPORAL_*` variables and profiles
 * in `temporal.toml`. They are resolved by sdk-core's own envconfig (`temporalio_common::envconfig`,
 * through the bridge's `tbs_envconfig_load_profile`), the code the official SDKs wrap, so a profile
 * means here what it means to the `temporal` CLI and the other SDKs. This module turns the profile
 * into connection settings and merges it with what code says.
 *
 * Resolution order, lowest to highest priority:
 * 1. the profile in the config file (`configFile` option, else `$TEMPORAL_CONFIG_FILE`, else
 *    `<config dir>/temporalio/temporal.toml`); the profile is the `profile` option, else
 *    `$TEMPORAL_PROFILE`, else `default`;
 * 2. environment variables (`TEMPORAL_ADDRESS`, …), applied on top of the profile;
 * 3. options given in code ({@link resolveConnectionOptions}: explicit options win).
 *
 * The client (`new Client()`, `Connection`) and the worker (`createWorker`, `NativeConnection`)
 * both resolve their connection this way.
 *
 * @example
 * const fromEnv = loadClientConnectConfig();
 * const settings = resolveConnectionOptions({ namespace: 'orders' }, fromEnv);
 * // settings.address: $TEMPORAL_ADDRESS, else the profile's address, else 'localhost:7233'
 *
 * ```toml
 * [profile.default]
 * address = "my-ns.a1b2c.tmprl.cloud:7233"
 * namespace = "my-ns.a1b2c"
 * api_key = "…"
 *
 * [profile.default.tls]          # a tls table turns TLS on unless `disabled = true`
 * client_cert_path = "/path/to/client.pem"
 * client_key_path = "/path/to/client.key"
 *
 * [profile.default.grpc_meta]    # keys are lowercased, `_` becomes `-`
 * my_header = "value"
 * ```
 */
import { DEFAULT_NAMESPACE } from '../common/defaults';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../common/error-message';
import {
  loadEnvConfigProfile,
  NativeError,
  type NativeClientOptions,
  type NativeClientTlsOptions,
  type NativeEnvConfigDataSource,
  type NativeEnvConfigProfile,
} from '../native';

/**
 * The environment variables that {@link loadClientConnectConfig} reads (through sdk-core), by role,
 * for messages and documentation. An empty variable counts as unset (except a gRPC metadata one).
 */
export const ENV_VARS = {
  /** Path of the TOML config file. */
  configFile: 'TEMPORAL_CONFIG_FILE',
  /** Profile to use from the config file. */
  profile: 'TEMPORAL_PROFILE',
  /** `host:port` (or URL) of the Temporal frontend. */
  address: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  /** API key, sent as `Authorization: Bearer <key>`; turns TLS on unless TLS is disabled explicitly. */
  apiKey: 'TEMPORAL_API_KEY',
  /** `true`/`false` (or `1`/`0`): turn TLS on or off. */
  tls: 'TEMPORAL_TLS',
  tlsClientCertPath: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  tlsClientCertData: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
  tlsClientKeyPath: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  tlsClientKeyData: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
  tlsServerCaCertPath: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  tlsServerCaCertData: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  /** Server name to verify (SNI) when it differs from the address's host. */
  tlsServerName: 'TEMPORAL_TLS_SERVER_NAME',
  /**
   * **Not supported**: sdk-core's TLS always verifies the server's certificate against its name.
   * Setting it to `true` is an {@link EnvConfigError}; use `TEMPORAL_TLS_SERVER_NAME` (the name the
   * certificate was issued for) and `TEMPORAL_TLS_SERVER_CA_CERT_*` (its CA) instead.
   */
  tlsDisableHostVerification: 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  /** Prefix of gRPC metadata variables: `TEMPORAL_GRPC_META_MY_HEADER=v` sends `my-header: v`; an empty value removes the header. */
  grpcMetaPrefix: 'TEMPORAL_GRPC_META_',
} as const;

/** What applies when neither code, environment nor config file says otherwise. */
export const CONNECTION_DEFAULTS = {
  address: 'localhost:7233',
  namespace: DEFAULT_NAMESPACE,
  profile: 'default',
} as const;

/** Name of the config file inside `<config dir>/temporalio/`. */
export const CONFIG_FILE_NAME = 'temporal.toml';

/** A PEM certificate or key: text, or its UTF-8 bytes (e.g. from `readFileSync`). */
export type PemData = string | Uint8Array;

/**
 * TLS settings, shaped like `@temporalio/client`'s `TLSConfig` so options port unchanged.
 * PEM values may be strings or bytes.
 */
export interface TLSConfig {
  /** Server name to verify (SNI), when it differs from the address's host. */
  serverNameOverride?: string;
  /** CA certificate(s) to trust instead of the system's roots. */
  serverRootCACertificate?: PemData;
  /** Client certificate and key for mTLS. */
  clientCertPair?: { crt: PemData; key: PemData };
}

/**
 * TLS as an option: `true` (or `{}`) for TLS with the system's roots, a {@link TLSConfig} to
 * customise it, `false`/`null` for plaintext, `undefined` for "not said" (then TLS is on only
 * when an API key is set).
 */
export type TLSConfigOption = TLSConfig | boolean | null | undefined;

/** Connection settings found in the environment and config file. Every field is optional: absent means "not configured". */
export interface ClientConnectConfig {
  address?: string;
  namespace?: string;
  apiKey?: string;
  /** `false` when TLS was disabled explicitly (`TEMPORAL_TLS=false`, `tls.disabled = true`). */
  tls?: boolean | TLSConfig;
  /** gRPC metadata, keys normalised (lowercase, `_` → `-`). */
  metadata?: Record<string, string>;
}

/** Connection settings as given in code; `tls: null` means plaintext, like `@temporalio/client`. */
export interface ConnectionSettings {
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: TLSConfigOption;
  metadata?: Record<string, string>;
}

/** Settings after {@link resolveConnectionOptions}: defaults applied, TLS decided. */
export interface ResolvedConnectionSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /** `undefined` means plaintext. */
  tls?: true | TLSConfig;
  metadata?: Record<string, string>;
}

export interface LoadClientConnectConfigOptions {
  /** Profile name. Default `$TEMPORAL_PROFILE`, else `default`. A profile named explicitly must exist. */
  profile?: string;
  /**
   * Config file path. Default `$TEMPORAL_CONFIG_FILE`, else {@link defaultConfigFilePath}. A file
   * named here must exist; the default file may be absent.
   */
  configFile?: string;
  /** Environment to read instead of `process.env` (tests, or a CLI's merged view). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The config file's TOML text, instead of a file. */
  configData?: string;
  /** Refuse keys in the config file that Temporal does not define. Default false. */
  configFileStrict?: boolean;
  /** Ignore the config file. Default false. */
  disableFile?: boolean;
  /** Ignore the environment variables (including `TEMPORAL_CONFIG_FILE`/`TEMPORAL_PROFILE`). Default false. */
  disableEnv?: boolean;
}

/** The config file or environment is wrong; the message names the file, profile or variable and says how to fix it. */
export class EnvConfigError extends Error {
  override readonly name = 'EnvConfigError';
}

/**
 * Where Temporal tools look for `temporal.toml` by default: `<config dir>/temporalio/temporal.toml`,
 * where the config dir is `$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support`
 * on macOS and `%APPDATA%` on Windows (the OS's user config directory, as the `temporal` CLI uses).
 */
export function defaultConfigFilePath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  let configDir: string | undefined;
  if (process.platform === 'win32') configDir = env.APPDATA;
  else if (process.platform === 'darwin') configDir = join(env.HOME || homedir(), 'Library', 'Application Support');
  else configDir = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return configDir ? join(configDir, 'temporalio', CONFIG_FILE_NAME) : undefined;
}

type TlsSection = NonNullable<NativeEnvConfigProfile['tls']>;

function readDataSource(source: NativeEnvConfigDataSource | undefined, what: string): Uint8Array | undefined {
  if (source === undefined) return undefined;
  if ('data' in source) return Buffer.from(source.data, 'utf8');
  try {
    return readFileSync(source.path);
  } catch (cause) {
    throw new EnvConfigError(`could not read the ${what} at ${source.path}: ${errorMessage(cause)}`, { cause });
  }
}

/** TLS as the profile decides it: a tls table turns TLS on unless disabled; without one, an API key does. */
function profileTls(profile: NativeEnvConfigProfile): boolean | TLSConfig | undefined {
  const tls: TlsSection | undefined = profile.tls;
  if (tls === undefined) return profile.apiKey !== undefined ? true : undefined;
  if (tls.disabled === true) return false;
  if (tls.disableHostVerification) {
    throw new EnvConfigError(
      `${ENV_VARS.tlsDisableHostVerification} / tls.disable_host_verification is not supported by temporal-bun-sdk ` +
        `(its TLS always verifies the server's name): set ${ENV_VARS.tlsServerName} to the name in the server's certificate ` +
        `and ${ENV_VARS.tlsServerCaCertPath} to its CA instead`,
    );
  }
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    throw new EnvConfigError(
      `mTLS needs both a client certificate and a client key: set ${ENV_VARS.tlsClientCertPath} and ${ENV_VARS.tlsClientKeyPath} ` +
        `(or client_cert_path and client_key_path in the profile's tls table) together`,
    );
  }
  const config: TLSConfig = {};
  if (tls.serverName !== undefined && tls.serverName !== '') config.serverNameOverride = tls.serverName;
  const serverRootCACertificate = readDataSource(tls.serverCaCert, 'server CA certificate');
  if (serverRootCACertificate) config.serverRootCACertificate = serverRootCACertificate;
  const crt = readDataSource(tls.clientCert, 'client certificate');
  const key = readDataSource(tls.clientKey, 'client key');
  if (crt && key) config.clientCertPair = { crt, key };
  return Object.keys(config).length === 0 ? true : config;
}

/** The `TEMPORAL_*` variables of `env` that are set (the only ones core reads). */
function temporalVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && name.startsWith('TEMPORAL_')) variables[name] = value;
  }
  return variables;
}

/**
 * Loads the connection settings of one profile of the config file, with the environment applied on
 * top. Certificate and key files are read now. Absent fields were not configured anywhere (no
 * defaults are applied: see {@link resolveConnectionOptions}).
 *
 * Throws {@link EnvConfigError} on a malformed file, an unknown profile named explicitly (option or
 * `$TEMPORAL_PROFILE`), a config file named by the `configFile` option that does not exist,
 * conflicting `_PATH`/`_DATA` settings, half an mTLS pair, an unreadable certificate, or
 * `TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true` (unsupported).
 */
export function loadClientConnectConfig(options: LoadClientConnectConfigOptions = {}): ClientConnectConfig {
  if (options.disableFile && options.disableEnv) {
    throw new EnvConfigError('loadClientConnectConfig: disableFile and disableEnv cannot both be true');
  }
  const env = options.disableEnv ? {} : (options.env ?? process.env);
  if (!options.disableFile && options.configFile !== undefined && !existsSync(options.configFile)) {
    throw new EnvConfigError(`the Temporal config file ${options.configFile} does not exist: check the path`);
  }
  // Core finds the default file from the process's own environment; the one given here decides.
  const configFile =
    options.configFile ??
    (options.configData !== undefined || (env[ENV_VARS.configFile] ?? '') !== ''
      ? undefined
      : defaultConfigFilePath(env));
  let profile: NativeEnvConfigProfile;
  try {
    profile = loadEnvConfigProfile({
      profile: options.profile,
      configFile,
      configData: options.configData,
      env: temporalVariables(env),
      disableFile: options.disableFile ?? false,
      disableEnv: options.disableEnv ?? false,
      configFileStrict: options.configFileStrict ?? false,
    });
  } catch (cause) {
    if (cause instanceof NativeError) throw new EnvConfigError(cause.message, { cause });
    throw cause;
  }

  const config: ClientConnectConfig = {};
  if (profile.address !== undefined) config.address = profile.address;
  if (profile.namespace !== undefined) config.namespace = profile.namespace;
  if (profile.apiKey !== undefined) config.apiKey = profile.apiKey;
  const tls = profileTls(profile);
  if (tls !== undefined) config.tls = tls;
  if (Object.keys(profile.grpcMeta).length > 0) config.metadata = profile.grpcMeta;
  return config;
}

/**
 * Merges settings given in code with settings from {@link loadClientConnectConfig}: explicit
 * fields win (metadata is merged key by key, explicit keys winning), then defaults apply
 * (`localhost:7233`, namespace `default`). TLS ends up on when it is configured, or when an API key
 * is set and TLS was not turned off.
 */
export function resolveConnectionOptions(
  explicit: ConnectionSettings,
  fromEnv: ClientConnectConfig = {},
): ResolvedConnectionSettings {
  const apiKey = explicit.apiKey ?? fromEnv.apiKey;
  const tlsOption: TLSConfigOption = explicit.tls !== undefined ? explicit.tls : fromEnv.tls;
  let tls: true | TLSConfig | undefined;
  if (tlsOption === undefined) tls = apiKey !== undefined ? true : undefined;
  else if (tlsOption === null || tlsOption === false) tls = undefined;
  else tls = tlsOption;

  const resolved: ResolvedConnectionSettings = {
    address: explicit.address ?? fromEnv.address ?? CONNECTION_DEFAULTS.address,
    namespace: explicit.namespace ?? fromEnv.namespace ?? CONNECTION_DEFAULTS.namespace,
  };
  if (apiKey !== undefined) resolved.apiKey = apiKey;
  if (tls !== undefined) resolved.tls = tls;
  if (explicit.metadata !== undefined || fromEnv.metadata !== undefined) {
    resolved.metadata = { ...fromEnv.metadata, ...explicit.metadata };
  }
  return resolved;
}

function pemText(value: PemData): string {
  return typeof value === 'string' ? value : new TextDecoder().decode(value);
}

/** Connection fields in the form the native bridge takes (PEM strings, scheme fixed when TLS is off). */
export type NativeConnectionSettings = Pick<NativeClientOptions, 'address' | 'apiKey' | 'metadata' | 'tls'>;

/**
 * Converts resolved settings into the bridge's connection options (usable as `NativeConnection`
 * options too). With an API key but TLS turned off, the address gets an explicit `http://` so the
 * bridge does not switch to TLS on its own.
 */
export function toNativeConnectionSettings(settings: ResolvedConnectionSettings): NativeConnectionSettings {
  let address = settings.address;
  if (settings.tls === undefined && settings.apiKey !== undefined && !address.includes('://')) {
    address = `http://${address}`;
  }
  const native: NativeConnectionSettings = { address };
  if (settings.apiKey !== undefined) native.apiKey = settings.apiKey;
  if (settings.metadata !== undefined) native.metadata = settings.metadata;
  if (settings.tls === true) native.tls = true;
  else if (settings.tls !== undefined) {
    const tls: NativeClientTlsOptions = {};
    if (settings.tls.serverNameOverride !== undefined) tls.domain = settings.tls.serverNameOverride;
    if (settings.tls.serverRootCACertificate !== undefined)
      tls.serverRootCaCert = pemText(settings.tls.serverRootCACertificate);
    if (settings.tls.clientCertPair !== undefined) {
      tls.clientCert = pemText(settings.tls.clientCertPair.crt);
      tls.clientPrivateKey = pemText(settings.tls.clientCertPair.key);
    }
    native.tls = Object.keys(tls).length === 0 ? true : tls;
  }
  return native;
}
