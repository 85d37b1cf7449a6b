/**
 * The one `bun:ffi` symbol table of the bridge (`crates/bridge`, see its README for the contract).
 *
 * The library is found and opened by {@link loadBridgeLibrary} (see `library.ts`), which
 * `NativeRuntime.create` awaits, or by {@link loadBridgeLibrarySync} for the one call that needs no
 * runtime (`tbs_envconfig_load_profile`). Importing the SDK (for types, or for unit tests that
 * fake the native layer) never requires the library.
 */
import { FFIType, dlopen, type Library } from 'bun:ffi';
import {
  checkBridgeVersion,
  locateBridgeLibrarySync,
  readBridgeVersion,
  BridgeLibraryError,
  type LocatedBridgeLibrary,
} from './library';

// Generated from the Rust exports (crates/bridge/src): `make check-ffi` fails when this block is
// stale. Handles and request ids are u64 in C and below 2^53 by contract, so `u64_fast` returns a
// number.
export const symbolTable = {
  // BEGIN GENERATED FFI SYMBOLS (scripts/ffi-surface.ts --write; do not edit)
  // crates/bridge/src/buffers.rs
  // pointer
  tbs_bytes_free: { args: ['ptr'], returns: 'i32' },
  tbs_last_error_take: { args: [], returns: 'ptr' },
  // crates/bridge/src/client.rs
  // runtime, options, options_len, request_id
  tbs_client_connect: { args: ['u64', 'ptr', 'usize', 'u64'], returns: 'i32' },
  // client, service, method, method_len, request, request_len, timeout_ms, retry, request_id
  tbs_client_rpc: { args: ['u64', 'u32', 'ptr', 'usize', 'ptr', 'usize', 'u32', 'u32', 'u64'], returns: 'i32' },
  // client, json, json_len
  tbs_client_update_metadata: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  // client, key, key_len
  tbs_client_update_api_key: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  // client
  tbs_client_free: { args: ['u64'], returns: 'i32' },
  // crates/bridge/src/diagnostics.rs
  // runtime, data, data_len, delay_us, request_id
  tbs_diagnostics_echo: { args: ['u64', 'ptr', 'usize', 'u32', 'u64'], returns: 'i32' },
  // crates/bridge/src/envconfig.rs
  // request, request_len
  tbs_envconfig_load_profile: { args: ['ptr', 'usize'], returns: 'ptr' },
  // crates/bridge/src/metrics/mod.rs
  // runtime, metric, metric_len
  tbs_metric_new: { args: ['u64', 'ptr', 'usize'], returns: FFIType.u64_fast },
  // metric, value, tags, tags_len
  tbs_metric_record: { args: ['u64', 'f64', 'ptr', 'usize'], returns: 'i32' },
  // metric
  tbs_metric_free: { args: ['u64'], returns: 'i32' },
  // crates/bridge/src/replayer.rs
  // runtime, options, options_len
  tbs_replayer_new: { args: ['u64', 'ptr', 'usize'], returns: FFIType.u64_fast },
  // worker, workflow_id, workflow_id_len, history, history_len, request_id
  tbs_replayer_push_history: { args: ['u64', 'ptr', 'usize', 'ptr', 'usize', 'u64'], returns: 'i32' },
  // worker
  tbs_replayer_close: { args: ['u64'], returns: 'i32' },
  // crates/bridge/src/runtime.rs
  // options, options_len
  tbs_runtime_new: { args: ['ptr', 'usize'], returns: FFIType.u64_fast },
  // runtime
  tbs_runtime_describe: { args: ['u64'], returns: 'ptr' },
  // runtime, out, capacity
  tbs_runtime_drain: { args: ['u64', 'ptr', 'u32'], returns: 'i32' },
  // runtime
  tbs_runtime_free: { args: ['u64'], returns: 'i32' },
  // crates/bridge/src/version.rs
  tbs_bridge_version: { args: [], returns: 'cstring' },
  // crates/bridge/src/worker.rs
  // runtime, client, options, options_len
  tbs_worker_new: { args: ['u64', 'u64', 'ptr', 'usize'], returns: FFIType.u64_fast },
  // worker, request_id
  tbs_worker_validate: { args: ['u64', 'u64'], returns: 'i32' },
  // worker, request_id
  tbs_worker_stream_workflow_activations: { args: ['u64', 'u64'], returns: 'i32' },
  // worker, request_id
  tbs_worker_stream_activity_tasks: { args: ['u64', 'u64'], returns: 'i32' },
  // worker, completion, completion_len, request_id, flags
  tbs_worker_complete_workflow_activation: { args: ['u64', 'ptr', 'usize', 'u64', 'u32'], returns: 'i32' },
  // worker, completion, completion_len, request_id, flags
  tbs_worker_complete_activity_task: { args: ['u64', 'ptr', 'usize', 'u64', 'u32'], returns: 'i32' },
  // worker, heartbeat, heartbeat_len
  tbs_worker_record_activity_heartbeat: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  // worker, run_id, run_id_len
  tbs_worker_request_workflow_eviction: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  // worker
  tbs_worker_initiate_shutdown: { args: ['u64'], returns: 'i32' },
  // worker, request_id
  tbs_worker_finalize_shutdown: { args: ['u64', 'u64'], returns: 'i32' },
  // worker
  tbs_worker_free: { args: ['u64'], returns: 'i32' },
  // END GENERATED FFI SYMBOLS
} as const;

export type BridgeSymbols = Library<typeof symbolTable>['symbols'];

/** The opened library, where it came from and its version. */
export interface LoadedBridgeLibrary extends LocatedBridgeLibrary {
  version: string;
}

let library: { opened: Library<typeof symbolTable>; loaded: LoadedBridgeLibrary } | undefined;

/**
 * Finds, checks and opens the bridge library once per process; later calls return the same one.
 * Rejects with a `BridgeLibraryError` that says what to install or set.
 */
export function loadBridgeLibrary(): Promise<LoadedBridgeLibrary> {
  try {
    return Promise.resolve(loadBridgeLibrarySync());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * {@link loadBridgeLibrary}, synchronously: for the synchronous calls into the bridge that need no
 * runtime (resolving `temporal.toml` in `new Client()`). Throws a `BridgeLibraryError`.
 */
export function loadBridgeLibrarySync(): LoadedBridgeLibrary {
  if (library !== undefined) return library.loaded;
  const located = locateBridgeLibrarySync();
  const version = readBridgeVersion(located.path);
  checkBridgeVersion(located, version);
  let opened: Library<typeof symbolTable>;
  try {
    opened = dlopen(located.path, symbolTable);
  } catch (cause) {
    throw new BridgeLibraryError(
      `temporal-bun-sdk: the native bridge library ${located.path} (version ${version}) lacks a function this package calls: ${String(cause)}`,
      { cause },
    );
  }
  library = { opened, loaded: { ...located, version } };
  return library.loaded;
}

/** The bridge's exported functions. The library must have been loaded ({@link loadBridgeLibrary}). */
export function nativeSymbols(): BridgeSymbols {
  if (library === undefined) {
    throw new BridgeLibraryError(
      'temporal-bun-sdk: the native bridge library is not loaded yet; create a NativeRuntime (or a connection) first',
    );
  }
  return library.opened.symbols;
}
