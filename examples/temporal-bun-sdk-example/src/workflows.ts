/**
 * Order fulfilment, written against @temporalio/workflow exactly as for the official SDK.
 *
 * reserve inventory (retried through a flaky service) → wait for a manager's approval when the
 * order is large (signal, with a deadline timer) → charge the card (heartbeating) → ship through a
 * child workflow → send the confirmation. The status can be queried at any time.
 */
import {
  condition,
  defineQuery,
  defineSignal,
  executeChild,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from './activities';
import type { Order, OrderResult, OrderStatus } from './shared';

const { reserveInventory, releaseInventory, chargePayment, sendConfirmation } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 5 },
});

const { createShipment, waitForCarrierPickup } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumAttempts: 3 },
});

export const approveSignal = defineSignal<[approver: string]>('approve');
export const statusQuery = defineQuery<OrderStatus>('status');

/** How long a large order waits for approval before it is cancelled. */
export const APPROVAL_DEADLINE = '1 minute';

export function orderTotalCents(order: Order): number {
  return order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

export async function orderFulfillment(order: Order): Promise<OrderResult> {
  let status: OrderStatus = 'reserving inventory';
  let approvedBy: string | null = null;
  setHandler(statusQuery, () => status);
  setHandler(approveSignal, (approver) => {
    approvedBy = approver;
  });

  const totalCents = orderTotalCents(order);
  const reservationId = await reserveInventory(order.orderId, order.lines);

  if (totalCents > order.approvalThresholdCents) {
    status = 'awaiting approval';
    log.info('Order needs approval', { orderId: order.orderId, totalCents });
    if (!(await condition(() => approvedBy !== null, APPROVAL_DEADLINE))) {
      await releaseInventory(reservationId);
      status = 'cancelled: not approved in time';
      return { orderId: order.orderId, status, totalCents, approvedBy, reservationId };
    }
  }

  status = 'charging payment';
  const paymentId = await chargePayment(order.orderId, totalCents);

  status = 'shipping';
  const trackingNumber = await executeChild(shipOrder, {
    args: [order.orderId, reservationId],
    workflowId: `${workflowInfo().workflowId}-shipment`,
  });

  status = 'confirming';
  await sendConfirmation(order.customerEmail, order.orderId, trackingNumber);
  status = 'completed';
  return { orderId: order.orderId, status, totalCents, approvedBy, reservationId, paymentId, trackingNumber };
}

/** The shipment, as a child workflow: create it, give the carrier a moment, confirm pickup. */
export async function shipOrder(orderId: string, reservationId: string): Promise<string> {
  const trackingNumber = await createShipment(orderId, reservationId);
  await sleep('1 second');
  await waitForCarrierPickup(trackingNumber);
  return trackingNumber;
}
