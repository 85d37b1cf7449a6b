/**
 * The bridge to the Rust core (`crates/bridge`). This folder is the only code that imports `bun:ffi`.
 */
export {
  loadBridgeLibrary,
  loadBridgeLibrarySync,
  nativeSymbols,
  type BridgeSymbols,
  type LoadedBridgeLibrary,
} from './symbols';
export {
  loadEnvConfigProfile,
  type NativeEnvConfigDataSource,
  type NativeEnvConfigProfile,
  type NativeEnvConfigRequest,
} from './envconfig';
export {
  BRIDGE_PATH_ENV,
  BridgeLibraryError,
  locateBridgeLibrary,
  type BridgeLibrarySource,
  type LocatedBridgeLibrary,
} from './library';
export {
  BRIDGE_LIBRARY_FILE,
  BRIDGE_PLATFORMS,
  GLIBC_FLOOR,
  bridgePlatformFor,
  hostPlatform,
  type BridgePlatform,
  type HostPlatform,
} from './platform';
export {
  NativeError,
  NativeErrorCode,
  isShutdownError,
  takeLastError,
  type NativeErrorCodeName,
  type NativeErrorDetails,
  type NativeRejectedCompletion,
} from './errors';
export {
  NativeRuntime,
  type CompletionValue,
  type NativeLogRecord,
  type NativeMetricsOptions,
  type NativeRuntimeDescription,
  type NativeRuntimeOptions,
} from './runtime';
export { NativeMetric, type NativeMetricKind, type NativeMetricSpec } from './metrics';
export {
  NativeClient,
  type NativeClientOptions,
  type NativeClientTlsOptions,
  type NativeProxyOptions,
  type NativeRpcOptions,
  type NativeServiceName,
  type OperatorServiceMethod,
  type OperatorServiceRequest,
  type OperatorServiceResponse,
  type WorkflowServiceMethod,
  type WorkflowServiceRequest,
  type WorkflowServiceResponse,
} from './client';
export {
  NativeReplayer,
  NativeWorker,
  NativeWorkerBase,
  type NativeReplayerOptions,
  type NativePollerBehavior,
  type NativeSlotSupplier,
  type NativeWorkerOptions,
  type NativeWorkerTuner,
} from './worker';
