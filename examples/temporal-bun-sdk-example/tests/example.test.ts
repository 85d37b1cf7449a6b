/**
 * The example's own test: the order workflow against a real dev server, through the package's
 * testing kit (`temporal-bun-sdk/testing`), worker and client (no @temporalio/worker, no
 * @temporalio/client, no @temporalio/testing). One more test runs an activity alone in
 * `MockActivityEnvironment`, with no server.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ConsoleLogger, type Worker } from 'temporal-bun-sdk';
import { MockActivityEnvironment, TestWorkflowEnvironment } from 'temporal-bun-sdk/testing';
import { chargePayment } from '../src/activities';
import { placeOrder, sampleOrder } from '../src/client';
import { startWorker } from '../src/worker';
import { orderFulfillment, statusQuery } from '../src/workflows';
import { TASK_QUEUE } from '../src/shared';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
  worker = await startWorker({ connection: env.nativeConnection, logger: new ConsoleLogger('ERROR') });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

test('a large order is reserved (after a retry), approved, charged, shipped by a child workflow and confirmed', async () => {
  const lines: string[] = [];
  const result = await placeOrder(env.client, sampleOrder('t-1'), (line) => lines.push(line));
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
  const result = await placeOrder(env.client, order, () => {});
  expect(result.status).toBe('completed');
  expect(result.approvedBy).toBeNull();
});

test('the status query answers while the order waits for approval', async () => {
  const handle = await env.client.workflow.start(orderFulfillment, {
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

test('chargePayment heartbeats each step and resumes from the last heartbeat of a previous attempt', async () => {
  const fresh = new MockActivityEnvironment();
  const steps: unknown[] = [];
  fresh.on('heartbeat', (details) => steps.push(details));
  expect(await fresh.run(chargePayment, 'o-9', 25_00)).toBe('pay-o-9-2500');
  expect(steps).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);

  const retried = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { step: 2 } });
  expect(await retried.run(chargePayment, 'o-9', 25_00)).toBe('pay-o-9-2500');
  expect(retried.heartbeats).toEqual([{ step: 3 }]);
});
