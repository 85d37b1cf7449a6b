/**
 * Temporal's environment configuration, resolved by sdk-core's envconfig in the bridge
 * (`tbs_envconfig_load_profile`): the one synchronous call that needs no runtime, so that
 * `new Client()` can read `temporal.toml` at once.
 */
import { encodeJson, inputBytes, takeOwnedJson } from './buffers';
import { loadBridgeLibrarySync, nativeSymbols } from './symbols';

/** What to read (the bridge's request JSON). */
export interface NativeEnvConfigRequest {
  /** Profile name; default `$TEMPORAL_PROFILE`, else `default`. One named here or there must exist. */
  profile?: string;
  /** Config file path; default `$TEMPORAL_CONFIG_FILE`, else the OS's default. A missing file is an empty one. */
  configFile?: string;
  /** The config file's TOML text, instead of a path. */
  configData?: string;
  /** The environment to read instead of the process's. */
  env?: Record<string, string>;
  disableFile?: boolean;
  /** Read no variable (`TEMPORAL_CONFIG_FILE` and `TEMPORAL_PROFILE` included). */
  disableEnv?: boolean;
  /** Refuse unknown keys in the config file. */
  configFileStrict?: boolean;
}

/** A certificate or key: where it is, or what it is. */
export type NativeEnvConfigDataSource = { path: string } | { data: string };

/** The resolved profile; absent fields were configured nowhere. */
export interface NativeEnvConfigProfile {
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: {
    /** `true` when TLS was turned off (`TEMPORAL_TLS=false`, `disabled = true`), `false` when turned on. */
    disabled?: boolean;
    clientCert?: NativeEnvConfigDataSource;
    clientKey?: NativeEnvConfigDataSource;
    serverCaCert?: NativeEnvConfigDataSource;
    serverName?: string;
    disableHostVerification: boolean;
  };
  codec?: { endpoint?: string; auth?: string };
  /** gRPC metadata, keys normalised by core (lowercase, `_` → `-`). */
  grpcMeta: Record<string, string>;
}

/**
 * Resolves one profile: the config file's, then the environment over it. Synchronous (it reads
 * the config file); opens the bridge library if needed. Throws the bridge's `NativeError`
 * (`INVALID_ARGUMENT`) on a bad file, an unknown profile or conflicting settings, or a
 * `BridgeLibraryError` when the library cannot be loaded.
 */
export function loadEnvConfigProfile(request: NativeEnvConfigRequest): NativeEnvConfigProfile {
  loadBridgeLibrarySync();
  const symbols = nativeSymbols();
  const input = inputBytes(encodeJson(request));
  return takeOwnedJson<NativeEnvConfigProfile>(
    symbols.tbs_envconfig_load_profile(input.pointer, input.length),
    'tbs_envconfig_load_profile',
  );
}
