/** Connection settings from Temporal's environment conventions (`TEMPORAL_*`, `temporal.toml` profiles). */
export {
  CONFIG_FILE_NAME,
  CONNECTION_DEFAULTS,
  ENV_VARS,
  EnvConfigError,
  defaultConfigFilePath,
  loadClientConnectConfig,
  resolveConnectionOptions,
  toNativeConnectionSettings,
  type ClientConnectConfig,
  type ConnectionSettings,
  type LoadClientConnectConfigOptions,
  type NativeConnectionSettings,
  type PemData,
  type ResolvedConnectionSettings,
  type TLSConfig,
  type TLSConfigOption,
} from './env-config';
