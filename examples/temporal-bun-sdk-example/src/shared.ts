/** What the workflow, the worker and the client agree on. */
export const TASK_QUEUE = 'order-fulfillment';

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  orderId: string;
  customerEmail: string;
  lines: OrderLine[];
  /** Orders above this total need a manager's approval (the `approve` signal). */
  approvalThresholdCents: number;
}

export type OrderStatus =
  | 'reserving inventory'
  | 'awaiting approval'
  | 'charging payment'
  | 'shipping'
  | 'confirming'
  | 'completed'
  | 'cancelled: not approved in time';

export interface OrderResult {
  orderId: string;
  status: OrderStatus;
  totalCents: number;
  approvedBy: string | null;
  reservationId?: string;
  paymentId?: string;
  trackingNumber?: string;
}
