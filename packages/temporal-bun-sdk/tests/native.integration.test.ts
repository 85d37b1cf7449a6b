/**
 * The native layer (src/native over crates/bridge) against a real Temporal dev server: connecting,
 * RPCs, driving a workflow and an activity by hand through sdk-core, shutdown, replay, and the
 * bridge's answers to bad input.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { coresdk, temporal } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import {
  NativeClient,
  NativeError,
  NativeMetric,
  NativeReplayer,
  NativeRuntime,
  NativeWorker,
  isShutdownError,
  nativeSymbols,
  takeLastError,
  type NativeLogRecord,
  type NativeWorkerBase,
  type NativeWorkerOptions,
} from '../src/native';
import { findFreePort, startDevServer, type DevServer } from './helpers/dev-server';
import { nativeWorkerOptions } from './helpers/native-worker-options';

setDefaultTimeout(60_000);

const EvictionReason = coresdk.workflow_activation.RemoveFromCache.EvictionReason;
const EventType = temporal.api.enums.v1.EventType;

type Payload = temporal.api.common.v1.Payload.$Properties;
type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;
type History = temporal.api.history.v1.History;

let server: DevServer;
let runtime: NativeRuntime;
let client: NativeClient;
const logRecords: NativeLogRecord[] = [];

beforeAll(async () => {
  server = await startDevServer();
  runtime = await NativeRuntime.create({
    logFilter: 'warn,temporalio_sdk_core=info',
    onLog: (record) => logRecords.push(record),
  });
  client = await NativeClient.connect(runtime, {
    address: server.address,
    identity: 'native-integration-test',
  });
});

afterAll(async () => {
  if (client && !client.freed) client.free();
  if (runtime && !runtime.freed) runtime.free();
  await server?.stop();
});

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────

const utf8 = new TextEncoder();

function jsonPayload(value: unknown): Payload {
  return { metadata: { encoding: utf8.encode('json/plain') }, data: utf8.encode(JSON.stringify(value)) };
}

function durationSeconds(seconds: number): { seconds: Long } {
  return { seconds: Long.fromNumber(seconds) };
}

function uniqueTaskQueue(purpose: string): string {
  return `${purpose}-${randomUUID()}`;
}

function createWorker(taskQueue: string, overrides: Partial<NativeWorkerOptions> = {}): NativeWorker {
  return NativeWorker.create(
    runtime,
    client,
    nativeWorkerOptions({ namespace: server.namespace, taskQueue, ...overrides }),
  );
}

async function startWorkflow(taskQueue: string, workflowId: string, workflowType: string): Promise<string> {
  const response = await client.workflowService('StartWorkflowExecution', {
    namespace: server.namespace,
    workflowId,
    workflowType: { name: workflowType },
    taskQueue: { name: taskQueue },
    input: { payloads: [jsonPayload({ name: 'Bun' })] },
    workflowTaskTimeout: durationSeconds(10),
    requestId: randomUUID(),
    identity: 'native-integration-test',
  });
  return response.runId;
}

async function fetchHistory(workflowId: string, runId: string): Promise<History> {
  const response = await client.workflowService('GetWorkflowExecutionHistory', {
    namespace: server.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1000,
  });
  if (!response.history) throw new Error(`no history returned for ${workflowId}`);
  return response.history as History;
}

function jobVariants(activation: WorkflowActivation): string[] {
  return activation.jobs.map((job) => String(job.variant));
}

/** The rejection of `promise`, or a failure if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<NativeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof NativeError) return error;
    throw error;
  }
  throw new Error('expected the call to reject, but it resolved');
}

function thrownBy(operation: () => unknown): NativeError {
  try {
    operation();
  } catch (error) {
    if (error instanceof NativeError) return error;
    throw error;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** Acknowledges what core still hands out (evictions) until the stream reports SHUT_DOWN. */
async function drainWorkflowActivations(worker: NativeWorkerBase): Promise<WorkflowActivation[]> {
  const seen: WorkflowActivation[] = [];
  for (;;) {
    let activation: WorkflowActivation;
    try {
      activation = await worker.nextWorkflowActivation();
    } catch (error) {
      if (isShutdownError(error)) return seen;
      throw error;
    }
    seen.push(activation);
    await worker.completeWorkflowActivation({ runId: activation.runId, successful: { commands: [] } });
  }
}

async function drainActivityTasks(worker: NativeWorkerBase): Promise<void> {
  for (;;) {
    let task: coresdk.activity_task.ActivityTask;
    try {
      task = await worker.nextActivityTask();
    } catch (error) {
      if (isShutdownError(error)) return;
      throw error;
    }
    await worker.completeActivityTask({
      taskToken: task.taskToken,
      result: task.cancel
        ? { cancelled: { failure: { message: 'worker shutting down' } } }
        : { failed: { failure: { message: 'worker shutting down' } } },
    });
  }
}

/** The whole shutdown sequence a worker runtime performs: initiate, drain both pollers, finalize, free. */
async function shutDown(worker: NativeWorkerBase, { activities = true } = {}): Promise<void> {
  worker.initiateShutdown();
  await Promise.all([drainWorkflowActivations(worker), activities ? drainActivityTasks(worker) : undefined]);
  await worker.finalizeShutdown();
  worker.free();
}

// The end-to-end run, recorded for the replay tests.
const ACTIVITY_ID = 'greet-1';
const ACTIVITY_TYPE = 'greet';
const WORKFLOW_TYPE = 'greetingWorkflow';
const activityResult = jsonPayload({ greeting: 'Hello, Bun!' });
const workflowResult = jsonPayload({ done: true, greeting: 'Hello, Bun!' });

function scheduleGreetActivity(taskQueue: string): coresdk.workflow_commands.WorkflowCommand.$Properties {
  return {
    scheduleActivity: {
      seq: 1,
      activityId: ACTIVITY_ID,
      activityType: ACTIVITY_TYPE,
      taskQueue,
      arguments: [jsonPayload('Bun')],
      startToCloseTimeout: durationSeconds(30),
      heartbeatTimeout: durationSeconds(10),
    },
  };
}

interface RecordedRun {
  workflowId: string;
  runId: string;
  taskQueue: string;
  history: History;
}

let recordedRun: RecordedRun | undefined;

// ── tests ────────────────────────────────────────────────────────────────────────────────────────

describe('client', () => {
  test('connects to the dev server and describes its namespace with a raw rpc', async () => {
    const request = temporal.api.workflowservice.v1.DescribeNamespaceRequest.encode({
      namespace: server.namespace,
    }).finish();
    const responseBytes = await client.rpc('workflow', 'DescribeNamespace', request, { timeoutMs: 5_000 });
    const response = temporal.api.workflowservice.v1.DescribeNamespaceResponse.decode(responseBytes);
    expect(response.namespaceInfo?.name).toBe(server.namespace);
  });

  test('an rpc the server refuses rejects with RPC_ERROR carrying the gRPC status', async () => {
    const error = await rejectionOf(
      client.workflowService('DescribeNamespace', { namespace: `no-such-namespace-${randomUUID()}` }),
    );
    expect(error.code).toBe('RPC_ERROR');
    expect(error.details.grpcCode).toBe(5); // NOT_FOUND
  });
});

describe('worker', () => {
  test('drives a workflow that runs one activity to completion, and the server records its result', async () => {
    const taskQueue = uniqueTaskQueue('e2e');
    const workflowId = `e2e-${randomUUID()}`;
    const runId = await startWorkflow(taskQueue, workflowId, WORKFLOW_TYPE);
    const worker = createWorker(taskQueue);
    await worker.validate();

    // 1. The first activation starts the workflow; it answers by scheduling an activity.
    const first = await worker.nextWorkflowActivation();
    expect(first.runId).toBe(runId);
    expect(jobVariants(first)).toContain('initializeWorkflow');
    const initialize = first.jobs.find((job) => job.initializeWorkflow)!.initializeWorkflow!;
    expect(initialize.workflowType).toBe(WORKFLOW_TYPE);
    expect(initialize.workflowId).toBe(workflowId);
    await worker.completeWorkflowActivation({ runId, successful: { commands: [scheduleGreetActivity(taskQueue)] } });

    // 2. The activity runs: heartbeat, then complete with a result.
    const task = await worker.nextActivityTask();
    expect(task.start?.activityType).toBe(ACTIVITY_TYPE);
    expect(task.start?.activityId).toBe(ACTIVITY_ID);
    expect(new TextDecoder().decode(task.start?.input?.[0]?.data ?? new Uint8Array())).toBe('"Bun"');
    worker.recordActivityHeartbeat({ taskToken: task.taskToken, details: [jsonPayload({ progress: 50 })] });
    await expectHeartbeatRecorded(workflowId, runId);
    await worker.completeActivityTask({ taskToken: task.taskToken, result: { completed: { result: activityResult } } });

    // 3. The activity's result resolves it in the workflow, which completes.
    const second = await worker.nextWorkflowActivation();
    expect(jobVariants(second)).toEqual(['resolveActivity']);
    const resolution = second.jobs[0]!.resolveActivity!;
    expect(resolution.seq).toBe(1);
    expect(resolution.result?.completed?.result?.data).toEqual(activityResult.data!);
    await worker.completeWorkflowActivation({
      runId,
      successful: { commands: [{ completeWorkflowExecution: { result: workflowResult } }] },
    });

    // 4. The server's history ends with the completion and the result sent.
    const history = await fetchHistory(workflowId, runId);
    const completed = history.events.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    );
    expect(completed).toBeDefined();
    const result = completed!.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    expect(result).toBeDefined();
    expect(result!.data).toEqual(workflowResult.data!);
    expect(result!.metadata!.encoding).toEqual(workflowResult.metadata!.encoding!);

    await shutDown(worker);
    expect(() => worker.initiateShutdown()).toThrow(NativeError); // freed on the JS side
    recordedRun = { workflowId, runId, taskQueue, history };
  });

  // How regularly they fire is a figure of bench/ (ffi-channel/timer-gaps.bench.ts), not an assertion.
  test('JS timers keep firing, and other calls complete, while both task streams are open', async () => {
    const worker = createWorker(uniqueTaskQueue('timers'));
    let pollsSettled = 0;
    const polls = [worker.nextWorkflowActivation(), worker.nextActivityTask()].map((poll) =>
      poll
        .then(
          () => undefined,
          (error: unknown) => error,
        )
        .finally(() => {
          pollsSettled++;
        }),
    );
    expect(runtime.outstandingCalls).toBeGreaterThanOrEqual(2);

    let ticks = 0;
    const ticker = setInterval(() => {
      ticks++;
    }, 10);
    // Other calls complete meanwhile: the polls do not hold the completion queue.
    const described = await client.workflowService('DescribeNamespace', { namespace: server.namespace });
    expect(described.namespaceInfo?.name).toBe(server.namespace);
    while (ticks < 5) await Bun.sleep(10);
    clearInterval(ticker);
    // Both polls are still waiting at the server: nothing was there for them.
    expect(pollsSettled).toBe(0);

    worker.initiateShutdown();
    const [workflowPoll, activityPoll] = await Promise.all(polls);
    expect(isShutdownError(workflowPoll)).toBe(true);
    expect(isShutdownError(activityPoll)).toBe(true);
    await worker.finalizeShutdown();
    worker.free();
  });

  test('initiating shutdown ends both task streams with SHUT_DOWN, then finalize succeeds', async () => {
    const worker = createWorker(uniqueTaskQueue('shutdown'));
    const workflowPoll = rejectionOf(worker.nextWorkflowActivation());
    const activityPoll = rejectionOf(worker.nextActivityTask());
    await Bun.sleep(300); // let both polls reach the server

    const started = performance.now();
    worker.initiateShutdown();
    worker.initiateShutdown(); // idempotent
    const [workflowError, activityError] = await Promise.all([workflowPoll, activityPoll]);
    console.log(`polls ended ${(performance.now() - started).toFixed(0)} ms after initiateShutdown`);
    expect(workflowError.code).toBe('SHUT_DOWN');
    expect(activityError.code).toBe('SHUT_DOWN');

    await worker.finalizeShutdown();
    worker.free();
  });

  test('validating a namespace the server does not have fails with WORKER_ERROR carrying the NOT_FOUND status', async () => {
    const namespace = `no-such-namespace-${randomUUID()}`;
    const worker = NativeWorker.create(
      runtime,
      client,
      nativeWorkerOptions({ namespace, taskQueue: uniqueTaskQueue('validate') }),
    );
    try {
      const error = await rejectionOf(worker.validate());
      expect(error.code).toBe('WORKER_ERROR');
      expect(error.details.grpcCode).toBe(5); // NOT_FOUND
      expect(error.details.grpcMessage).toContain(namespace);
    } finally {
      worker.free();
    }
  });

  test('a completion core refuses is a WORKER_ERROR whose rejectedCompletion names the kind, the run and the reason', async () => {
    const taskQueue = uniqueTaskQueue('malformed');
    const runId = await startWorkflow(taskQueue, `malformed-${randomUUID()}`, WORKFLOW_TYPE);
    const worker = createWorker(taskQueue);
    try {
      const first = await worker.nextWorkflowActivation();
      expect(first.runId).toBe(runId);
      // Neither `successful` nor `failed`: core refuses it as malformed.
      const error = await rejectionOf(worker.completeWorkflowActivation({ runId }));
      expect(error.code).toBe('WORKER_ERROR');
      expect(error.details.rejectedCompletion).toEqual({
        kind: 'MALFORMED_COMPLETION',
        runId,
        reason: expect.any(String),
      });
      expect(error.details.rejectedCompletion!.reason.length).toBeGreaterThan(0);
      await worker.completeWorkflowActivation({
        runId,
        failed: { failure: { message: 'the test refused this task on purpose' } },
      });
    } finally {
      await shutDown(worker);
    }
  });

  test('finalizing while the task streams are open is refused with ILLEGAL_STATE', async () => {
    const worker = createWorker(uniqueTaskQueue('finalize-early'));
    const workflowPoll = rejectionOf(worker.nextWorkflowActivation());
    const activityPoll = rejectionOf(worker.nextActivityTask());

    const error = await rejectionOf(worker.finalizeShutdown());
    expect(error.code).toBe('ILLEGAL_STATE');

    worker.initiateShutdown();
    expect((await workflowPoll).code).toBe('SHUT_DOWN');
    expect((await activityPoll).code).toBe('SHUT_DOWN');
    await worker.finalizeShutdown();
    worker.free();
  });
});

describe('task streams and deferred acknowledgements', () => {
  test("the streams hand out a workflow's activations and activity task in order, then SHUT_DOWN; finalize waits for them", async () => {
    const taskQueue = uniqueTaskQueue('streams');
    const workflowId = `streams-${randomUUID()}`;
    const runId = await startWorkflow(taskQueue, workflowId, WORKFLOW_TYPE);
    const worker = createWorker(taskQueue);

    const first = await worker.nextWorkflowActivation();
    expect(first.runId).toBe(runId);
    expect(jobVariants(first)).toContain('initializeWorkflow');
    const activityStream = worker.nextActivityTask();
    // Both streams are open now: finalizing is refused.
    expect((await rejectionOf(worker.finalizeShutdown())).code).toBe('ILLEGAL_STATE');

    let firstAcknowledged = false;
    const firstAck = worker
      .completeWorkflowActivation(
        { runId, successful: { commands: [scheduleGreetActivity(taskQueue)] } },
        { deferAck: true },
      )
      .then(() => (firstAcknowledged = true));
    const task = await activityStream;
    expect(task.start?.activityType).toBe(ACTIVITY_TYPE);
    // The deferred answer was queued before the task the server sent in reply to it, so it came along.
    expect(firstAcknowledged).toBe(true);
    await firstAck;
    await worker.completeActivityTask(
      { taskToken: task.taskToken, result: { completed: { result: activityResult } } },
      { deferAck: true },
    );

    const second = await worker.nextWorkflowActivation();
    expect(jobVariants(second)).toEqual(['resolveActivity']);
    await worker.completeWorkflowActivation(
      { runId, successful: { commands: [{ completeWorkflowExecution: { result: workflowResult } }] } },
      { deferAck: true },
    );
    const history = await fetchHistory(workflowId, runId);
    expect(history.events.some((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)).toBe(
      true,
    );

    // Shutdown: the workflow stream hands out the run's eviction, then ends with SHUT_DOWN (once
    // to one caller; the call after that asks again and gets SHUT_DOWN again).
    worker.initiateShutdown();
    const activityEnd = rejectionOf(worker.nextActivityTask());
    const evictions: WorkflowActivation[] = [];
    let workflowEnd: NativeError | undefined;
    while (workflowEnd === undefined) {
      try {
        const activation = await worker.nextWorkflowActivation();
        evictions.push(activation);
        await worker.completeWorkflowActivation(
          { runId: activation.runId, successful: { commands: [] } },
          { deferAck: true },
        );
      } catch (error) {
        workflowEnd = error as NativeError;
      }
    }
    expect(workflowEnd.code).toBe('SHUT_DOWN');
    // Exactly the run's eviction came before the end.
    expect(evictions.map((activation) => [activation.runId, jobVariants(activation)])).toEqual([
      [runId, ['removeFromCache']],
    ]);
    expect((await activityEnd).code).toBe('SHUT_DOWN');
    expect((await rejectionOf(worker.nextWorkflowActivation())).code).toBe('SHUT_DOWN');
    await worker.finalizeShutdown();
    worker.free();
    expect((await rejectionOf(worker.nextWorkflowActivation())).code).toBe('INVALID_HANDLE');
  });

  test("a deferred acknowledgement waits while a stream is open, and comes with the next wake-up (another call's answer)", async () => {
    // The activity side on a runtime of its own, so no log record, other test's call or workflow
    // activation wakes its JS side meanwhile; the workflow side runs on the shared runtime. (That a
    // deferred answer wakes the host when nothing is outstanding is the channel's unit test in
    // crates/bridge/src/channel.rs: a worker's open stream always counts as outstanding.)
    const quietRuntime = await NativeRuntime.create();
    const quietClient = await NativeClient.connect(quietRuntime, {
      address: server.address,
    });
    const taskQueue = uniqueTaskQueue('deferred-ack');
    const workflows = createWorker(taskQueue, { enableNonLocalActivities: false });
    const activities = NativeWorker.create(
      quietRuntime,
      quietClient,
      nativeWorkerOptions({ namespace: server.namespace, taskQueue, enableWorkflows: false }),
    );
    try {
      const runId = await startWorkflow(taskQueue, `deferred-ack-${randomUUID()}`, WORKFLOW_TYPE);
      const first = await workflows.nextWorkflowActivation();
      expect(first.runId).toBe(runId);
      await workflows.completeWorkflowActivation({
        runId,
        successful: { commands: [scheduleGreetActivity(taskQueue)] },
      });
      const task = await activities.nextActivityTask();

      // With the activity stream open, the answer waits for the next wake-up...
      let acknowledged = false;
      const ack = activities
        .completeActivityTask(
          { taskToken: task.taskToken, result: { completed: { result: activityResult } } },
          { deferAck: true },
        )
        .then(() => (acknowledged = true));
      await Bun.sleep(300);
      expect(acknowledged).toBe(false);
      // ...which any other answer brings, here that of an RPC.
      for (let attempt = 0; attempt < 50 && !acknowledged; attempt++) {
        await quietClient.workflowService('DescribeNamespace', { namespace: server.namespace });
      }
      expect(acknowledged).toBe(true);
      await ack;
      const second = await workflows.nextWorkflowActivation();
      expect(jobVariants(second)).toEqual(['resolveActivity']);
      await workflows.completeWorkflowActivation({
        runId,
        successful: { commands: [{ completeWorkflowExecution: { result: workflowResult } }] },
      });
    } finally {
      await shutDown(workflows, { activities: false });
      await shutDown(activities);
      quietClient.free();
      quietRuntime.free();
    }
  });

  test('completion flags the bridge does not know are refused with INVALID_ARGUMENT', () => {
    const worker = createWorker(uniqueTaskQueue('flags'));
    try {
      const completion = coresdk.workflow_completion.WorkflowActivationCompletion.encode({
        runId: 'r',
        successful: {},
      }).finish();
      const input = new Uint8Array(completion);
      const symbols = nativeSymbols();
      for (const call of ['tbs_worker_complete_workflow_activation', 'tbs_worker_complete_activity_task'] as const) {
        const status = symbols[call](worker.handle, input, input.length, 1, 4);
        expect(status).toBe(1);
        const error = takeLastError(status, call);
        expect(error.code).toBe('INVALID_ARGUMENT');
        expect(error.message).toContain('flags');
      }
    } finally {
      worker.free();
    }
  });
});

describe('bad input', () => {
  test('connecting to an address nobody listens on fails with CONNECT_FAILED', async () => {
    const closedPort = await findFreePort();
    const error = await rejectionOf(
      NativeClient.connect(runtime, { address: `127.0.0.1:${closedPort}`, connectTimeoutMs: 1_000 }),
    );
    expect(error.code).toBe('CONNECT_FAILED');
  });

  test('unknown client options are rejected with INVALID_ARGUMENT naming the key', async () => {
    const options = { address: server.address, adress: 'typo' } as unknown as Parameters<
      typeof NativeClient.connect
    >[1];
    const error = await rejectionOf(NativeClient.connect(runtime, options));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('adress');
  });

  test('worker options the bridge cannot take are rejected with INVALID_ARGUMENT, never a crash', () => {
    const taskQueue = uniqueTaskQueue('bad-options');
    // Past a crash-safety bound: the bridge names the option.
    const tooMany = thrownBy(() => createWorker(taskQueue, { maxConcurrentWorkflowTaskExecutions: 1_000_001 }));
    expect(tooMany.code).toBe('INVALID_ARGUMENT');
    expect(tooMany.message).toContain('maxConcurrentWorkflowTaskExecutions');
    // What sdk-core's own check refuses (createWorker validates it first, with a friendlier message).
    const zero = thrownBy(() => createWorker(taskQueue, { maxConcurrentWorkflowTaskExecutions: 0 }));
    expect(zero.code).toBe('INVALID_ARGUMENT');

    const unknown = thrownBy(() =>
      createWorker(taskQueue, { maxConcurentActivities: 3 } as Partial<NativeWorkerOptions>),
    );
    expect(unknown.code).toBe('INVALID_ARGUMENT');
    expect(unknown.message).toContain('maxConcurentActivities');

    // Every key is required: the bridge has no defaults of its own, and names the key it misses.
    const { maxCachedWorkflows: _omitted, ...withoutCacheSize } = nativeWorkerOptions({
      namespace: server.namespace,
      taskQueue,
    });
    const missing = thrownBy(() => NativeWorker.create(runtime, client, withoutCacheSize as NativeWorkerOptions));
    expect(missing.code).toBe('INVALID_ARGUMENT');
    expect(missing.message).toContain('missing field `maxCachedWorkflows`');
  });

  test('a freed client handle is refused with INVALID_HANDLE, by the wrapper and by the bridge', async () => {
    const doomed = await NativeClient.connect(runtime, { address: server.address });
    const staleHandle = doomed.handle;
    doomed.free();

    // The wrapper refuses without calling the bridge…
    expect((await rejectionOf(doomed.workflowService('DescribeNamespace', { namespace: 'default' }))).code).toBe(
      'INVALID_HANDLE',
    );
    expect(thrownBy(() => doomed.free()).code).toBe('INVALID_HANDLE');

    // …and the bridge itself refuses the stale handle synchronously.
    const symbols = nativeSymbols();
    const method = utf8.encode('DescribeNamespace');
    const error = await rejectionOf(
      runtime.call(
        'tbs_client_rpc (stale handle)',
        (requestId) => symbols.tbs_client_rpc(staleHandle, 1, method, method.length, null, 0, 0, 0, requestId),
        () => undefined,
      ),
    );
    expect(error.code).toBe('INVALID_HANDLE');
  });

  test('a foreign or made-up handle is refused with INVALID_HANDLE, without crashing', () => {
    const symbols = nativeSymbols();
    const worker = createWorker(uniqueTaskQueue('foreign-handle'));
    const metadata = utf8.encode('{}');
    try {
      // A worker handle where a client handle belongs.
      const status = symbols.tbs_client_update_metadata(worker.handle, metadata, metadata.length);
      expect(status).toBe(2);
      expect(takeLastError(status, 'tbs_client_update_metadata').code).toBe('INVALID_HANDLE');
      // A client handle where a runtime handle belongs.
      expect(symbols.tbs_worker_new(client.handle, client.handle, metadata, metadata.length)).toBe(0);
      expect(takeLastError(0, 'tbs_worker_new').code).toBe('INVALID_HANDLE');
      // Made-up numbers.
      for (const madeUp of [0, 1, 123_456_789, 2 ** 52 + 7]) {
        const shutdownStatus = symbols.tbs_worker_initiate_shutdown(madeUp);
        expect(shutdownStatus).toBe(2);
        expect(takeLastError(shutdownStatus, 'tbs_worker_initiate_shutdown').code).toBe('INVALID_HANDLE');
      }
    } finally {
      worker.free();
    }
  });

  test('malformed completion bytes are rejected with INVALID_ARGUMENT', async () => {
    const worker = createWorker(uniqueTaskQueue('malformed'));
    try {
      const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]);
      expect((await rejectionOf(worker.completeWorkflowActivationBytes(garbage))).code).toBe('INVALID_ARGUMENT');
      expect((await rejectionOf(worker.completeActivityTaskBytes(garbage))).code).toBe('INVALID_ARGUMENT');
      expect(thrownBy(() => worker.recordActivityHeartbeat(garbage)).code).toBe('INVALID_ARGUMENT');
    } finally {
      worker.free();
    }
  });

  test('freeing a handle twice is an INVALID_HANDLE error, not a crash', async () => {
    const symbols = nativeSymbols();

    const worker = createWorker(uniqueTaskQueue('double-free'));
    worker.free();
    const workerStatus = symbols.tbs_worker_free(worker.handle);
    expect(workerStatus).toBe(2);
    expect(takeLastError(workerStatus, 'tbs_worker_free').code).toBe('INVALID_HANDLE');

    const otherClient = await NativeClient.connect(runtime, { address: server.address });
    otherClient.free();
    const clientStatus = symbols.tbs_client_free(otherClient.handle);
    expect(clientStatus).toBe(2);
    expect(takeLastError(clientStatus, 'tbs_client_free').code).toBe('INVALID_HANDLE');

    const otherRuntime = await NativeRuntime.create();
    otherRuntime.free();
    const runtimeStatus = symbols.tbs_runtime_free(otherRuntime.handle);
    expect(runtimeStatus).toBe(2);
    expect(takeLastError(runtimeStatus, 'tbs_runtime_free').code).toBe('INVALID_HANDLE');
  });

  test('freeing the same bridge buffer twice is refused with INVALID_BUFFER', () => {
    const symbols = nativeSymbols();
    expect(symbols.tbs_client_free(987_654_321)).toBe(2); // leaves an error text to take
    const errorText = symbols.tbs_last_error_take();
    expect(errorText).not.toBeNull();
    expect(symbols.tbs_bytes_free(errorText)).toBe(0);
    const status = symbols.tbs_bytes_free(errorText);
    expect(status).toBe(3);
    expect(takeLastError(status, 'tbs_bytes_free').code).toBe('INVALID_BUFFER');
    expect(symbols.tbs_bytes_free(null)).toBe(0); // null is a no-op
  });
});

describe('replayer', () => {
  async function recorded(): Promise<RecordedRun> {
    if (!recordedRun)
      throw new Error('the end-to-end worker test must run first: it records the history replayed here');
    return recordedRun;
  }

  test('replays the recorded history with the same commands without nondeterminism', async () => {
    const run = await recorded();
    const replayer = NativeReplayer.create(runtime, {
      namespace: server.namespace,
      taskQueue: 'replay',
      identity: null,
    });
    await replayer.pushHistory(run.workflowId, run.history);
    replayer.close();

    const first = await replayer.nextWorkflowActivation();
    expect(jobVariants(first)).toContain('initializeWorkflow');
    expect(first.isReplaying).toBe(true);
    await replayer.completeWorkflowActivation({
      runId: first.runId,
      successful: { commands: [scheduleGreetActivity(run.taskQueue)] },
    });

    const second = await replayer.nextWorkflowActivation();
    expect(jobVariants(second)).toEqual(['resolveActivity']);
    expect(second.jobs[0]!.resolveActivity!.result?.completed?.result?.data).toEqual(activityResult.data!);
    await replayer.completeWorkflowActivation({
      runId: second.runId,
      successful: { commands: [{ completeWorkflowExecution: { result: workflowResult } }] },
    });

    // What is left are evictions for the finished run, none of them for nondeterminism.
    const remaining = await drainWorkflowActivations(replayer);
    for (const activation of remaining) {
      for (const job of activation.jobs) {
        expect(job.removeFromCache).toBeDefined();
        expect(job.removeFromCache!.reason).not.toBe(EvictionReason.NONDETERMINISM);
      }
    }
    await replayer.finalizeShutdown();
    replayer.free();
  });

  test('reports a run whose commands differ from its history as NONDETERMINISM', async () => {
    const run = await recorded();
    const replayer = NativeReplayer.create(runtime, {
      namespace: server.namespace,
      taskQueue: 'replay',
      identity: null,
    });
    await replayer.pushHistory(run.workflowId, temporal.api.history.v1.History.encode(run.history).finish());
    replayer.close();

    const first = await replayer.nextWorkflowActivation();
    expect(jobVariants(first)).toContain('initializeWorkflow');
    // The history scheduled an activity; this run starts a timer instead.
    await replayer.completeWorkflowActivation({
      runId: first.runId,
      successful: { commands: [{ startTimer: { seq: 1, startToFireTimeout: durationSeconds(5) } }] },
    });

    const eviction = await replayer.nextWorkflowActivation();
    const removeFromCache = eviction.jobs.find((job) => job.removeFromCache)?.removeFromCache;
    expect(removeFromCache).toBeDefined();
    expect(removeFromCache!.reason).toBe(EvictionReason.NONDETERMINISM);
    console.log(`nondeterminism reported as: ${removeFromCache!.message}`);
    await replayer.completeWorkflowActivation({ runId: eviction.runId, successful: { commands: [] } });

    await drainWorkflowActivations(replayer);
    await replayer.finalizeShutdown();
    replayer.free();
  });
});

describe('runtime', () => {
  test('forwards core log records to onLog', () => {
    // Worker creation and shutdown above log at INFO (this file's runtime forwards sdk-core's INFO).
    console.log(`${logRecords.length} log records received; first: ${JSON.stringify(logRecords[0])}`);
    expect(
      logRecords.some((record) => record.level === 'INFO' && record.target.startsWith('temporalio_sdk_core')),
    ).toBe(true);
    for (const record of logRecords) {
      expect(typeof record.level).toBe('string');
      expect(typeof record.message).toBe('string');
      expect(typeof record.timestampMs).toBe('number');
    }
  });
});

describe('metrics', () => {
  const prometheus = {
    prometheus: {
      bindAddress: '127.0.0.1:0',
      countersTotalSuffix: false,
      unitSuffix: false,
      useSecondsForDurations: false,
      histogramBucketOverrides: {},
    },
    otel: null,
    metricPrefix: 'temporal_',
    globalTags: { suite: 'native' },
    attachServiceName: true,
  };

  test("an instrument records on the runtime's Prometheus endpoint; a freed one is refused with INVALID_HANDLE", async () => {
    const metricsRuntime = await NativeRuntime.create({ metrics: prometheus });
    try {
      const address = metricsRuntime.describe().prometheusAddress;
      expect(address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      const counter = NativeMetric.create(metricsRuntime, {
        kind: 'counter',
        name: 'native_test_orders',
        unit: '',
        description: 'orders',
      });
      counter.record(2, { region: 'eu' });
      counter.record(3, { region: 'eu' });
      const scraped = await (await fetch(`http://${address}/metrics`)).text();
      expect(scraped).toMatch(/native_test_orders\{[^}]*region="eu"[^}]*suite="native"[^}]*\} 5/);
      expect(() => counter.record(1.5, undefined)).toThrow(/integers/);
      expect(() => counter.record(-1, undefined)).toThrow(/non-negative/);
      counter.free();
      expect(() => counter.record(1, undefined)).toThrow(/INVALID_HANDLE|handle/);
      expect(() => counter.free()).toThrow(/INVALID_HANDLE|handle/);
    } finally {
      metricsRuntime.free();
    }
  });

  test('a runtime without metrics has no endpoint and refuses instruments with ILLEGAL_STATE', () => {
    expect(runtime.describe().prometheusAddress).toBeNull();
    const error = (() => {
      try {
        NativeMetric.create(runtime, { kind: 'counter', name: 'x', unit: '', description: '' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(NativeError);
    expect((error as NativeError).code).toBe('ILLEGAL_STATE');
  });
});

async function expectHeartbeatRecorded(workflowId: string, runId: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const description = await client.workflowService('DescribeWorkflowExecution', {
      namespace: server.namespace,
      execution: { workflowId, runId },
    });
    const details = description.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
    if (details) {
      expect(JSON.parse(new TextDecoder().decode(details))).toEqual({ progress: 50 });
      return;
    }
    if (Date.now() > deadline) throw new Error('the heartbeat did not reach the server within 5 s');
    await Bun.sleep(100);
  }
}
