/**
 * The benchmark's worker on temporal-bun-sdk: `createWorker` over the bridge (bun:ffi).
 * Started by bench/run.ts with BENCH_ADDRESS, BENCH_NAMESPACE and BENCH_TASK_QUEUE; prints a
 * ready line once running; shuts down on SIGTERM or SIGINT. With BENCH_PROMETHEUS=1 (the
 * `prometheus` worker kind) it exports core's and user metrics on a Prometheus endpoint, to measure
 * what metrics cost.
 */
import { ConsoleLogger, createWorker, Runtime } from 'temporal-bun-sdk';
import * as activities from '../workload/activities';
import { announceReady, SHARED_WORKER_OPTIONS, WORKFLOWS_PATH, workerTargetFromEnv } from './worker-settings';

const target = workerTargetFromEnv();
if (process.env.BENCH_PROMETHEUS === '1') {
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: '127.0.0.1:0' } } } });
}
const worker = await createWorker({
  connection: { address: target.address },
  namespace: target.namespace,
  taskQueue: target.taskQueue,
  workflowsPath: WORKFLOWS_PATH,
  activities,
  logger: new ConsoleLogger('WARN'),
  ...SHARED_WORKER_OPTIONS,
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => worker.shutdown());
const running = worker.run();
announceReady('temporal-bun-sdk', performance.now());
await running;
