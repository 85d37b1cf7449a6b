/**
 * The ActivityTaskLoop against a real dev server: activities scheduled by hand-driven workflows run
 * with an @temporalio/activity Context, and what they return, throw, heartbeat or ignore reaches
 * the workflow as Temporal would report it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Context, activityInfo, cancellationDetails, heartbeat, log, sleep } from '@temporalio/activity';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  CompleteAsyncError,
  TimeoutFailure,
  defaultPayloadConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ActivityInterceptorsFactory } from '../../src/activity';
import {
  ActivityWorker,
  WorkflowScripts,
  deferred,
  eventually,
  startEnvironment,
  type ActivityWorkerOptions,
  type TestEnvironment,
} from './helpers/activity-harness';

setDefaultTimeout(30_000);

let environment: TestEnvironment;
const workers: ActivityWorker[] = [];

beforeAll(async () => {
  environment = await startEnvironment();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});

afterAll(async () => {
  await environment?.stop();
});

function startWorker(options: ActivityWorkerOptions): ActivityWorker {
  const worker = new ActivityWorker(environment, options);
  workers.push(worker);
  return worker;
}

/** A codec that XORs the whole encoded payload, so a payload only decodes if the codec ran. */
const xorCodec: PayloadCodec = {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: { encoding: new TextEncoder().encode('binary/xor-test') },
      data: xor(temporal.api.common.v1.Payload.encode(payload).finish()),
    }));
  },
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => temporal.api.common.v1.Payload.decode(xor(payload.data ?? new Uint8Array())));
  },
};

function xor(bytes: Uint8Array): Uint8Array {
  return bytes.map((byte) => byte ^ 0x5a);
}

describe('results and arguments', () => {
  test("the activity's arguments are decoded and its result is returned to the workflow", async () => {
    let seenInfo: ReturnType<typeof activityInfo> | undefined;
    const worker = startWorker({
      activities: {
        async greet(name: string, options: { punctuation: string }) {
          seenInfo = activityInfo();
          return `Hello, ${name}${options.punctuation}`;
        },
      },
    });
    const run = await worker.start({
      activityType: 'greet',
      args: ['Bun', { punctuation: '!' }],
      heartbeatTimeoutMs: 5_000,
    });
    const resolution = await run.resolution;
    expect(await worker.resultOf(resolution)).toBe('Hello, Bun!');

    // The context's info describes the task.
    expect(seenInfo).toBeDefined();
    const info = seenInfo!;
    expect(info.activityType).toBe('greet');
    expect(info.activityId).toBe('activity-1');
    expect(info.attempt).toBe(1);
    expect(info.isLocal).toBe(false);
    expect(info.taskQueue).toBe(worker.taskQueue);
    expect(info.namespace).toBe(environment.server.namespace);
    expect(info.activityNamespace).toBe(environment.server.namespace);
    expect(info.workflowNamespace).toBe(environment.server.namespace);
    expect(info.workflowExecution).toEqual({ workflowId: run.workflowId, runId: run.runId });
    expect(info.workflowType).toBe('activityRunner');
    expect(info.inWorkflow).toBe(true);
    expect(info.heartbeatTimeoutMs).toBe(5_000);
    expect(info.startToCloseTimeoutMs).toBe(10_000);
    expect(info.scheduledTimestampMs).toBeGreaterThan(Date.now() - 60_000);
    expect(info.currentAttemptScheduledTimestampMs).toBeGreaterThanOrEqual(info.scheduledTimestampMs);
    expect((info as { startedTimestampMs?: number }).startedTimestampMs).toBeGreaterThanOrEqual(
      info.scheduledTimestampMs,
    );
    expect(info.retryPolicy?.maximumAttempts).toBe(1);
    expect(info.heartbeatDetails).toBeUndefined();
    expect(info.base64TaskToken).toBe(Buffer.from(info.taskToken).toString('base64'));

    // Metrics: a poll wait, then the task started and completed.
    const taskEvents = worker.events.filter((event) => event.type === 'activityTask');
    expect(taskEvents.map((event) => event.type === 'activityTask' && event.phase)).toEqual(['started', 'completed']);
    expect(taskEvents[1]).toMatchObject({ activityType: 'greet', local: false });
    expect((taskEvents[1] as { durationMs?: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect(worker.events.some((event) => event.type === 'pollWait' && event.taskKind === 'activity')).toBe(true);
  });

  test('arguments and results pass through the payload codecs', async () => {
    const worker = startWorker({
      payloadCodecs: [xorCodec],
      activities: {
        async double(values: number[]) {
          return values.map((value) => value * 2);
        },
      },
    });
    const resolution = await (await worker.start({ activityType: 'double', args: [[1, 2, 3]] })).resolution;
    // The raw result is codec-encoded…
    expect(new TextDecoder().decode(resolution.completed!.result!.metadata!.encoding!)).toBe('binary/xor-test');
    // …and decodes to the activity's value.
    expect(await worker.resultOf(resolution)).toEqual([2, 4, 6]);
  });
});

describe('failures', () => {
  test('an ApplicationFailure keeps its type, message, details and non-retryable flag', async () => {
    const worker = startWorker({
      activities: {
        async charge() {
          throw ApplicationFailure.create({
            message: 'card declined',
            type: 'CardDeclined',
            nonRetryable: true,
            details: [{ code: 51 }, 'insufficient funds'],
          });
        },
      },
    });
    const resolution = await (await worker.start({ activityType: 'charge', retry: { maximumAttempts: 5 } })).resolution;
    const failure = resolution.failed!.failure!;
    // The server wraps the activity's failure in an ActivityFailure; the cause is what we reported.
    expect(failure.activityFailureInfo?.activityType?.name).toBe('charge');
    expect(failure.cause?.applicationFailureInfo?.type).toBe('CardDeclined');
    expect(failure.cause?.applicationFailureInfo?.nonRetryable).toBe(true);
    expect(failure.cause?.message).toBe('card declined');
    expect(failure.cause?.stackTrace).toContain('charge');

    const error = worker.failureOf(resolution);
    expect(error).toBeInstanceOf(ActivityFailure);
    const cause = error.cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.details).toEqual([{ code: 51 }, 'insufficient funds']);
    // Non-retryable: one attempt although five were allowed.
    expect(worker.events.filter((event) => event.type === 'activityTask' && event.phase === 'failed')).toHaveLength(1);
  });

  test('a plain Error becomes a retryable ApplicationFailure named after its class, with its stack', async () => {
    class InventoryError extends Error {}
    const worker = startWorker({
      activities: {
        async reserve() {
          throw new InventoryError('out of stock');
        },
      },
    });
    const failure = (await (await worker.start({ activityType: 'reserve' })).resolution).failed!.failure!.cause!;
    expect(failure.message).toBe('out of stock');
    expect(failure.applicationFailureInfo?.type).toBe('InventoryError');
    expect(failure.applicationFailureInfo?.nonRetryable).toBe(false);
    expect(failure.stackTrace).toContain('reserve');
  });

  test('a first attempt that fails is retried, and the retry sees attempt 2', async () => {
    const attempts: number[] = [];
    const worker = startWorker({
      activities: {
        async flaky() {
          const { attempt } = activityInfo();
          attempts.push(attempt);
          if (attempt === 1) throw new Error('first attempt fails');
          return `succeeded on attempt ${attempt}`;
        },
      },
    });
    const resolution = await (
      await worker.start({ activityType: 'flaky', retry: { maximumAttempts: 3, initialIntervalMs: 100 } })
    ).resolution;
    expect(await worker.resultOf(resolution)).toBe('succeeded on attempt 2');
    expect(attempts).toEqual([1, 2]);
  });

  test('heartbeat details recorded by a failed attempt are visible to the retry in info.heartbeatDetails', async () => {
    const seen: unknown[] = [];
    const worker = startWorker({
      activities: {
        async resumable() {
          const { attempt, heartbeatDetails } = activityInfo();
          seen.push(heartbeatDetails);
          if (attempt === 1) {
            heartbeat({ processed: 40 });
            throw new Error('crashed after checkpointing');
          }
          return heartbeatDetails;
        },
      },
    });
    const resolution = await (
      await worker.start({
        activityType: 'resumable',
        heartbeatTimeoutMs: 5_000,
        retry: { maximumAttempts: 2, initialIntervalMs: 100 },
      })
    ).resolution;
    expect(seen).toEqual([undefined, { processed: 40 }]);
    expect(await worker.resultOf(resolution)).toEqual({ processed: 40 });
  });

  test('arguments the data converter cannot decode fail the attempt with a message naming the activity', async () => {
    let called = false;
    const worker = startWorker({
      activities: {
        async picky() {
          called = true;
        },
      },
    });
    const undecodable = {
      metadata: { encoding: new TextEncoder().encode('binary/unknown') },
      data: new Uint8Array([1]),
    };
    const failure = (await (await worker.start({ activityType: 'picky', rawArguments: [undecodable] })).resolution)
      .failed!.failure!.cause!;
    expect(failure.message).toContain('the input of activity picky could not be decoded');
    expect(failure.message).toContain('binary/unknown');
    expect(called).toBe(false);
  });

  test('an unknown activity type fails with NotFoundError listing the registered activities', async () => {
    const worker = startWorker({ activities: { async alpha() {}, async beta() {} } });
    const failure = (await (await worker.start({ activityType: 'gamma' })).resolution).failed!.failure!.cause!;
    expect(failure.applicationFailureInfo?.type).toBe('NotFoundError');
    expect(failure.message).toContain('gamma');
    expect(failure.message).toContain('["alpha","beta"]');
  });

  test('an activity that throws a string, undefined or a plain object fails with a described failure, and the worker keeps running', async () => {
    const worker = startWorker({
      activities: {
        async throwsString() {
          throw 'plain string';
        },
        async throwsUndefined() {
          throw undefined;
        },
        async throwsObject() {
          throw { code: 42 };
        },
        async works() {
          return 'still running';
        },
      },
    });
    const [stringRun, undefinedRun, objectRun] = await Promise.all([
      worker.start({ activityType: 'throwsString' }),
      worker.start({ activityType: 'throwsUndefined' }),
      worker.start({ activityType: 'throwsObject' }),
    ]);
    const causeOf = async (run: typeof stringRun) => (await run.resolution).failed!.failure!.cause!;
    const stringFailure = await causeOf(stringRun);
    expect(stringFailure.message).toContain('"plain string"');
    expect(stringFailure.applicationFailureInfo?.type).toBe('NonErrorThrown');
    expect((await causeOf(undefinedRun)).message).toContain('undefined');
    expect((await causeOf(objectRun)).message).toContain('{"code":42}');

    const after = await (await worker.start({ activityType: 'works' })).resolution;
    expect(await worker.resultOf(after)).toBe('still running');
  });

  test('CompleteAsyncError leaves the task open until RespondActivityTaskCompleted is called with its task token', async () => {
    const tokens = deferred<Uint8Array>();
    const worker = startWorker({
      activities: {
        async approve() {
          tokens.resolve(activityInfo().taskToken);
          throw new CompleteAsyncError();
        },
      },
    });
    const run = await worker.start({ activityType: 'approve', startToCloseMs: 20_000 });
    const taskToken = await tokens.promise;
    await eventually(() => worker.loop.inFlight === 0, 5_000, 'the task leaving the loop');
    let resolved = false;
    void run.resolution.then(() => (resolved = true));
    await Bun.sleep(300);
    expect(resolved).toBe(false);

    await environment.client.workflowService('RespondActivityTaskCompleted', {
      namespace: environment.server.namespace,
      taskToken,
      result: { payloads: [defaultPayloadConverter.toPayload('approved later')] },
      identity: 'async-completer',
    });
    expect(await worker.resultOf(await run.resolution)).toBe('approved later');
  });
});

describe('cancellation', () => {
  test('an activity that misses its heartbeat timeout is cancelled with TIMED_OUT and its cancelled promise rejects', async () => {
    const cancelled = deferred<{ error: unknown; timedOut: boolean | undefined }>();
    const worker = startWorker({
      activities: {
        async silent() {
          try {
            await Context.current().cancelled;
          } catch (error) {
            cancelled.resolve({ error, timedOut: cancellationDetails()?.timedOut });
            throw error;
          }
        },
      },
    });
    const started = performance.now();
    const run = await worker.start({ activityType: 'silent', heartbeatTimeoutMs: 1_000, startToCloseMs: 20_000 });
    const { error, timedOut } = await cancelled.promise;
    console.log(`heartbeat-timeout cancel reached the activity after ${(performance.now() - started).toFixed(0)} ms`);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect((error as CancelledFailure).message).toBe('TIMED_OUT');
    expect(timedOut).toBe(true);
    // The server timed the attempt out on its heartbeat.
    const cause = worker.failureOf(await run.resolution).cause;
    expect(cause).toBeInstanceOf(TimeoutFailure);
    expect((cause as TimeoutFailure).timeoutType).toBe('HEARTBEAT');
  });

  test('an activity still running at its start-to-close deadline is cancelled locally, and its task completes even if it ignores the cancellation', async () => {
    let keepLooping = true;
    const cancelledAt = deferred<{ elapsedMs: number; reason: unknown; timedOut: boolean | undefined }>();
    const worker = startWorker({
      loop: { abandonAfterCancelMs: 300 },
      activities: {
        async stuck() {
          const started = performance.now();
          const { cancellationSignal } = Context.current();
          cancellationSignal.addEventListener('abort', () =>
            cancelledAt.resolve({
              elapsedMs: performance.now() - started,
              reason: cancellationSignal.reason,
              timedOut: cancellationDetails()?.timedOut,
            }),
          );
          // Ignores cancellation entirely.
          while (keepLooping) await Bun.sleep(50);
          return 'too late';
        },
      },
    });
    try {
      const run = await worker.start({ activityType: 'stuck', startToCloseMs: 1_000 });
      const { elapsedMs, reason, timedOut } = await cancelledAt.promise;
      expect(elapsedMs).toBeGreaterThanOrEqual(1_000);
      // Locally (core's own timer for the same deadline fires seconds later): the worker's message.
      expect(reason).toBeInstanceOf(CancelledFailure);
      expect((reason as CancelledFailure).message).toContain('start-to-close timeout of 1000 ms');
      expect(timedOut).toBe(true);
      // The task is completed without the activity (which is still looping).
      await eventually(() => worker.loop.inFlight === 0, 30_000, 'the stuck task being completed');
      expect(worker.logs.some((record) => record.message.includes('ignored its cancellation'))).toBe(true);
      const cause = worker.failureOf(await run.resolution).cause;
      expect(cause).toBeInstanceOf(TimeoutFailure);
      expect((cause as TimeoutFailure).timeoutType).toBe('START_TO_CLOSE');
    } finally {
      keepLooping = false;
    }
  });

  for (const cancellationType of ['TRY_CANCEL', 'WAIT_CANCELLATION_COMPLETED'] as const) {
    test(`a cancellation requested by the workflow (${cancellationType}) reaches a heartbeating activity`, async () => {
      const running = deferred();
      const seen = deferred<{ error: unknown; cancelRequested: boolean | undefined }>();
      const worker = startWorker({
        activities: {
          async heartbeating() {
            running.resolve();
            try {
              for (;;) {
                heartbeat();
                await sleep(50);
              }
            } catch (error) {
              seen.resolve({ error, cancelRequested: cancellationDetails()?.cancelRequested });
              throw error;
            }
          },
        },
      });
      const run = await worker.start({
        activityType: 'heartbeating',
        heartbeatTimeoutMs: 5_000,
        cancellationType,
        completeOn: 'finishSignal',
      });
      await running.promise;
      await run.requestCancel();
      const { error, cancelRequested } = await seen.promise;
      expect(error).toBeInstanceOf(CancelledFailure);
      expect((error as CancelledFailure).message).toBe('CANCELLED');
      expect(cancelRequested).toBe(true);

      const resolution = await run.resolution;
      expect(resolution.cancelled).toBeDefined();
      await eventually(() => worker.loop.inFlight === 0, 5_000, 'the cancelled task being completed');
      await run.finish();
      expect(worker.events.some((event) => event.type === 'activityTask' && event.phase === 'cancelled')).toBe(true);
    });
  }

  test('heartbeat details the data converter cannot encode cancel the activity, and the attempt fails retryably', async () => {
    const seen = deferred<unknown>();
    const worker = startWorker({
      activities: {
        async unencodable() {
          heartbeat({ big: 10n }); // JSON cannot encode a BigInt
          try {
            await Context.current().cancelled;
          } catch (error) {
            seen.resolve(error);
            throw error;
          }
        },
      },
    });
    const run = await worker.start({ activityType: 'unencodable', heartbeatTimeoutMs: 5_000 });
    const error = await seen.promise;
    expect(error).toBeInstanceOf(CancelledFailure);
    expect((error as CancelledFailure).message).toBe('HEARTBEAT_DETAILS_CONVERSION_FAILED');
    const cause = (await run.resolution).failed!.failure!.cause!;
    expect(cause.applicationFailureInfo?.nonRetryable).toBe(false);
    expect(cause.message).toBe('HEARTBEAT_DETAILS_CONVERSION_FAILED');
    expect(worker.logs.some((record) => record.message.includes('Failed to encode heartbeat details'))).toBe(true);
  });

  test('cancelAll cancels every running activity with reason "worker shutdown", and the server retries them on another worker', async () => {
    const scripts = new WorkflowScripts();
    const taskQueue = `activity-shutdown-${crypto.randomUUID()}`;
    const bothRunning = { count: 0, all: deferred() };
    const firstReasons: Array<{ message: string; workerShutdown: boolean | undefined }> = [];
    // No workflow cache: the second worker replays the workflows instead of waiting out the first one's sticky queue.
    const first = startWorker({
      taskQueue,
      scripts,
      native: { maxCachedWorkflows: 0 },
      activities: {
        async longRunning() {
          if (++bothRunning.count === 2) bothRunning.all.resolve();
          try {
            return await Context.current().cancelled;
          } catch (error) {
            firstReasons.push({
              message: (error as Error).message,
              workerShutdown: cancellationDetails()?.workerShutdown,
            });
            throw error;
          }
        },
      },
    });
    const runs = await Promise.all(
      [1, 2].map(() =>
        first.start({ activityType: 'longRunning', retry: { maximumAttempts: 2, initialIntervalMs: 100 } }),
      ),
    );
    await bothRunning.all.promise;
    expect(first.loop.inFlight).toBe(2);

    // As the shutdown controller does: stop polling, then (grace expired) cancel what still runs.
    first.native.initiateShutdown();
    first.loop.cancelAll('worker shutdown');
    await eventually(() => first.loop.inFlight === 0, 5_000, 'both cancelled tasks being completed');
    expect(firstReasons).toEqual([
      { message: 'worker shutdown', workerShutdown: true },
      { message: 'worker shutdown', workerShutdown: true },
    ]);
    await first.stop();

    // Reported as retryable failures, the activities run again on the next worker.
    const second = startWorker({
      taskQueue,
      scripts,
      native: { maxCachedWorkflows: 0 },
      activities: {
        async longRunning() {
          return `attempt ${activityInfo().attempt} finished`;
        },
      },
    });
    for (const run of runs) expect(await second.resultOf(await run.resolution)).toBe('attempt 2 finished');
  });
});

describe('local activities', () => {
  test("a local activity runs through core's local-activity protocol and resolves the workflow", async () => {
    let seenLocal: boolean | undefined;
    const worker = startWorker({
      activities: {
        async add(a: number, b: number) {
          seenLocal = activityInfo().isLocal;
          heartbeat('ignored for local activities');
          return a + b;
        },
      },
    });
    const resolution = await (await worker.start({ activityType: 'add', args: [2, 3], local: true })).resolution;
    expect(await worker.resultOf(resolution)).toBe(5);
    expect(seenLocal).toBe(true);
    expect(worker.events.find((event) => event.type === 'activityTask' && event.phase === 'completed')).toMatchObject({
      local: true,
      activityType: 'add',
    });
  });

  test('a local activity failure reaches the workflow with its type', async () => {
    const worker = startWorker({
      activities: {
        async validate() {
          throw ApplicationFailure.nonRetryable('bad input', 'ValidationError');
        },
      },
    });
    const resolution = await (
      await worker.start({ activityType: 'validate', local: true, retry: { maximumAttempts: 3 } })
    ).resolution;
    // Core hands a local activity's failure to the workflow as reported (the workflow SDK wraps it).
    const failure = worker.failureOf(resolution) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('ValidationError');
    expect(failure.message).toBe('bad input');
    expect(failure.nonRetryable).toBe(true);
    expect(worker.events.filter((event) => event.type === 'activityTask' && event.phase === 'failed')).toHaveLength(1);
  });

  test('a cancellation requested by the workflow reaches a local activity', async () => {
    const running = deferred();
    const seen = deferred<{ error: unknown; cancelRequested: boolean | undefined }>();
    const worker = startWorker({
      activities: {
        async waitsForCancel() {
          running.resolve();
          try {
            await Context.current().cancelled;
          } catch (error) {
            seen.resolve({ error, cancelRequested: cancellationDetails()?.cancelRequested });
            throw error;
          }
        },
      },
    });
    const run = await worker.start({
      activityType: 'waitsForCancel',
      local: true,
      cancellationType: 'WAIT_CANCELLATION_COMPLETED',
      startToCloseMs: 20_000,
      // The signal is delivered when core ends the workflow task it keeps open for the local activity.
      workflowTaskTimeoutMs: 2_000,
    });
    await running.promise;
    await run.requestCancel();
    const { error, cancelRequested } = await seen.promise;
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(cancelRequested).toBe(true);
    expect((await run.resolution).cancelled).toBeDefined();
  });
});

describe('shutdown', () => {
  test('run() resolves only after the worker shut down and the activity in flight completed its task', async () => {
    const started = deferred();
    const release = deferred();
    const worker = startWorker({
      activities: {
        async finishing() {
          started.resolve();
          await release.promise;
          return 'finished during shutdown';
        },
      },
    });
    const run = await worker.start({ activityType: 'finishing' });
    await started.promise;

    worker.native.initiateShutdown();
    let loopDone = false;
    void worker.loopDone.then(() => (loopDone = true));
    await Bun.sleep(300);
    expect(loopDone).toBe(false);
    expect(worker.loop.inFlight).toBe(1);

    release.resolve();
    await worker.loopDone;
    expect(worker.loop.inFlight).toBe(0);
    // The result reached the server (no workflow poller is left to resolve it in the workflow).
    const { history } = await environment.client.workflowService('GetWorkflowExecutionHistory', {
      namespace: environment.server.namespace,
      execution: { workflowId: run.workflowId, runId: run.runId },
    });
    const completed = history?.events?.find((event) => event.activityTaskCompletedEventAttributes);
    const result = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
    expect(result && defaultPayloadConverter.fromPayload(result)).toBe('finished during shutdown');
  });
});

describe('interceptors and logging', () => {
  test('an inbound interceptor sees the decoded input and can wrap the result; outbound attributes reach the logs', async () => {
    const seenInputs: unknown[][] = [];
    const interceptor: ActivityInterceptorsFactory = (context) => ({
      inbound: {
        async execute(input, next) {
          seenInputs.push(input.args);
          expect(context.info.activityType).toBe('shout');
          const result = await next({ ...input, args: [String(input.args[0]).toUpperCase()] });
          return { wrapped: result };
        },
      },
      outbound: {
        getLogAttributes: (attributes, next) => next({ ...attributes, tenant: 'acme' }),
      },
    });
    const worker = startWorker({
      loop: { interceptors: [interceptor] },
      activities: {
        async shout(text: string) {
          log.info('shouting', { length: text.length });
          return `${text}!`;
        },
      },
    });
    const resolution = await (await worker.start({ activityType: 'shout', args: ['hello'] })).resolution;
    expect(seenInputs).toEqual([['hello']]);
    expect(await worker.resultOf(resolution)).toEqual({ wrapped: 'HELLO!' });

    const record = worker.logs.find((entry) => entry.message === 'shouting');
    expect(record).toBeDefined();
    expect(record!.meta).toMatchObject({
      length: 5,
      tenant: 'acme',
      sdkComponent: 'activity',
      activityType: 'shout',
      activityId: 'activity-1',
      attempt: 1,
      taskQueue: worker.taskQueue,
    });
  });
});
