/**
 * Cancellation of one activity execution: the pieces its `Context` exposes (`cancelled`,
 * `cancellationSignal`, `cancellationDetails`) and where the cancellation came from.
 *
 * Created before the activity's input is decoded, so a cancel that arrives meanwhile is not lost.
 */
import type { coresdk } from '@temporalio/proto';
import { protos } from '../common/worker-protos';
import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import type { ActivityCancellationDetailsHolder } from '@temporalio/common/lib/activity-cancellation-details';

/**
 * Why an activity was cancelled. The first six are core's `ActivityCancelReason`s, named as
 * the official SDK names them in `CancelledFailure.message`; the last is raised by this worker.
 */
export type ActivityCancelReason =
  | 'NOT_FOUND'
  | 'CANCELLED'
  | 'TIMED_OUT'
  | 'WORKER_SHUTDOWN'
  | 'PAUSED'
  | 'RESET'
  | 'HEARTBEAT_DETAILS_CONVERSION_FAILED';

/**
 * Who decided the cancellation: `core` (the server, core's own timeout tracking, or core's graceful
 * shutdown period — core knows and reports accordingly) or `worker` (this process: the local
 * start-to-close deadline, `cancelAll`, a heartbeat that could not be encoded — the server does not
 * know, so the task is reported as a failure it can retry).
 */
export type ActivityCancelOrigin = 'core' | 'worker';

export interface ActivityCancelRequest {
  reason: ActivityCancelReason;
  origin: ActivityCancelOrigin;
  /** `CancelledFailure.message`; defaults to `reason`. */
  message?: string;
  details: ActivityCancellationDetails;
}

let coreReasonNames: Record<number, ActivityCancelReason> | undefined;

/** Core's cancel reasons by number (the protobuf enum is built on first use). */
function coreReasonName(reason: number): ActivityCancelReason | undefined {
  const Reason = protos.coresdk.activity_task.ActivityCancelReason;
  coreReasonNames ??= {
    [Reason.NOT_FOUND]: 'NOT_FOUND',
    [Reason.CANCELLED]: 'CANCELLED',
    [Reason.TIMED_OUT]: 'TIMED_OUT',
    [Reason.WORKER_SHUTDOWN]: 'WORKER_SHUTDOWN',
    [Reason.PAUSED]: 'PAUSED',
    [Reason.RESET]: 'RESET',
  };
  return coreReasonNames[reason];
}

/** The cancel request of a `Cancel` task from core. */
export function cancelRequestFromCore(cancel: coresdk.activity_task.ICancel): ActivityCancelRequest {
  const reason = coreReasonName(cancel.reason ?? 0) ?? 'CANCELLED';
  const details = cancel.details
    ? ActivityCancellationDetails.fromProto(cancel.details)
    : new ActivityCancellationDetails(detailsForReason(reason));
  return { reason, origin: 'core', details };
}

function detailsForReason(reason: ActivityCancelReason): ConstructorParameters<typeof ActivityCancellationDetails>[0] {
  switch (reason) {
    case 'NOT_FOUND':
      return { notFound: true };
    case 'CANCELLED':
      return { cancelRequested: true };
    case 'TIMED_OUT':
      return { timedOut: true };
    case 'WORKER_SHUTDOWN':
      return { workerShutdown: true };
    case 'PAUSED':
      return { paused: true };
    case 'RESET':
      return { reset: true };
    case 'HEARTBEAT_DETAILS_CONVERSION_FAILED':
      return {};
  }
}

/** A cancel request raised by this worker (not by core). */
export function workerCancelRequest(reason: ActivityCancelReason, message?: string): ActivityCancelRequest {
  return { reason, origin: 'worker', message, details: new ActivityCancellationDetails(detailsForReason(reason)) };
}

/**
 * The cancellation state of one activity execution. `cancel` is idempotent: the first request wins
 * (its reason is what the activity sees and what decides how the task is reported).
 */
export class ActivityCancellation {
  readonly #controller = new AbortController();
  readonly #holder: ActivityCancellationDetailsHolder = {};
  #request: ActivityCancelRequest | undefined;
  #failure: CancelledFailure | undefined;
  #reject!: (failure: CancelledFailure) => void;
  /** Rejects with the `CancelledFailure` once cancelled; never resolves. */
  readonly cancelled: Promise<never>;

  constructor() {
    this.cancelled = new Promise<never>((_resolve, reject) => {
      this.#reject = reject;
    });
    // Activities that never await it must not produce an unhandled rejection.
    this.cancelled.catch(() => {});
  }

  /** Aborted with the `CancelledFailure` as its `reason`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** What `Context.cancellationDetails` reads (set once, on the first cancel). */
  get detailsHolder(): ActivityCancellationDetailsHolder {
    return this.#holder;
  }

  get request(): ActivityCancelRequest | undefined {
    return this.#request;
  }

  /** The failure the activity was cancelled with, once cancelled. */
  get failure(): CancelledFailure | undefined {
    return this.#failure;
  }

  get isCancelled(): boolean {
    return this.#request !== undefined;
  }

  /** Cancels the activity; returns false (and changes nothing) if it was already cancelled. */
  cancel(request: ActivityCancelRequest): boolean {
    if (this.#request) return false;
    this.#request = request;
    this.#holder.details = request.details;
    const failure = new CancelledFailure(request.message ?? request.reason);
    this.#failure = failure;
    this.#controller.abort(failure);
    this.#reject(failure);
    return true;
  }
}
