/**
 * The whole example in one command (`make demo` at the repository root): starts a local Temporal
 * dev server with its web UI, runs the worker, places an order with the client, prints the result
 * and where to look, then stops everything it started. Set DEMO_KEEP_RUNNING=1 to keep the server
 * and the worker up (Ctrl-C stops them) to explore the workflow in the web UI.
 */
import { ConsoleLogger } from 'temporal-bun-sdk';
import { startDevServer } from 'temporal-bun-sdk/dev-server';
import { Client, Connection } from 'temporal-bun-sdk/client';
import { placeOrder, sampleOrder } from './client';
import { startWorker } from './worker';

const say = (line: string) => console.log(`[demo] ${line}`);

const server = await startDevServer({ headless: false });
say(`Temporal dev server at ${server.address}, web UI at ${server.uiAddress}`);
let exitCode = 0;
try {
  // Errors only: the demo narrates itself (`bun run src/worker.ts` shows the worker's INFO logs).
  const worker = await startWorker({
    address: server.address,
    namespace: server.namespace,
    logger: new ConsoleLogger('ERROR'),
  });
  const running = worker.run();
  say('worker running on task queue order-fulfillment');

  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection, namespace: server.namespace });
    const order = sampleOrder(`${Date.now()}`);
    const result = await placeOrder(client, order, say);
    say(`workflow result:\n${JSON.stringify(result, null, 2)}`);
    say(`see it in the web UI: ${server.uiAddress}/namespaces/${server.namespace}/workflows/order-${order.orderId}`);
  } finally {
    await connection.close();
  }

  if (process.env.DEMO_KEEP_RUNNING === '1') {
    say('DEMO_KEEP_RUNNING=1: the server and the worker stay up; Ctrl-C stops them');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  worker.shutdown();
  await running;
  say('worker stopped');
} catch (error) {
  exitCode = 1;
  console.error('[demo] failed:', error instanceof Error ? error.message : error);
} finally {
  await server.stop();
  say('dev server stopped');
}
process.exit(exitCode);
