/**
 * Connection settings from Temporal's environment conventions: `TEMPORAL_*` variables and profiles
 * in `temporal.toml`, the same rules as Temporal's other SDKs and the `temporal` CLI (the reference
 * is sdk-core's `temporalio-common` `envconfig.rs`).
 *
 * Resolution order, lowest to highest priority:
 * 1. the profile in the config file (`configFile` option, else `$TEMPORAL_CONFIG_FILE`, else
 *    `<config dir>/temporalio/temporal.toml`); the profile is the `profile` option, else
 *    `$TEMPORAL_PROFILE`, else `default`;
 * 2. environment variables (`TEMPORAL_ADDRESS`, …), applied on top of the profile;
 * 3. options given in code ({@link resolveConnectionOptions}: explicit options win).
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
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { NativeClientOptions, NativeClientTlsOptions } from '../native';

/** The environment variables read by {@link loadClientConnectConfig}, by role. One place for their names. */
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
  namespace: 'default',
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

/** A certificate or key: where it is (`path`) or what it is (`data`). */
type DataSource = { path: string } | { data: string };

interface TlsSection {
  disabled?: boolean;
  clientCert?: DataSource;
  clientKey?: DataSource;
  serverCaCert?: DataSource;
  serverName?: string;
  disableHostVerification: boolean;
}

interface Profile {
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: TlsSection;
  grpcMeta: Map<string, string>;
}

/** `MY_HEADER` → `my-header`, as the other SDKs normalise gRPC metadata keys. */
function normalizeMetadataKey(key: string): string {
  return key.toLowerCase().replaceAll('_', '-');
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(table: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new EnvConfigError(`${where}: ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalBoolean(table: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new EnvConfigError(`${where}: ${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** `<name>_path` / `<name>_data` of a TOML tls table; an empty `_data` counts as absent. */
function tomlDataSource(table: Record<string, unknown>, name: string, where: string): DataSource | undefined {
  const path = optionalString(table, `${name}_path`, where);
  const data = optionalString(table, `${name}_data`, where);
  if (path !== undefined && data !== undefined) {
    throw new EnvConfigError(`${where}: set either ${name}_path or ${name}_data, not both`);
  }
  if (path !== undefined) return { path };
  if (data !== undefined && data.length > 0) return { data };
  return undefined;
}

function parseTomlProfile(value: unknown, where: string): Profile {
  if (!isTable(value)) throw new EnvConfigError(`${where} must be a table ([${where.split(' ').pop()}])`);
  const profile: Profile = {
    address: optionalString(value, 'address', where),
    namespace: optionalString(value, 'namespace', where),
    apiKey: optionalString(value, 'api_key', where),
    grpcMeta: new Map(),
  };
  const tls = value.tls;
  if (tls !== undefined) {
    const tlsWhere = `${where}.tls`;
    if (!isTable(tls)) throw new EnvConfigError(`${tlsWhere} must be a table`);
    profile.tls = {
      disabled: optionalBoolean(tls, 'disabled', tlsWhere),
      clientCert: tomlDataSource(tls, 'client_cert', tlsWhere),
      clientKey: tomlDataSource(tls, 'client_key', tlsWhere),
      serverCaCert: tomlDataSource(tls, 'server_ca_cert', tlsWhere),
      serverName: optionalString(tls, 'server_name', tlsWhere),
      disableHostVerification: optionalBoolean(tls, 'disable_host_verification', tlsWhere) ?? false,
    };
  }
  const grpcMeta = value.grpc_meta;
  if (grpcMeta !== undefined) {
    if (!isTable(grpcMeta)) throw new EnvConfigError(`${where}.grpc_meta must be a table of strings`);
    for (const [key, metaValue] of Object.entries(grpcMeta)) {
      if (typeof metaValue !== 'string') {
        throw new EnvConfigError(`${where}.grpc_meta: ${key} must be a string, got ${JSON.stringify(metaValue)}`);
      }
      profile.grpcMeta.set(normalizeMetadataKey(key), metaValue);
    }
  }
  return profile;
}

/** The profiles of a `temporal.toml` document, by name. */
function parseConfigFile(text: string, file: string): Map<string, Profile> {
  let document: object;
  try {
    document = Bun.TOML.parse(text);
  } catch (cause) {
    throw new EnvConfigError(`${file} is not valid TOML: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
  const profiles = new Map<string, Profile>();
  const table = (document as Record<string, unknown>).profile;
  if (table === undefined) return profiles;
  if (!isTable(table)) throw new EnvConfigError(`${file}: "profile" must be a table of profiles ([profile.NAME])`);
  for (const [name, value] of Object.entries(table)) {
    profiles.set(name, parseTomlProfile(value, `${file}: profile.${name}`));
  }
  return profiles;
}

/** Reads a boolean variable (`true`/`false`/`1`/`0`, any case). */
function envBoolean(env: Readonly<Record<string, string | undefined>>, name: string): boolean | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  switch (value.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      throw new EnvConfigError(`${name} must be true or false (or 1 or 0), got ${JSON.stringify(value)}`);
  }
}

/** A non-empty variable's value; an empty variable counts as unset. */
function envString(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Applies `<PATH>`/`<DATA>` variables over a profile's data source (a path may not replace data and vice versa). */
function envDataSource(
  env: Readonly<Record<string, string | undefined>>,
  current: DataSource | undefined,
  pathVariable: string,
  dataVariable: string,
  what: string,
): DataSource | undefined {
  const path = envString(env, pathVariable);
  const data = envString(env, dataVariable);
  if (path !== undefined && data !== undefined) {
    throw new EnvConfigError(`set either ${pathVariable} or ${dataVariable}, not both`);
  }
  if (path !== undefined) {
    if (current && 'data' in current) {
      throw new EnvConfigError(
        `${pathVariable} sets the ${what} path but the config profile already sets its data: remove one`,
      );
    }
    return { path };
  }
  if (data !== undefined) {
    if (current && 'path' in current) {
      throw new EnvConfigError(
        `${dataVariable} sets the ${what} data but the config profile already sets its path: remove one`,
      );
    }
    return { data };
  }
  return current;
}

const TLS_VARIABLES = [
  ENV_VARS.tls,
  ENV_VARS.tlsClientCertPath,
  ENV_VARS.tlsClientCertData,
  ENV_VARS.tlsClientKeyPath,
  ENV_VARS.tlsClientKeyData,
  ENV_VARS.tlsServerCaCertPath,
  ENV_VARS.tlsServerCaCertData,
  ENV_VARS.tlsServerName,
  ENV_VARS.tlsDisableHostVerification,
];

function applyEnvironment(profile: Profile, env: Readonly<Record<string, string | undefined>>): void {
  profile.address = envString(env, ENV_VARS.address) ?? profile.address;
  profile.namespace = envString(env, ENV_VARS.namespace) ?? profile.namespace;
  profile.apiKey = envString(env, ENV_VARS.apiKey) ?? profile.apiKey;

  if (profile.tls === undefined && TLS_VARIABLES.some((name) => envString(env, name) !== undefined)) {
    profile.tls = { disableHostVerification: false };
  }
  const tls = profile.tls;
  if (tls) {
    const enabled = envBoolean(env, ENV_VARS.tls);
    if (enabled !== undefined) tls.disabled = !enabled;
    tls.clientCert = envDataSource(
      env,
      tls.clientCert,
      ENV_VARS.tlsClientCertPath,
      ENV_VARS.tlsClientCertData,
      'client certificate',
    );
    tls.clientKey = envDataSource(
      env,
      tls.clientKey,
      ENV_VARS.tlsClientKeyPath,
      ENV_VARS.tlsClientKeyData,
      'client key',
    );
    tls.serverCaCert = envDataSource(
      env,
      tls.serverCaCert,
      ENV_VARS.tlsServerCaCertPath,
      ENV_VARS.tlsServerCaCertData,
      'server CA certificate',
    );
    tls.serverName = envString(env, ENV_VARS.tlsServerName) ?? tls.serverName;
    tls.disableHostVerification = envBoolean(env, ENV_VARS.tlsDisableHostVerification) ?? tls.disableHostVerification;
  }

  // Sorted so that the outcome does not depend on the environment's key order.
  const metaVariables = Object.keys(env)
    .filter((name) => name.startsWith(ENV_VARS.grpcMetaPrefix) && name.length > ENV_VARS.grpcMetaPrefix.length)
    .sort();
  for (const name of metaVariables) {
    const key = normalizeMetadataKey(name.slice(ENV_VARS.grpcMetaPrefix.length));
    const value = env[name];
    if (value === undefined || value === '') profile.grpcMeta.delete(key);
    else profile.grpcMeta.set(key, value);
  }
}

function readDataSource(source: DataSource | undefined, what: string): Uint8Array | undefined {
  if (source === undefined) return undefined;
  if ('data' in source) return Buffer.from(source.data, 'utf8');
  try {
    return readFileSync(source.path);
  } catch (cause) {
    throw new EnvConfigError(
      `could not read the ${what} at ${source.path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** TLS as the profile decides it: a tls table turns TLS on unless disabled; without one, an API key does. */
function profileTls(profile: Profile): boolean | TLSConfig | undefined {
  const tls = profile.tls;
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
  let profile: Profile = { grpcMeta: new Map() };

  if (!options.disableFile) {
    const requestedProfile = options.profile ?? envString(env, ENV_VARS.profile);
    const configFile = options.configFile ?? envString(env, ENV_VARS.configFile) ?? defaultConfigFilePath(env);
    let profiles = new Map<string, Profile>();
    if (configFile !== undefined && existsSync(configFile)) {
      let text: string;
      try {
        text = readFileSync(configFile, 'utf8');
      } catch (cause) {
        throw new EnvConfigError(`could not read the Temporal config file ${configFile}: ${String(cause)}`, { cause });
      }
      profiles = parseConfigFile(text, configFile);
    } else if (options.configFile !== undefined) {
      throw new EnvConfigError(`the Temporal config file ${options.configFile} does not exist: check the path`);
    }
    const name = requestedProfile ?? CONNECTION_DEFAULTS.profile;
    const found = profiles.get(name);
    if (found) profile = found;
    else if (requestedProfile !== undefined) {
      const known = [...profiles.keys()];
      throw new EnvConfigError(
        `profile "${name}" was not found in ${configFile ?? 'the Temporal config file'}` +
          (known.length > 0 ? ` (it has: ${known.join(', ')})` : ' (it has no profiles)') +
          `: add [profile.${name}] or choose another profile with ${ENV_VARS.profile}`,
      );
    }
  }
  if (!options.disableEnv) applyEnvironment(profile, env);

  const config: ClientConnectConfig = {};
  if (profile.address !== undefined) config.address = profile.address;
  if (profile.namespace !== undefined) config.namespace = profile.namespace;
  if (profile.apiKey !== undefined) config.apiKey = profile.apiKey;
  const tls = profileTls(profile);
  if (tls !== undefined) config.tls = tls;
  if (profile.grpcMeta.size > 0) config.metadata = Object.fromEntries(profile.grpcMeta);
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
