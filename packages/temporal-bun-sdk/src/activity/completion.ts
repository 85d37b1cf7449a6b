/**
 * How an activity's outcome is reported to core: its result encoded, or its error turned into a
 * Temporal failure through the data converter's failure converter (codecs included).
 */
import {
  ApplicationFailure,
  CancelledFailure,
  CompleteAsyncError,
  FAILURE_SOURCE,
  TimeoutFailure,
  ensureApplicationFailure,
  type LoadedDataConverter,
  type ProtoFailure,
  type SerializationContext,
} from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { encodeErrorToFailure, encodeToPayload } from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { isAbortError } from '@temporalio/common/lib/type-helpers';
import type { TypeInfo } from '@temporalio/common';
import type { coresdk } from '@temporalio/proto';
import type { ActivityCancellation } from './cancellation';

export type ActivityExecutionResult = coresdk.activity_result.ActivityExecutionResult.$Properties;

/** How an activity function ended: returned a value, or threw (or rejected with) anything. */
export type ActivityOutcome = { returned: true; value: unknown } | { returned: false; error: unknown };

/** The shape of an outcome's report, for metrics: `completed` includes `willCompleteAsync`. */
export type ActivityResultKind = 'completed' | 'failed' | 'cancelled';

export function resultKind(result: ActivityExecutionResult): ActivityResultKind {
  if (result.failed) return 'failed';
  if (result.cancelled) return 'cancelled';
  return 'completed';
}

export interface ActivityResultEncoder {
  dataConverter: LoadedDataConverter;
  serializationContext: SerializationContext;
  /** From `setActivityOptions(...)`'s `typeInfo.outputType`, if any. */
  outputTypeInfo?: TypeInfo;
}

/**
 * The report for `outcome`:
 * - a value → `completed` (a value the converter cannot encode → `failed`);
 * - `CompleteAsyncError` → `willCompleteAsync` (the task token completes it later);
 * - the cancellation's own `CancelledFailure` (or an `AbortError`) after a cancel → see
 *   {@link cancellationResult};
 * - anything else → `failed`, with `ApplicationFailure` type, details, non-retryable flag,
 *   next-retry delay and category preserved, and non-`Error` values (a string, `undefined`, a
 *   plain object) described in the message.
 */
export async function encodeActivityResult(
  encoder: ActivityResultEncoder,
  outcome: ActivityOutcome,
  cancellation: ActivityCancellation,
): Promise<ActivityExecutionResult> {
  if (outcome.returned) {
    let payload: Payload;
    try {
      payload = await encodeToPayload(
        encoder.dataConverter,
        outcome.value,
        encoder.serializationContext,
        encoder.outputTypeInfo,
      );
    } catch (error) {
      return failed(
        encoder,
        ApplicationFailure.fromError(error, {
          message: `the activity's result could not be encoded by the payload converter: ${errorText(error)}`,
          type: 'ResultEncodingError',
        }),
      );
    }
    if (isEmptyJson(payload)) {
      // JSON.stringify gives nothing for a function, a symbol or a toJSON() that returns
      // undefined; the converter then writes an empty json/plain payload, which no workflow can
      // decode (it would fail every workflow task after this one).
      return failed(
        encoder,
        ApplicationFailure.create({
          message: `the activity returned ${describeUnencodable(outcome.value)}, which has no JSON form: return a value JSON can represent (or undefined)`,
          type: 'ResultEncodingError',
          // The same code returns the same kind of value again: retrying cannot help.
          nonRetryable: true,
        }),
      );
    }
    return { completed: { result: payload } };
  }
  const { error } = outcome;
  if (error instanceof CompleteAsyncError) return { willCompleteAsync: {} };
  if (cancellation.isCancelled && (error instanceof CancelledFailure || isAbortError(error))) {
    return cancellationResult(encoder, cancellation);
  }
  if (cancellation.request?.reason === 'HEARTBEAT_DETAILS_CONVERSION_FAILED') {
    return cancellationResult(encoder, cancellation);
  }
  return failed(encoder, toApplicationFailure(error));
}

const JSON_PLAIN = new TextEncoder().encode('json/plain');

/** A `json/plain` payload with no data: not JSON at all. */
function isEmptyJson(payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }): boolean {
  const encoding = payload.metadata?.['encoding'];
  return (
    encoding !== undefined &&
    encoding.length === JSON_PLAIN.length &&
    encoding.every((byte, index) => byte === JSON_PLAIN[index]) &&
    (payload.data === undefined || payload.data === null || payload.data.length === 0)
  );
}

function describeUnencodable(value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'symbol') return `a symbol (${String(value)})`;
  return `a value whose toJSON() returned nothing`;
}

/**
 * The report of an activity that accepted its cancellation (or was abandoned after it):
 * - cancels core issued for the server (cancel requested, timed out, not found, core's own
 *   shutdown cancel) → `cancelled` with the `CancelledFailure`; core knows what to tell the server;
 * - paused / reset → `failed` (`ActivityPause` / `ActivityReset`), so the server does not record
 *   a cancellation nobody requested;
 * - cancels this worker raised → `failed`, retryable, so the server retries the attempt elsewhere:
 *   worker shutdown (`WorkerShutdown`), the local start-to-close deadline (a `START_TO_CLOSE`
 *   timeout failure), heartbeat details that could not be encoded.
 */
export async function cancellationResult(
  encoder: ActivityResultEncoder,
  cancellation: ActivityCancellation,
): Promise<ActivityExecutionResult> {
  const request = cancellation.request;
  const failure = cancellation.failure ?? new CancelledFailure('CANCELLED');
  if (request?.reason === 'PAUSED') return failed(encoder, new ApplicationFailure('Activity paused', 'ActivityPause'));
  if (request?.reason === 'RESET') return failed(encoder, new ApplicationFailure('Activity reset', 'ActivityReset'));
  if (request?.origin === 'worker') {
    switch (request.reason) {
      case 'TIMED_OUT':
        return failed(encoder, new TimeoutFailure(failure.message, undefined, 'START_TO_CLOSE'));
      case 'WORKER_SHUTDOWN':
        return failed(encoder, ApplicationFailure.retryable(failure.message, 'WorkerShutdown'));
      default:
        return failed(encoder, ApplicationFailure.retryable(failure.message, 'CancelledFailure'));
    }
  }
  let encoded: ProtoFailure;
  try {
    encoded = await encodeErrorToFailure(encoder.dataConverter, failure, encoder.serializationContext);
  } catch {
    encoded = { message: failure.message, source: FAILURE_SOURCE, canceledFailureInfo: {} };
  }
  // Where the activity happened to be when it was cancelled says nothing useful.
  return { cancelled: { failure: { ...encoded, stackTrace: '' } } };
}

/** Any thrown value as an `ApplicationFailure` (other Temporal failures become their type name). */
export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof Error) return ensureApplicationFailure(error);
  const failure = ApplicationFailure.create({
    message: `the activity threw a non-Error value: ${describeThrown(error)}`,
    type: 'NonErrorThrown',
    nonRetryable: false,
  });
  failure.stack = '';
  return failure;
}

async function failed(encoder: ActivityResultEncoder, error: Error): Promise<ActivityExecutionResult> {
  let failure: ProtoFailure;
  try {
    failure = await encodeErrorToFailure(encoder.dataConverter, error, encoder.serializationContext);
  } catch (conversionError) {
    // A failure converter or codec that throws must not lose the report.
    failure = {
      message: `${error.message} (and the failure converter failed: ${errorText(conversionError)})`,
      stackTrace: error.stack ?? '',
      source: FAILURE_SOURCE,
      applicationFailureInfo: { type: 'FailureConversionError', nonRetryable: false },
    };
  }
  return { failed: { failure } };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : describeThrown(error);
}

function describeThrown(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json.length > 500 ? `${json.slice(0, 500)}…` : json;
    } catch {
      // circular or otherwise unserialisable: fall through
    }
    return Object.prototype.toString.call(value);
  }
  return String(value);
}
