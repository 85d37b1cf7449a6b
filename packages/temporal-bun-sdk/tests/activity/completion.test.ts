/**
 * How activity outcomes are reported to core (unit: no server; the integration tests show the
 * reports reaching workflows).
 */
import { describe, expect, test } from 'bun:test';
import {
  ApplicationFailure,
  CancelledFailure,
  CompleteAsyncError,
  defaultDataConverter,
  type FailureConverter,
  type LoadedDataConverter,
} from '@temporalio/common';
import { coresdk, temporal } from '@temporalio/proto';
import { ActivityCancellation, cancelRequestFromCore, workerCancelRequest } from '../../src/activity/cancellation';
import { encodeActivityResult, resultKind, type ActivityResultEncoder } from '../../src/activity/completion';

const encoder: ActivityResultEncoder = {
  dataConverter: defaultDataConverter,
  serializationContext: { type: 'activity', namespace: 'default', activityId: 'a-1', isLocal: false },
};

function cancelledBy(reason: keyof typeof coresdk.activity_task.ActivityCancelReason): ActivityCancellation {
  const cancellation = new ActivityCancellation();
  cancellation.cancel(cancelRequestFromCore({ reason: coresdk.activity_task.ActivityCancelReason[reason] }));
  return cancellation;
}

/** The activity accepted its cancellation: it rethrew the context's CancelledFailure. */
function accepted(cancellation: ActivityCancellation) {
  return encodeActivityResult(encoder, { returned: false, error: cancellation.failure }, cancellation);
}

describe('reporting an activity outcome', () => {
  test('a returned value is reported completed with its encoded result', async () => {
    const result = await encodeActivityResult(
      encoder,
      { returned: true, value: { ok: 1 } },
      new ActivityCancellation(),
    );
    expect(resultKind(result)).toBe('completed');
    expect(new TextDecoder().decode(result.completed!.result!.data!)).toBe('{"ok":1}');
  });

  test('a result the payload converter cannot encode is reported as a failure saying so', async () => {
    const result = await encodeActivityResult(encoder, { returned: true, value: 10n }, new ActivityCancellation());
    expect(result.failed?.failure?.applicationFailureInfo?.type).toBe('ResultEncodingError');
    expect(result.failed?.failure?.message).toContain('could not be encoded');
  });

  test('a function, a symbol or a toJSON() that returns nothing fails the activity (non-retryable) instead of completing it with no JSON', async () => {
    const values: [unknown, string][] = [
      [function makeReport() {}, 'a function (makeReport)'],
      [Symbol('token'), 'a symbol (Symbol(token))'],
      [{ toJSON: () => undefined }, 'a value whose toJSON() returned nothing'],
    ];
    for (const [value, described] of values) {
      const result = await encodeActivityResult(encoder, { returned: true, value }, new ActivityCancellation());
      expect(resultKind(result)).toBe('failed');
      expect(result.failed?.failure?.applicationFailureInfo?.type).toBe('ResultEncodingError');
      expect(result.failed?.failure?.applicationFailureInfo?.nonRetryable).toBe(true);
      expect(result.failed?.failure?.message).toContain(`the activity returned ${described}, which has no JSON form`);
    }
    // undefined and null still complete (binary/null and json "null").
    for (const value of [undefined, null]) {
      expect(
        resultKind(await encodeActivityResult(encoder, { returned: true, value }, new ActivityCancellation())),
      ).toBe('completed');
    }
  });

  test('CompleteAsyncError is reported as willCompleteAsync', async () => {
    const result = await encodeActivityResult(
      encoder,
      { returned: false, error: new CompleteAsyncError() },
      new ActivityCancellation(),
    );
    expect(result.willCompleteAsync).toBeDefined();
    expect(resultKind(result)).toBe('completed');
  });

  test('ApplicationFailure metadata (next retry delay, category) is preserved', async () => {
    const error = ApplicationFailure.create({
      message: 'slow down',
      type: 'RateLimited',
      nextRetryDelay: '3s',
      category: 'BENIGN',
    });
    const failure = (await encodeActivityResult(encoder, { returned: false, error }, new ActivityCancellation()))
      .failed!.failure!;
    expect(failure.applicationFailureInfo?.type).toBe('RateLimited');
    expect(Number(failure.applicationFailureInfo?.nextRetryDelay?.seconds)).toBe(3);
    expect(failure.applicationFailureInfo?.category).toBe(1); // APPLICATION_ERROR_CATEGORY_BENIGN
  });

  test('a cancellation core issued for the server is reported cancelled, without a stack trace', async () => {
    for (const reason of ['CANCELLED', 'TIMED_OUT', 'NOT_FOUND', 'WORKER_SHUTDOWN'] as const) {
      const result = await accepted(cancelledBy(reason));
      expect(resultKind(result)).toBe('cancelled');
      expect(result.cancelled!.failure!.canceledFailureInfo).toBeDefined();
      expect(result.cancelled!.failure!.message).toBe(reason);
      expect(result.cancelled!.failure!.stackTrace).toBe('');
    }
  });

  test('a paused or reset activity is reported failed (ActivityPause / ActivityReset), not cancelled', async () => {
    expect((await accepted(cancelledBy('PAUSED'))).failed?.failure?.applicationFailureInfo?.type).toBe('ActivityPause');
    expect((await accepted(cancelledBy('RESET'))).failed?.failure?.applicationFailureInfo?.type).toBe('ActivityReset');
  });

  test('a cancellation this worker raised is reported as a retryable failure the server can retry', async () => {
    const shutdown = new ActivityCancellation();
    shutdown.cancel(workerCancelRequest('WORKER_SHUTDOWN', 'worker shutdown'));
    const shutdownFailure = (await accepted(shutdown)).failed!.failure!;
    expect(shutdownFailure.message).toBe('worker shutdown');
    expect(shutdownFailure.applicationFailureInfo).toMatchObject({ type: 'WorkerShutdown', nonRetryable: false });

    const deadline = new ActivityCancellation();
    deadline.cancel(workerCancelRequest('TIMED_OUT', 'deadline passed'));
    const deadlineFailure = (await accepted(deadline)).failed!.failure!;
    expect(deadlineFailure.timeoutFailureInfo?.timeoutType).toBe(
      temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
    );
  });

  test('a different error thrown after cancellation is reported as that failure', async () => {
    const cancellation = cancelledBy('CANCELLED');
    const result = await encodeActivityResult(
      encoder,
      { returned: false, error: new TypeError('cleanup failed') },
      cancellation,
    );
    expect(result.failed?.failure?.message).toBe('cleanup failed');
    expect(result.failed?.failure?.applicationFailureInfo?.type).toBe('TypeError');
  });

  test('a CancelledFailure thrown without a cancellation is an ordinary failure', async () => {
    const result = await encodeActivityResult(
      encoder,
      { returned: false, error: new CancelledFailure('not ours') },
      new ActivityCancellation(),
    );
    expect(resultKind(result)).toBe('failed');
  });

  test('a failure converter that throws still yields a failure report', async () => {
    const broken: FailureConverter = {
      errorToFailure: () => {
        throw new Error('converter bug');
      },
      failureToError: () => new Error('unused'),
    };
    const dataConverter: LoadedDataConverter = { ...defaultDataConverter, failureConverter: broken };
    const result = await encodeActivityResult(
      { ...encoder, dataConverter },
      { returned: false, error: new Error('original') },
      new ActivityCancellation(),
    );
    expect(result.failed?.failure?.message).toContain('original');
    expect(result.failed?.failure?.message).toContain('converter bug');
  });

  test('cancel is idempotent: the first reason wins', () => {
    const cancellation = new ActivityCancellation();
    expect(
      cancellation.cancel(cancelRequestFromCore({ reason: coresdk.activity_task.ActivityCancelReason.CANCELLED })),
    ).toBe(true);
    expect(cancellation.cancel(workerCancelRequest('WORKER_SHUTDOWN', 'worker shutdown'))).toBe(false);
    expect(cancellation.request?.reason).toBe('CANCELLED');
    expect(cancellation.detailsHolder.details?.cancelRequested).toBe(true);
    expect(cancellation.signal.reason).toBeInstanceOf(CancelledFailure);
  });
});
