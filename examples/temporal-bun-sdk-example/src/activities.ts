/**
 * The order's side effects, written against @temporalio/activity exactly as for the official SDK.
 * They simulate external services; a real project would call its inventory, payment and carrier
 * APIs here.
 */
import { ApplicationFailure, Context, heartbeat, log } from '@temporalio/activity';
import type { OrderLine } from './shared';

/** The inventory service answers 503 on the first attempt of every reservation: Temporal retries. */
export async function reserveInventory(orderId: string, lines: OrderLine[]): Promise<string> {
  const { attempt } = Context.current().info;
  if (attempt === 1) {
    log.warn('Inventory service unavailable, the activity will be retried', { orderId });
    throw new Error('inventory service answered 503 Service Unavailable');
  }
  if (lines.some((line) => line.quantity <= 0)) {
    throw ApplicationFailure.nonRetryable(`order ${orderId} has a line with no quantity`, 'InvalidOrder');
  }
  return `rsv-${orderId}-${lines.length}`;
}

export async function releaseInventory(reservationId: string): Promise<void> {
  log.info('Inventory released', { reservationId });
}

/** Charging takes a few steps; the activity heartbeats its progress so a crash resumes from it. */
export async function chargePayment(orderId: string, amountCents: number): Promise<string> {
  const context = Context.current();
  const resumeFrom = (context.info.heartbeatDetails as { step: number } | undefined)?.step ?? 0;
  for (let step = resumeFrom; step < 3; step++) {
    await context.sleep(100); // authorise, capture, settle
    heartbeat({ step: step + 1 });
  }
  return `pay-${orderId}-${amountCents}`;
}

export async function createShipment(orderId: string, reservationId: string): Promise<string> {
  return `TRK-${orderId}-${reservationId.length}`;
}

export async function waitForCarrierPickup(trackingNumber: string): Promise<void> {
  log.info('Carrier picked the parcel up', { trackingNumber });
}

export async function sendConfirmation(email: string, orderId: string, trackingNumber: string): Promise<void> {
  log.info('Confirmation sent', { email, orderId, trackingNumber });
}
