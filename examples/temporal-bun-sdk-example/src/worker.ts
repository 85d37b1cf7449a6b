/**
 * The example's worker: polls the order-fulfillment task queue until Ctrl-C.
 *
 *   bun run src/worker.ts            (TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE or a temporal.toml profile,
 *                                    default localhost:7233, the same as the client's)
 */
import { createWorker, type Logger, type NativeConnection } from 'temporal-bun-sdk';
import * as activities from './activities';
import { TASK_QUEUE } from './shared';

export interface StartWorkerOptions {
  /** A connection to share (a test's `env.nativeConnection`); otherwise the worker opens its own. */
  connection?: NativeConnection;
  /** Without a connection or an address, the worker connects as the client does: TEMPORAL_*, then temporal.toml. */
  address?: string;
  namespace?: string;
  logger?: Logger;
}

export async function startWorker(options: StartWorkerOptions = {}) {
  return await createWorker({
    connection:
      options.connection ?? (options.address === undefined ? {} : { address: options.address, envConfig: false }),
    namespace: options.namespace,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities,
    shutdownGraceTime: '5s',
    logger: options.logger,
  });
}

if (import.meta.main) {
  const worker = await startWorker();
  let signals = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => worker.shutdown(++signals > 1 ? 0 : undefined));
  }
  console.log(`worker ready on task queue ${TASK_QUEUE}; Ctrl-C to stop`);
  await worker.run();
}
