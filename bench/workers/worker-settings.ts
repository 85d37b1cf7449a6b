/**
 * What the benchmark workers share: where to connect (from the harness, through the environment),
 * the workload, the options set explicitly for all, and the ready line the harness waits for.
 *
 * Every other option is each TypeScript SDK's default; the defaults that matter here are the same
 * in both (40 workflow task slots, 100 activity slots, 10 + 10 long polls, sticky:normal poll ratio
 * 0.2). The sticky cache is set explicitly because the official default depends on the heap size.
 * The Rust worker gets all of these in its JSON argument instead (rust-spec.ts): its SDK's
 * defaults differ.
 */
import { fileURLToPath } from 'node:url';

/** Environment variables set by the harness (bench/run.ts) for each worker process. */
export const WORKER_ENV = {
  address: 'BENCH_ADDRESS',
  namespace: 'BENCH_NAMESPACE',
  taskQueue: 'BENCH_TASK_QUEUE',
} as const;

export interface WorkerTarget {
  address: string;
  namespace: string;
  taskQueue: string;
}

export function workerTargetFromEnv(): WorkerTarget {
  const read = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: benchmark workers are started by bench/run.ts`);
    return value;
  };
  return {
    address: read(WORKER_ENV.address),
    namespace: read(WORKER_ENV.namespace),
    taskQueue: read(WORKER_ENV.taskQueue),
  };
}

/** The workflows file both workers bundle (each with its own bundler). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workload/workflows.ts', import.meta.url));

/**
 * Options given to both workers, under the same names (and to the Rust worker, rust-spec.ts).
 * Scenario D parks at most `maxCachedWorkflows` workflows (harness/settings.ts checks), so that
 * every one of them stays in the cache.
 */
export const SHARED_WORKER_OPTIONS = {
  maxCachedWorkflows: 1000,
} as const;

/** Prefix of the one stdout line a worker prints once it is created and running. */
export const READY_PREFIX = 'BENCH_WORKER_READY ';

/**
 * Tells the harness the worker is running. `createdMs` is the time from process start
 * (`performance.timeOrigin`) to the worker object existing, as the worker itself sees it.
 */
export function announceReady(sdk: string, createdMs: number): void {
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ sdk, pid: process.pid, createdMs })}\n`);
}
