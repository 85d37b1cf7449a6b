/**
 * The example's client: places an order, watches its status, approves it, and prints the result.
 *
 *   bun run src/client.ts            (TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE or a temporal.toml profile,
 *                                    default localhost:7233)
 */
import { Client, Connection } from 'temporal-bun-sdk/client';
import type { Order, OrderResult, OrderStatus } from './shared';
import { TASK_QUEUE } from './shared';
import { approveSignal, orderFulfillment, statusQuery } from './workflows';

export const sampleOrder = (orderId: string): Order => ({
  orderId,
  customerEmail: 'ada@example.com',
  lines: [
    { sku: 'KEYBOARD-65', quantity: 1, unitPriceCents: 129_00 },
    { sku: 'USB-C-CABLE', quantity: 2, unitPriceCents: 9_50 },
  ],
  approvalThresholdCents: 100_00,
});

/** Runs one order through the workflow, approving it once it waits for approval. */
export async function placeOrder(
  client: Client,
  order: Order,
  log: (line: string) => void = console.log,
): Promise<OrderResult> {
  const handle = await client.workflow.start(orderFulfillment, {
    taskQueue: TASK_QUEUE,
    workflowId: `order-${order.orderId}`,
    args: [order],
  });
  log(`started workflow ${handle.workflowId}`);

  let status: OrderStatus = await handle.query(statusQuery);
  const deadline = Date.now() + 30_000;
  while (status !== 'awaiting approval' && status !== 'completed' && Date.now() < deadline) {
    await Bun.sleep(100);
    status = await handle.query(statusQuery);
  }
  log(`status: ${status}`);
  if (status === 'awaiting approval') {
    await handle.signal(approveSignal, 'grace.hopper');
    log('approved by grace.hopper');
  }
  return await handle.result();
}

if (import.meta.main) {
  const connection = await Connection.connect();
  try {
    const client = new Client({ connection });
    const result = await placeOrder(client, sampleOrder(`${Date.now()}`));
    console.log('result:', JSON.stringify(result, null, 2));
  } finally {
    await connection.close();
  }
}
