/**
 * The example's worker: polls the order-fulfillment task queue until Ctrl-C.
 *
 *   bun run src/worker.ts            (TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE or a temporal.toml profile,
 *                                    default localhost:7233, the same as the client's)
 */
import { createWorker, type Logger } from 'temporal-bun-sdk';
import * as activities from './activities';
import { TASK_QUEUE } from './shared';

export async function startWorker(options: { address?: string; namespace?: string; logger?: Logger } = {}) {
  return await createWorker({
    // Without an address the connection resolves as the client's: TEMPORAL_*, then temporal.toml.
    connection: options.address === undefined ? {} : { address: options.address, envConfig: false },
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
