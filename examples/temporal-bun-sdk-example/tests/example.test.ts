/**
 * The example's own test: the order workflow against a real dev server, through the package's
 * worker and client (no @temporalio/worker, no @temporalio/client).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Client, Connection } from 'temporal-bun-sdk/client';
import { startDevServer, type DevServer } from 'temporal-bun-sdk/dev-server';
import { ConsoleLogger, type Worker } from 'temporal-bun-sdk';
import { placeOrder, sampleOrder } from '../src/client';
import { startWorker } from '../src/worker';
import { orderFulfillment, statusQuery } from '../src/workflows';
import { TASK_QUEUE } from '../src/shared';

let server: DevServer;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  server = await startDevServer();
  worker = await startWorker({
    address: server.address,
    namespace: server.namespace,
    logger: new ConsoleLogger('ERROR'),
  });
  running = worker.run();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: server.namespace });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await server?.stop();
});

test('a large order is reserved (after a retry), approved, charged, shipped by a child workflow and confirmed', async () => {
  const lines: string[] = [];
  const result = await placeOrder(client, sampleOrder('t-1'), (line) => lines.push(line));
  expect(result).toEqual({
    orderId: 't-1',
    status: 'completed',
    totalCents: 148_00,
    approvedBy: 'grace.hopper',
    reservationId: 'rsv-t-1-2',
    paymentId: 'pay-t-1-14800',
    trackingNumber: 'TRK-t-1-9',
  });
  expect(lines).toContain('status: awaiting approval');
});

test('a small order needs no approval', async () => {
  const order = { ...sampleOrder('t-2'), approvalThresholdCents: 1_000_00 };
  const result = await placeOrder(client, order, () => {});
  expect(result.status).toBe('completed');
  expect(result.approvedBy).toBeNull();
});

test('the status query answers while the order waits for approval', async () => {
  const handle = await client.workflow.start(orderFulfillment, {
    taskQueue: TASK_QUEUE,
    workflowId: 'order-t-3',
    args: [sampleOrder('t-3')],
  });
  const deadline = Date.now() + 15_000;
  let status = await handle.query(statusQuery);
  while (status !== 'awaiting approval' && Date.now() < deadline) {
    await Bun.sleep(100);
    status = await handle.query(statusQuery);
  }
  expect(status).toBe('awaiting approval');
  await handle.terminate('test done');
});
