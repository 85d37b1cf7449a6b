/**
 * MockActivityEnvironment: activities run in a real `@temporalio/activity` Context, with no server.
 */
import { describe, expect, test } from 'bun:test';
import { Context, activityInfo, cancellationSignal, heartbeat, log, sleep } from '@temporalio/activity';
import {
  ActivityCancellationDetails,
  ApplicationFailure,
  CancelledFailure,
  IllegalStateError,
} from '@temporalio/common';
import type { LogLevel, LogMetadata } from '../../src';
import { BaseLogger } from '../../src';
import { MockActivityEnvironment, defaultActivityInfo, mockActivityInfo } from '../../src/testing';

class RecordingLogger extends BaseLogger {
  readonly records: { level: LogLevel; message: string; meta: LogMetadata | undefined }[] = [];
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.records.push({ level, message, meta });
  }
}

async function chargeInSteps(orderId: string, steps: number): Promise<string> {
  for (let step = 1; step <= steps; step++) heartbeat({ orderId, step });
  return `charged ${orderId}`;
}

/** Waits for cancellation (as a long activity would) and reports what the context said. */
async function waitForCancellation(): Promise<never> {
  await Context.current().cancelled;
  throw new Error('cancelled resolved');
}

describe('MockActivityEnvironment', () => {
  test('runs an activity with its arguments and returns its result', async () => {
    const env = new MockActivityEnvironment();
    expect(await env.run(async (a: number, b: number) => a + b, 2, 3)).toBe(5);
  });

  test('heartbeats are emitted as events and recorded, with the details as given', async () => {
    const env = new MockActivityEnvironment();
    const events: unknown[] = [];
    env.on('heartbeat', (details) => events.push(details));
    expect(await env.run(chargeInSteps, 'o-1', 3)).toBe('charged o-1');
    const expected = [
      { orderId: 'o-1', step: 1 },
      { orderId: 'o-1', step: 2 },
      { orderId: 'o-1', step: 3 },
    ];
    expect(events).toEqual(expected);
    expect(env.heartbeats).toEqual(expected);
  });

  test('cancel() rejects Context.cancelled with a CancelledFailure and aborts the cancellation signal', async () => {
    const env = new MockActivityEnvironment();
    let signal: AbortSignal | undefined;
    const running = env.run(async () => {
      signal = cancellationSignal();
      return await waitForCancellation();
    });
    env.cancel();
    const failure = await running.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect((failure as CancelledFailure).message).toBe('CANCELLED');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(failure);
    expect(env.context.cancellationDetails?.cancelRequested).toBe(true);
  });

  test('cancel(reason, details) is what the activity sees; a sleeping activity is woken by it', async () => {
    const env = new MockActivityEnvironment();
    const running = env.run(() => sleep(3_600_000));
    env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true, paused: true }));
    const failure = await running.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect((failure as CancelledFailure).message).toBe('TIMED_OUT');
    expect(env.context.cancellationDetails?.timedOut).toBe(true);
    expect(env.context.cancellationDetails?.paused).toBe(true);
  });

  test('cancel without details gives the details of the reason; only the first cancel counts', async () => {
    const env = new MockActivityEnvironment();
    env.cancel('WORKER_SHUTDOWN');
    env.cancel('PAUSED');
    const failure = await env.run(waitForCancellation).catch((error: unknown) => error);
    expect((failure as CancelledFailure).message).toBe('WORKER_SHUTDOWN');
    expect(env.context.cancellationDetails?.workerShutdown).toBe(true);
    expect(env.context.cancellationDetails?.paused).toBe(false);
  });

  test('info overrides are what Context.current().info reads; the rest is the default info', async () => {
    const env = new MockActivityEnvironment({ attempt: 3, activityType: 'chargeCard', heartbeatDetails: { step: 2 } });
    const info = await env.run(async () => activityInfo());
    expect(info.attempt).toBe(3);
    expect(info.activityType).toBe('chargeCard');
    expect(info.heartbeatDetails).toEqual({ step: 2 });
    expect(info.taskQueue).toBe(defaultActivityInfo.taskQueue);
    expect(info.workflowExecution).toEqual(defaultActivityInfo.workflowExecution);
    expect(env.context.info).toBe(info);
  });

  test('mockActivityInfo derives base64TaskToken from an overridden taskToken', () => {
    const info = mockActivityInfo({ taskToken: new Uint8Array([1, 2, 3]), activityId: 'a-9' });
    expect(info.base64TaskToken).toBe('AQID');
    expect(info.activityId).toBe('a-9');
    expect(info.attempt).toBe(1);
    expect(mockActivityInfo().base64TaskToken).toBe(Buffer.from('test').toString('base64'));
  });

  test('an activity that throws rejects run() with its error', async () => {
    const env = new MockActivityEnvironment();
    const thrown = ApplicationFailure.nonRetryable('card declined', 'CardDeclined');
    const failure = await env
      .run(async () => {
        throw thrown;
      })
      .catch((error: unknown) => error);
    expect(failure).toBe(thrown);
    const syncFailure = await env
      .run(() => {
        throw new TypeError('bad input');
      })
      .catch((error: unknown) => error);
    expect(syncFailure).toBeInstanceOf(TypeError);
    expect((syncFailure as Error).message).toBe('bad input');
  });

  test('the activity logs to the given logger with its attributes, runs through interceptors, and has no client', async () => {
    const logger = new RecordingLogger();
    const calls: string[] = [];
    const env = new MockActivityEnvironment(
      { activityId: 'act-1' },
      {
        logger,
        interceptors: [
          () => ({
            inbound: {
              async execute(input, next) {
                calls.push(`before ${JSON.stringify(input.args)}`);
                const result = await next({ ...input, args: ['intercepted'] });
                calls.push(`after ${String(result)}`);
                return result;
              },
            },
          }),
        ],
      },
    );
    const result = await env.run(async (word: string) => {
      log.info('working', { word });
      return word.toUpperCase();
    }, 'original');
    expect(result).toBe('INTERCEPTED');
    expect(calls).toEqual(['before ["original"]', 'after INTERCEPTED']);
    const record = logger.records.find((entry) => entry.message === 'working');
    expect(record?.level).toBe('INFO');
    expect(record?.meta).toMatchObject({ word: 'intercepted', activityId: 'act-1', sdkComponent: 'activity' });
    expect(() => env.context.client).toThrow(IllegalStateError);
  });
});
