/**
 * The Rust worker (bench/workers/rust/, the crates.io `temporalio-sdk` on the bridge's sdk-core):
 * where its binary is, and the one JSON argument it is started with (`WorkerSpec` in
 * bench/workers/rust/src/spec.rs, which refuses unknown keys).
 *
 * The TypeScript workers run with their SDKs' defaults, which agree (worker-settings.ts); the Rust
 * SDK's differ (100 workflow task slots; 5 pollers each, eligible for autoscaling), so the Rust
 * worker is given temporal-bun-sdk's defaults explicitly, read from the package itself.
 */
import { fileURLToPath } from 'node:url';
import { WORKER_DEFAULTS } from 'temporal-bun-sdk/worker';
import { READY_PREFIX, SHARED_WORKER_OPTIONS, type WorkerTarget } from './worker-settings';

/** Built by bench/setup (`cargo build --release` in bench/workers/rust). */
export const RUST_WORKER_BINARY = fileURLToPath(new URL('./rust/target/release/bench-worker-rust', import.meta.url));

/**
 * Tokio worker threads for sdk-core: temporal-bun-sdk's default (`DEFAULT_RUNTIME_THREADS`, not
 * exported by the package). In both, the workflows run on another thread (the JS thread in ours,
 * the main thread in the Rust worker).
 */
const RUNTIME_THREADS = 1;

export interface RustWorkerSpec {
  address: string;
  namespace: string;
  taskQueue: string;
  readyPrefix: string;
  runtimeThreads: number;
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  maxConcurrentWorkflowTaskPolls: number;
  maxConcurrentActivityTaskPolls: number;
  nonStickyToStickyPollRatio: number;
}

export function rustWorkerSpec(target: WorkerTarget): RustWorkerSpec {
  return {
    ...target,
    readyPrefix: READY_PREFIX,
    runtimeThreads: RUNTIME_THREADS,
    maxConcurrentWorkflowTaskExecutions: WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: WORKER_DEFAULTS.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: WORKER_DEFAULTS.maxConcurrentLocalActivityExecutions,
    maxConcurrentWorkflowTaskPolls: WORKER_DEFAULTS.maxConcurrentWorkflowTaskPolls,
    maxConcurrentActivityTaskPolls: WORKER_DEFAULTS.maxConcurrentActivityTaskPolls,
    nonStickyToStickyPollRatio: WORKER_DEFAULTS.nonStickyToStickyPollRatio,
    ...SHARED_WORKER_OPTIONS,
  };
}
