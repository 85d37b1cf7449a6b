/**
 * The benchmark's yardstick: the official `@temporalio/worker` (its Node-API core bridge, webpack
 * bundle and worker-thread sandbox) on the same Bun. Started by bench/run.ts with BENCH_ADDRESS,
 * BENCH_NAMESPACE and BENCH_TASK_QUEUE; prints a ready line once running; the SDK's runtime shuts
 * the worker down on SIGTERM or SIGINT (its default shutdown signals).
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../workload/activities';
import { announceReady, SHARED_WORKER_OPTIONS, WORKFLOWS_PATH, workerTargetFromEnv } from './worker-settings';

const target = workerTargetFromEnv();
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: target.address });
try {
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: target.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    ...SHARED_WORKER_OPTIONS,
  });
  const running = worker.run();
  announceReady('@temporalio/worker', performance.now());
  await running;
} finally {
  await connection.close();
}
