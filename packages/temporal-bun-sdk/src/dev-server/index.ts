export {
  DevServerStartError,
  findFreePort,
  isPortFree,
  startDevServer,
  type DevServer,
  type DevServerExit,
  type DevServerLogLevel,
  type DevServerOptions,
} from './dev-server';
export { findTemporalCli, TemporalCliNotFoundError, TEMPORAL_CLI_PATH_ENV } from './temporal-cli';
