/**
 * The one `bun:ffi` symbol table of the bridge (`crates/bridge`, see its README for the contract).
 *
 * The library is opened lazily, on the first call to {@link nativeSymbols}, so that importing the
 * SDK (for types, or for unit tests that fake the native layer) never requires the Rust build.
 */
import { FFIType, dlopen, suffix, type Library } from 'bun:ffi';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Environment variable that overrides where the bridge library is loaded from. */
export const BRIDGE_PATH_ENV = 'TEMPORAL_BUN_BRIDGE_PATH';

/** Library file name, e.g. `libtemporal_bun_bridge.so` on Linux, `.dylib` on macOS. */
export const BRIDGE_LIBRARY_FILE = `libtemporal_bun_bridge.${suffix}`;

// Handles and request ids are u64 in C and below 2^53 by contract, so `u64_fast` returns a number.
const symbolTable = {
  // Memory and errors
  tbs_bytes_free: { args: ['ptr'], returns: 'i32' },
  tbs_last_error_take: { args: [], returns: 'ptr' },

  // Runtime
  tbs_runtime_new: { args: ['ptr', 'usize'], returns: FFIType.u64_fast },
  tbs_runtime_drain: { args: ['u64', 'ptr', 'u32'], returns: 'i32' },
  tbs_runtime_free: { args: ['u64'], returns: 'i32' },

  // Client
  tbs_client_connect: { args: ['u64', 'ptr', 'usize', 'u64'], returns: 'i32' },
  tbs_client_rpc: {
    // client, service, method, method_len, req, req_len, timeout_ms, retry, request_id
    args: ['u64', 'u32', 'ptr', 'usize', 'ptr', 'usize', 'u32', 'u32', 'u64'],
    returns: 'i32',
  },
  tbs_client_update_metadata: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  tbs_client_update_api_key: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  tbs_client_free: { args: ['u64'], returns: 'i32' },

  // Worker
  tbs_worker_new: { args: ['u64', 'u64', 'ptr', 'usize'], returns: FFIType.u64_fast },
  tbs_worker_validate: { args: ['u64', 'u64'], returns: 'i32' },
  tbs_worker_poll_workflow_activation: { args: ['u64', 'u64'], returns: 'i32' },
  tbs_worker_complete_workflow_activation: { args: ['u64', 'ptr', 'usize', 'u64', 'u32'], returns: 'i32' },
  tbs_worker_poll_activity_task: { args: ['u64', 'u64'], returns: 'i32' },
  tbs_worker_stream_workflow_activations: { args: ['u64', 'u64'], returns: 'i32' },
  tbs_worker_stream_activity_tasks: { args: ['u64', 'u64'], returns: 'i32' },
  tbs_worker_complete_activity_task: { args: ['u64', 'ptr', 'usize', 'u64', 'u32'], returns: 'i32' },
  tbs_worker_record_activity_heartbeat: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  tbs_worker_request_workflow_eviction: { args: ['u64', 'ptr', 'usize'], returns: 'i32' },
  tbs_worker_initiate_shutdown: { args: ['u64'], returns: 'i32' },
  tbs_worker_finalize_shutdown: { args: ['u64', 'u64'], returns: 'i32' },
  tbs_worker_free: { args: ['u64'], returns: 'i32' },

  // Replayer
  tbs_replayer_new: { args: ['u64', 'ptr', 'usize'], returns: FFIType.u64_fast },
  tbs_replayer_push_history: {
    // worker, workflow_id, id_len, history, history_len, request_id
    args: ['u64', 'ptr', 'usize', 'ptr', 'usize', 'u64'],
    returns: 'i32',
  },
  tbs_replayer_close: { args: ['u64'], returns: 'i32' },

  // Diagnostics
  tbs_diagnostics_echo: { args: ['u64', 'ptr', 'usize', 'u32', 'u64'], returns: 'i32' },
} as const;

export type BridgeSymbols = Library<typeof symbolTable>['symbols'];

let library: Library<typeof symbolTable> | undefined;

/**
 * Where the bridge library is loaded from: `$TEMPORAL_BUN_BRIDGE_PATH` when set, else the
 * release build of the nearest enclosing repository (`<dir>/target/release`, searched upwards from
 * this package, so a copy installed into an example's node_modules finds it too).
 */
export function bridgeLibraryPath(): string {
  const fromEnv = process.env[BRIDGE_PATH_ENV];
  if (fromEnv) return resolve(fromEnv);
  // src/native → src → package → packages → repository root, for the error message when nothing is found.
  const repositoryBuild = resolve(import.meta.dir, '../../../..', 'target', 'release', BRIDGE_LIBRARY_FILE);
  for (let directory = import.meta.dir; ; directory = dirname(directory)) {
    const candidate = join(directory, 'target', 'release', BRIDGE_LIBRARY_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) return repositoryBuild;
  }
}

/** The bridge's exported functions; opens the library on first use. */
export function nativeSymbols(): BridgeSymbols {
  if (library) return library.symbols;
  const path = bridgeLibraryPath();
  if (!existsSync(path)) {
    const hint = process.env[BRIDGE_PATH_ENV]
      ? `${BRIDGE_PATH_ENV} points to a file that does not exist.`
      : `Run \`make build\` at the repository root to build it, or set ${BRIDGE_PATH_ENV} to its path.`;
    throw new Error(`temporal-bun-sdk: the native bridge library was not found at ${path}. ${hint}`);
  }
  let opened: Library<typeof symbolTable>;
  try {
    opened = dlopen(path, symbolTable);
  } catch (cause) {
    throw new Error(
      `temporal-bun-sdk: could not load the native bridge library ${path} (${String(cause)}). ` +
        'It may be out of date: run `make build` at the repository root.',
      { cause },
    );
  }
  library = opened;
  return opened.symbols;
}
