/**
 * The bridge to the Rust core (`crates/bridge`). This folder is the only code that imports `bun:ffi`.
 */
export { BRIDGE_LIBRARY_FILE, BRIDGE_PATH_ENV, bridgeLibraryPath, nativeSymbols, type BridgeSymbols } from './symbols';
export {
  NativeError,
  NativeErrorCode,
  isShutdownError,
  takeLastError,
  type NativeErrorCodeName,
  type NativeErrorDetails,
} from './errors';
export {
  NativeRuntime,
  type CompletionValue,
  type NativeLogRecord,
  type NativeRuntimeOptions,
} from './runtime';
export {
  NativeClient,
  type NativeClientOptions,
  type NativeClientTlsOptions,
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
  type NativeWorkerOptions,
} from './worker';
