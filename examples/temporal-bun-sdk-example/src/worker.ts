/**
 * The example's worker: polls the order-fulfillment task queue until Ctrl-C.
 *
 *   bun run src/worker.ts            (TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, default localhost:7233)
 */
import { createWorker, type Logger } from 'temporal-bun-sdk';
import * as activities from './activities';
import { TASK_QUEUE } from './shared';

export async function startWorker(options: { address?: string; namespace?: string; logger?: Logger } = {}) {
  return await createWorker({
    connection: { address: options.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' },
    namespace: options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
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
