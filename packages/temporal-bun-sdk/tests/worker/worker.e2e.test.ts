/**
 * createWorker end to end against a real dev server: a workflow file written for the official SDK
 * (activities with a retry, a heartbeat and a local activity, a timer, a signal, a query, an update
 * with a validator, a child workflow and a patch) runs unchanged.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { temporal } from '@temporalio/proto';
import { NativeError, NativeWorker } from '../../src/native';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  buildPrebuiltWorkflowBundle,
  PeerPackageVersionError,
  createWorker,
  runReplayHistory,
  WORKER_LIMITS,
  WorkerOptionsError,
  type WorkerOptions,
  type Worker,
  type WorkerMetricEvent,
} from '../../src/worker';
import { failure } from '../helpers/failure';
import { nativeWorkerOptions } from '../helpers/native-worker-options';
import { useServerConnection } from '../helpers/server-connection';
import { RecordingLogger } from '../helpers/recording-logger';
import { WorkflowFailed } from '../helpers/test-client';
import * as activities from './fixtures/order-activities';
import type { OrderResult } from './fixtures/order-workflows';

const workflowsPath = resolve(import.meta.dir, 'fixtures/order-workflows.ts');
const silentLogger = new RecordingLogger();

const env = useServerConnection();
/** The order workflow's history, recorded by the end-to-end test for the replay tests. */
let recordedOrder: { workflowId: string; history: temporal.api.history.v1.History } | undefined;

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await Bun.sleep(50);
  }
}

describe('createWorker', () => {
  test('runs an order workflow written for the official SDK end to end', async () => {
    const taskQueue = `orders-${randomUUID()}`;
    const events: WorkerMetricEvent[] = [];
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath,
      activities,
      logger: silentLogger,
      metrics: { onEvent: (event) => events.push(event) },
    });
    expect(worker.getState()).toBe('INITIALIZED');
    const running = worker.run();
    expect(worker.getState()).toBe('RUNNING');

    const order = await env.client.start('orderWorkflow', { taskQueue, args: ['A-1', 200] });
    await waitFor(
      () => env.client.query<string>(order, 'status'),
      (status) => status === 'awaiting approval',
    );
    await expect(env.client.update(order, 'setDiscount', 90)).rejects.toThrow('discount must be between 0 and 50');
    expect(await env.client.update<number>(order, 'setDiscount', 10)).toBe(180);
    await env.client.signal(order, 'approve', 'alice');

    const result = await env.client.result<OrderResult>(order);
    expect(result).toEqual({
      reservation: 'reserved A-1 on attempt 2',
      approver: 'alice',
      charged: 180,
      shipping: 'shipped A-1',
      receipt: 'receipt A-1: 180.00',
    });
    expect(await env.client.query<string>(order, 'status')).toBe('done');
    recordedOrder = { workflowId: order.workflowId, history: await env.client.history(order) };

    worker.shutdown();
    await running;
    expect(worker.getState()).toBe('STOPPED');

    const metrics = worker.getMetrics();
    expect(metrics.workflowActivations.completed).toBeGreaterThan(3);
    expect(metrics.activityTasks.started).toBe(4);
    expect(metrics.activityTasks.failed).toBe(1); // reserveStock's first attempt
    expect(metrics.activityTasks.completed).toBe(3); // reserveStock's retry, chargeCard, formatReceipt (local)
    expect(events.some((event) => event.type === 'activityTask' && event.local && event.phase === 'completed')).toBe(
      true,
    );
    expect(events.some((event) => event.type === 'pollWait' && event.taskKind === 'workflow')).toBe(true);
  });

  test('runUntil runs the worker while a workflow is cancelled, then stops it', async () => {
    const taskQueue = `failing-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath,
      activities,
      logger: silentLogger,
    });
    await worker.runUntil(async () => {
      const run = await env.client.start('orderWorkflow', { taskQueue, args: ['A-2', 10] });
      await waitFor(
        () => env.client.query<string>(run, 'status'),
        (status) => status === 'awaiting approval',
      );
      await env.client.cancel(run);
      const error = await env.client.result(run).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailed);
      expect((error as WorkflowFailed).status).toBe('cancelled');
    });
    expect(worker.getState()).toBe('STOPPED');
  });
});

describe('replay of the recorded order workflow', () => {
  test('the unchanged workflow file replays its history', async () => {
    if (!recordedOrder) throw new Error('the end-to-end test records the history replayed here; run the whole file');
    await runReplayHistory({ workflowsPath, logger: silentLogger }, recordedOrder.history, recordedOrder.workflowId);
  });

  test('a prebuilt bundle of the workflow file replays it too; one of the changed copy is non-deterministic', async () => {
    if (!recordedOrder) throw new Error('the end-to-end test records the history replayed here; run the whole file');
    const code = await buildPrebuiltWorkflowBundle({ workflowsPath });
    await runReplayHistory(
      { workflowBundle: { code }, logger: silentLogger },
      recordedOrder.history,
      recordedOrder.workflowId,
    );
    const changed = await buildPrebuiltWorkflowBundle({
      workflowsPath: resolve(import.meta.dir, 'fixtures/order-workflows-changed.ts'),
    });
    const error = await failure(() =>
      runReplayHistory({ workflowBundle: { code: changed }, logger: silentLogger }, recordedOrder!.history),
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
  });

  test('a changed copy of the workflow file is reported as non-deterministic', async () => {
    if (!recordedOrder) throw new Error('the end-to-end test records the history replayed here; run the whole file');
    const changed = resolve(import.meta.dir, 'fixtures/order-workflows-changed.ts');
    const error = await runReplayHistory({ workflowsPath: changed, logger: silentLogger }, recordedOrder.history).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect((error as Error).message).toContain('Nondeterminism');
  });
});

describe('activity results', () => {
  test('an activity that returns a function fails visibly, and the workflow goes on (it is not stuck on an undecodable result)', async () => {
    const taskQueue = `unencodable-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath: resolve(import.meta.dir, 'fixtures/feature-workflows.ts'),
      activities: { returnsFunction: async () => () => 'not data', shout: async (text: string) => text },
      sinks: { audit: { record: { fn: () => undefined } } },
      logger: silentLogger,
    });
    const outcome = await worker.runUntil(async () =>
      env.client.result<string>(await env.client.start('unencodableResultWorkflow', { taskQueue })),
    );
    expect(outcome).toStartWith('ResultEncodingError: the activity returned a function');
  });
});

describe('signals', () => {
  test('a signal whose payload cannot be decoded is dropped with an error in the log; queries still answer and the run goes on', async () => {
    const taskQueue = `undecodable-signal-${randomUUID()}`;
    const logger = new RecordingLogger();
    const worker = await createWorker({ connection: env.connection, taskQueue, workflowsPath, activities, logger });
    const result = await worker.runUntil(async () => {
      const order = await env.client.start('orderWorkflow', { taskQueue, args: ['C-3', 50] });
      await waitFor(
        () => env.client.query<string>(order, 'status'),
        (status) => status === 'awaiting approval',
      );
      await env.connection.client.workflowService('SignalWorkflowExecution', {
        namespace: env.server.namespace,
        workflowExecution: { workflowId: order.workflowId },
        signalName: 'approve',
        input: {
          payloads: [
            {
              metadata: { encoding: new TextEncoder().encode('json/plain') },
              data: new TextEncoder().encode('{not json'),
            },
          ],
        },
        requestId: randomUUID(),
      });
      // Wait until the worker has seen (and dropped) it; the query must still be answered.
      await waitFor(
        async () =>
          logger.records.filter((record) => record.message === 'Dropped a signal whose payload could not be decoded')
            .length,
        (count) => count > 0,
      );
      expect(await env.client.query<string>(order, 'status')).toBe('awaiting approval');
      await env.client.signal(order, 'approve', 'dana');
      return await env.client.result<OrderResult>(order);
    });
    expect(result.approver).toBe('dana');
    const dropped = logger.records.find(
      (record) => record.message === 'Dropped a signal whose payload could not be decoded',
    );
    expect(dropped?.level).toBe('ERROR');
    expect(dropped?.meta?.['signalName']).toBe('approve');
    expect(logger.records.some((record) => record.message === 'Workflow task failed')).toBe(false);
  });
});

describe('createWorker bad input', () => {
  test('a missing workflowsPath file is an error naming the option', async () => {
    await expect(
      createWorker({ connection: env.connection, taskQueue: 'q', workflowsPath: '/nonexistent/workflows.ts' }),
    ).rejects.toThrow(WorkerOptionsError);
    await expect(
      createWorker({ connection: env.connection, taskQueue: 'q', workflowsPath: '/nonexistent/workflows.ts' }),
    ).rejects.toThrow('workflowsPath');
  });

  test('a worker with neither workflows nor activities is refused', async () => {
    await expect(createWorker({ connection: env.connection, taskQueue: 'q' })).rejects.toThrow('workflowsPath');
  });

  test('a workflows file that does not compile fails at start with the file and line', async () => {
    const broken = resolve(import.meta.dir, 'fixtures/broken-workflows.ts');
    const error = await failure(() =>
      createWorker({ connection: env.connection, taskQueue: 'q', workflowsPath: broken, logger: silentLogger }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain('broken-workflows.ts');
    expect(error.message).toMatch(/:\d+/);
  });

  test('invalid numeric options name the option', async () => {
    await expect(
      createWorker({ connection: env.connection, taskQueue: 'q', activities, maxConcurrentActivityTaskExecutions: 0 }),
    ).rejects.toThrow('maxConcurrentActivityTaskExecutions');
    await expect(
      createWorker({ connection: env.connection, taskQueue: 'q', activities, shutdownGraceTime: 'soon' as never }),
    ).rejects.toThrow('shutdownGraceTime');
  });

  test('sizes, counts, rates and durations past their bound are refused naming the option and the bound, before anything starts', async () => {
    const tooLarge: [keyof WorkerOptions, unknown, string][] = [
      ['maxCachedWorkflows', 1e12, '[0, 1,000,000]'],
      ['maxCachedWorkflows', WORKER_LIMITS.maxCachedWorkflows + 1, '[0, 1,000,000]'],
      ['maxConcurrentWorkflowTaskExecutions', WORKER_LIMITS.maxConcurrentExecutions + 1, '1,000,000]'],
      ['maxConcurrentActivityTaskExecutions', 2 ** 62, '[1, 1,000,000]'],
      ['maxConcurrentLocalActivityExecutions', Number.MAX_SAFE_INTEGER, '[1, 1,000,000]'],
      ['maxConcurrentWorkflowTaskPolls', WORKER_LIMITS.maxConcurrentPolls + 1, '1,024]'],
      ['maxConcurrentActivityTaskPolls', 1e9, '[1, 1,024]'],
      ['maxActivitiesPerSecond', Infinity, 'at most 1,000,000 per second'],
      ['maxTaskQueueActivitiesPerSecond', 1e12, 'at most 1,000,000 per second'],
      ['stickyQueueScheduleToStartTimeout', '30 days', `at most ${WORKER_LIMITS.durationMs} ms`],
      ['shutdownGraceTime', 2 ** 31, `at most ${WORKER_LIMITS.durationMs} ms`],
      ['maxHeartbeatThrottleInterval', '1y', `at most ${WORKER_LIMITS.durationMs} ms`],
    ];
    for (const [option, value, bound] of tooLarge) {
      const error = await createWorker({
        connection: env.connection,
        taskQueue: 'q',
        activities,
        [option]: value,
      }).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error).toBeInstanceOf(WorkerOptionsError);
      expect(error!.message).toContain(`option ${option} must`);
      expect(error!.message).toContain(bound);
    }
  });

  test("the bridge's own bounds are the same: at the bound a native worker is made, past it INVALID_ARGUMENT, never a crash", () => {
    const base = nativeWorkerOptions({
      namespace: env.server.namespace,
      taskQueue: 'bounds',
      maxCachedWorkflows: WORKER_LIMITS.maxCachedWorkflows,
    });
    const poller = (maximum: number) => ({ type: 'simple-maximum', maximum });
    const cases: [string, number, ((bound: number) => unknown)?][] = [
      ['maxCachedWorkflows', WORKER_LIMITS.maxCachedWorkflows],
      ['maxConcurrentWorkflowTaskExecutions', WORKER_LIMITS.maxConcurrentExecutions],
      ['maxConcurrentActivityTaskExecutions', WORKER_LIMITS.maxConcurrentExecutions],
      ['maxConcurrentLocalActivityExecutions', WORKER_LIMITS.maxConcurrentExecutions],
      ['workflowTaskPollerBehavior', WORKER_LIMITS.maxConcurrentPolls, poller],
      ['activityTaskPollerBehavior', WORKER_LIMITS.maxConcurrentPolls, poller],
      ['maxActivitiesPerSecond', WORKER_LIMITS.activitiesPerSecond],
      ['maxTaskQueueActivitiesPerSecond', WORKER_LIMITS.activitiesPerSecond],
      ['stickyQueueScheduleToStartTimeoutMs', WORKER_LIMITS.durationMs],
      ['maxHeartbeatThrottleIntervalMs', WORKER_LIMITS.durationMs],
      ['defaultHeartbeatThrottleIntervalMs', WORKER_LIMITS.durationMs],
      ['gracefulShutdownPeriodMs', WORKER_LIMITS.durationMs],
    ];
    for (const [option, bound, wrap = (value: number) => value] of cases) {
      NativeWorker.create(env.connection.runtime, env.connection.client, { ...base, [option]: wrap(bound) }).free();
      const past = Number.isInteger(bound) ? bound + 1 : bound * 2;
      for (const value of [past, 1e12]) {
        let error: unknown;
        try {
          NativeWorker.create(env.connection.runtime, env.connection.client, { ...base, [option]: wrap(value) }).free();
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(NativeError);
        expect((error as NativeError).code).toBe('INVALID_ARGUMENT');
        expect((error as NativeError).message).toContain(option);
      }
    }
  });

  test('a worker at the largest cache size and slot counts polls and runs a workflow (no allocation of the bound up front kills it)', async () => {
    const taskQueue = `bounds-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath,
      activities,
      logger: silentLogger,
      maxCachedWorkflows: WORKER_LIMITS.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: WORKER_LIMITS.maxConcurrentExecutions,
      maxConcurrentActivityTaskExecutions: WORKER_LIMITS.maxConcurrentExecutions,
      maxConcurrentLocalActivityExecutions: WORKER_LIMITS.maxConcurrentExecutions,
    });
    const result = await worker.runUntil(async () => {
      const order = await env.client.start('orderWorkflow', { taskQueue, args: ['B-7', 100] });
      await waitFor(
        () => env.client.query<string>(order, 'status'),
        (status) => status === 'awaiting approval',
      );
      await env.client.signal(order, 'approve', 'bob');
      return await env.client.result<OrderResult>(order);
    });
    expect(result.approver).toBe('bob');
    expect(result.charged).toBe(100);
  });

  test('an unknown option is refused naming it, with the closest known name; an official option not supported here says what to do', async () => {
    const typo = await failure(() =>
      createWorker({ connection: env.connection, taskQueue: 'q', activities, maxCachedWorkflow: 10 } as WorkerOptions),
    );
    expect(typo).toBeInstanceOf(WorkerOptionsError);
    expect(typo.message).toBe(
      'createWorker: option maxCachedWorkflow is not a createWorker option; did you mean maxCachedWorkflows?',
    );
    const casing = await failure(() =>
      createWorker({ connection: env.connection, taskQueue: 'q', activities, taskqueue: 'x' } as WorkerOptions),
    );
    expect(casing.message).toContain('did you mean taskQueue?');
    const unrelated = await failure(() =>
      createWorker({ connection: env.connection, taskQueue: 'q', activities, frobnicate: true } as WorkerOptions),
    );
    expect(unrelated.message).toBe('createWorker: option frobnicate is not a createWorker option');
    const official = await failure(() =>
      createWorker({
        connection: env.connection,
        taskQueue: 'q',
        activities,
        workflowThreadPoolSize: 4,
      } as WorkerOptions),
    );
    expect(official.message).toContain(
      'option workflowThreadPoolSize is an official SDK option that temporal-bun-sdk does not take',
    );
  });

  test('a value of the wrong type is refused naming the option and what it must be', async () => {
    const cases: [Partial<Record<keyof WorkerOptions, unknown>>, string][] = [
      [{ identity: 42 }, 'option identity must be a string, got 42'],
      [{ reuseV8Context: 'yes' }, 'option reuseV8Context must be true or false, got "yes"'],
      [{ connection: 'localhost:7233' }, 'option connection must be a NativeConnection or connection options'],
      [{ logger: console.log }, 'option logger must be a Logger'],
      [{ activities: 5 }, 'option activities must be an object of activity functions'],
    ];
    for (const [options, message] of cases) {
      const error = await failure(() =>
        createWorker({ connection: env.connection, taskQueue: 'q', activities, ...options } as WorkerOptions),
      );
      expect(error).toBeInstanceOf(WorkerOptionsError);
      expect(error.message).toContain(message);
    }
  });

  test('bundlerOptions.ignoreModules stubs a module workflows never use; webpack hooks are refused naming the Bun way', async () => {
    const taskQueue = `ignore-modules-${randomUUID()}`;
    const ignoredImport = resolve(import.meta.dir, 'fixtures/ignored-import-workflows.ts');
    const unresolved = await failure(() =>
      createWorker({ connection: env.connection, taskQueue, workflowsPath: ignoredImport, logger: silentLogger }),
    );
    expect(unresolved.message).toContain('server-only-database-client');
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath: ignoredImport,
      bundlerOptions: { ignoreModules: ['server-only-database-client'] },
      logger: silentLogger,
    });
    const result = await worker.runUntil(async () =>
      env.client.result<string>(await env.client.start('ignoredImportWorkflow', { taskQueue })),
    );
    expect(result).toBe('ran without the ignored module');
    const hook = await failure(() =>
      createWorker({
        connection: env.connection,
        taskQueue: 'q',
        workflowsPath,
        bundlerOptions: { webpackConfigHook: (config: unknown) => config } as never,
      }),
    );
    expect(hook).toBeInstanceOf(WorkerOptionsError);
    expect(hook.message).toContain(
      'option bundlerOptions.webpackConfigHook is not supported: workflows are bundled with Bun.build, not webpack',
    );
    const notArray = await failure(() =>
      createWorker({
        connection: env.connection,
        taskQueue: 'q',
        workflowsPath,
        bundlerOptions: { ignoreModules: 'grpc' as never },
      }),
    );
    expect(notArray.message).toContain('option bundlerOptions.ignoreModules must be an array of module names');
  });

  test('workflows next to an unsupported @temporalio/workflow are refused at createWorker, naming both versions', async () => {
    // A project whose @temporalio/workflow is 1.99.0 (a copy of the installed one, relabelled).
    const project = mkdtempSync(join(tmpdir(), 'tbs-peer-version-'));
    try {
      const installed = resolve(import.meta.dir, '../../node_modules/@temporalio');
      mkdirSync(join(project, 'node_modules', '@temporalio'), { recursive: true });
      for (const name of readdirSync(installed)) {
        if (name !== 'workflow') symlinkSync(join(installed, name), join(project, 'node_modules', '@temporalio', name));
      }
      cpSync(join(installed, 'workflow'), join(project, 'node_modules', '@temporalio', 'workflow'), {
        recursive: true,
        dereference: true,
      });
      const manifestPath = join(project, 'node_modules', '@temporalio', 'workflow', 'package.json');
      writeFileSync(
        manifestPath,
        JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), version: '1.99.0' }),
      );
      writeFileSync(
        join(project, 'workflows.ts'),
        "import { sleep } from '@temporalio/workflow';\nexport async function napWorkflow(): Promise<void> { await sleep(1); }\n",
      );
      const error = await failure(() =>
        createWorker({
          connection: env.connection,
          taskQueue: 'q',
          workflowsPath: join(project, 'workflows.ts'),
          logger: silentLogger,
        }),
      );
      expect(error).toBeInstanceOf(PeerPackageVersionError);
      expect(error.message).toContain('supports @temporalio/workflow ~1.24.0');
      expect(error.message).toContain('has 1.99.0');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test('an activity that is not a function is refused, naming it', async () => {
    await expect(
      createWorker({ connection: env.connection, taskQueue: 'q', activities: { ok: async () => 1, notAFunction: 42 } }),
    ).rejects.toThrow('notAFunction');
  });

  test('an unreachable server fails createWorker with a connection error naming the address', async () => {
    await expect(
      createWorker({ connection: { address: '127.0.0.1:1', connectTimeoutMs: 2_000 }, taskQueue: 'q', activities }),
    ).rejects.toThrow('127.0.0.1:1');
  });

  test('a namespace the server does not have fails createWorker naming it; a broken workflows file is reported first', async () => {
    const namespace = `no-such-namespace-${randomUUID()}`;
    await expect(
      createWorker({
        connection: env.connection,
        namespace,
        taskQueue: 'q',
        workflowsPath,
        activities,
        logger: silentLogger,
      }),
    ).rejects.toThrow(`namespace ${namespace} was not found`);
    const broken = resolve(import.meta.dir, 'fixtures/broken-workflows.ts');
    const error = await failure(() =>
      createWorker({
        connection: env.connection,
        namespace,
        taskQueue: 'q',
        workflowsPath: broken,
        logger: silentLogger,
      }),
    );
    expect(error.message).toContain('broken-workflows.ts');
    // Nothing those failures made is left on the shared connection: it still serves a worker.
    const worker = await createWorker({
      connection: env.connection,
      taskQueue: `after-${randomUUID()}`,
      activities,
      logger: silentLogger,
    });
    const running = worker.run();
    worker.shutdown();
    await running;
    expect(worker.getState()).toBe('STOPPED');
  });

  test('run() twice is refused and shutdown() twice is harmless', async () => {
    const worker: Worker = await createWorker({
      connection: env.connection,
      taskQueue: `twice-${randomUUID()}`,
      activities,
      logger: silentLogger,
    });
    const running = worker.run();
    await expect(worker.run()).rejects.toThrow('run() can be called once');
    worker.shutdown();
    worker.shutdown();
    await running;
    expect(worker.getState()).toBe('STOPPED');
  });
});
