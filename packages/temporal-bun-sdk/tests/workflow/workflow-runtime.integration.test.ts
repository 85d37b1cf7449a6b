/**
 * The workflow half of the worker runtime against a real dev server: workflows written for the
 * official SDK (tests/workflow/fixtures/workflows.ts) run unchanged in this SDK's sandbox, driven
 * by a NativeWorker (workflows only) and a WorkflowTaskLoop; the test drives them with raw
 * WorkflowService RPCs.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { resolve } from 'node:path';
import type { InjectedSinks } from '../../src/workflow/sinks';
import type { DeterministicValues, RecorderSinks } from './fixtures/workflows';
import { SEARCH_ATTRIBUTE } from './fixtures/workflows';
import { WorkflowTestHarness, bundleFixture, decodePayload, RecordingLogger, type TestWorker } from './harness';

setDefaultTimeout(30_000);

const EventType = temporal.api.enums.v1.EventType;
const WorkflowExecutionStatus = temporal.api.enums.v1.WorkflowExecutionStatus;

interface SinkEvent {
  name: string;
  workflowId: string;
  isReplaying: boolean;
}
interface ValuesCall {
  workflowId: string;
  values: DeterministicValues;
  isReplaying: boolean;
}

const sinkEvents: SinkEvent[] = [];
const valuesCalls: ValuesCall[] = [];
const sinks: InjectedSinks<RecorderSinks> = {
  recorder: {
    event: {
      fn: (info, name) =>
        void sinkEvents.push({ name, workflowId: info.workflowId, isReplaying: info.unsafe.isReplaying }),
    },
    values: {
      fn: (info, values) =>
        void valuesCalls.push({ workflowId: info.workflowId, values, isReplaying: info.unsafe.isReplaying }),
      callDuringReplay: true,
    },
  },
};

let harness: WorkflowTestHarness;
let worker: TestWorker;

beforeAll(async () => {
  harness = await WorkflowTestHarness.start();
  const [bundle] = await Promise.all([
    bundleFixture(resolve(import.meta.dir, 'fixtures/workflows.ts')),
    registerSearchAttribute(),
  ]);
  worker = await harness.startWorker({ bundle, sinks: sinks as InjectedSinks });
});

afterAll(async () => {
  await harness?.close();
});

async function registerSearchAttribute(): Promise<void> {
  await harness.client
    .operatorService('AddSearchAttributes', {
      namespace: harness.namespace,
      searchAttributes: { [SEARCH_ATTRIBUTE]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    })
    .catch((error: unknown) => {
      if (!String((error as Error).message).includes('already')) throw error;
    });
}

async function waitUntil(
  description: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${description}`);
    await Bun.sleep(25);
  }
}

function eventTypes(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).map((event) => EventType[event.eventType ?? 0] ?? String(event.eventType));
}

/** Evicts a cached run and waits until its sandbox is gone. */
async function evict(runId: string): Promise<void> {
  await waitUntil('the run is cached', () => worker.manager.workflowInfo(runId) !== undefined);
  worker.native.requestWorkflowEviction(runId);
  await waitUntil('the run is evicted', () => worker.manager.workflowInfo(runId) === undefined);
}

describe('timers and the deterministic sandbox', () => {
  test('a workflow that sleeps completes with its return value', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'sleeper', [100]);
    const outcome = await harness.outcome(workflowId);
    expect(outcome).toMatchObject({ status: 'completed', result: 'slept 100 ms' });
    const history = await harness.history(workflowId);
    expect(eventTypes(history)).toContain('EVENT_TYPE_TIMER_FIRED');
  });

  test('Date, Math.random and uuid4 are deterministic: a replay after eviction sees the same values', async () => {
    const { workflowId, runId } = await harness.startWorkflow(worker.taskQueue, 'deterministicValues');
    await waitUntil('the workflow reported its values', () =>
      valuesCalls.some((call) => call.workflowId === workflowId),
    );
    const original = valuesCalls.find((call) => call.workflowId === workflowId)!;
    expect(original.isReplaying).toBe(false);

    // Date.now() is the workflow task's start time, frozen while the task runs.
    const history = await harness.history(workflowId);
    const firstTaskStarted = history.events.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    )!;
    const taskStartMs =
      Number(firstTaskStarted.eventTime!.seconds) * 1000 + Math.floor((firstTaskStarted.eventTime!.nanos ?? 0) / 1e6);
    expect(original.values.startNow).toBe(taskStartMs);
    expect(original.values.startDate).toBe(original.values.startNow);
    expect(original.values.afterTimerNow).toBeGreaterThanOrEqual(original.values.startNow + 50);
    expect(new Set(original.values.random).size).toBe(3);

    // Evict: the next task replays the run from its history in a fresh sandbox.
    await evict(runId);
    await harness.signal(workflowId, 'approve', ['tester']);
    const outcome = await harness.outcome(workflowId);
    expect(outcome.status).toBe('completed');

    const replayed = valuesCalls.filter((call) => call.workflowId === workflowId && call.isReplaying);
    expect(replayed).toHaveLength(1);
    expect({ ...replayed[0]!.values, isReplaying: false }).toEqual(original.values);
    // The result comes from the replaying sandbox, which recomputed every value identically.
    expect(outcome).toMatchObject({ result: { ...original.values, isReplaying: true } });
  });

  test('WeakRef and FinalizationRegistry are refused, setTimeout is a durable timer, and nothing reaches real time', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'sandboxGlobals');
    const outcome = await harness.outcome(workflowId);
    expect(outcome.status).toBe('completed');
    const report = (outcome as { result: Record<string, string> }).result;
    expect(report.weakRef).toBe('DeterminismViolationError');
    expect(report.finalizationRegistry).toBe('DeterminismViolationError');
    expect(report.setTimeout).toBe('setTimeout fired');
    expect(report.shadowRealm).toBe('undefined');
    expect(report.process).toBe('undefined');
    expect(report.bun).toBe('undefined');
    // Bun has the Temporal global, so the sandbox has it too, with its clock refused.
    expect(report.temporalNow).toContain('not deterministic');
    // setTimeout became a server-side timer.
    expect(eventTypes(await harness.history(workflowId))).toContain('EVENT_TYPE_TIMER_STARTED');
    // console.log inside the sandbox reached the worker's logger, tagged with the run.
    const consoleRecord = worker.logger.records.find((record) => record.message.startsWith('console from the sandbox'));
    expect(consoleRecord?.meta).toMatchObject({ workflowId, workflowType: 'sandboxGlobals', sdkComponent: 'workflow' });
  });
});

describe('signals, queries, updates and conditions', () => {
  test('signals reach their handlers and queries read the state', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'signalsAndQueries');
    await harness.signal(workflowId, 'add', [2]);
    await harness.signal(workflowId, 'add', [3]);
    await waitUntil('both signals are processed', async () => (await harness.query(workflowId, 'total')) === 5);
    expect(await harness.query(workflowId, 'stage')).toBe('waiting-for-signals');
    await harness.signal(workflowId, 'approve', ['alice']);
    expect(await harness.outcome(workflowId)).toMatchObject({
      status: 'completed',
      result: { total: 5, approvedBy: 'alice' },
    });
  });

  test('a query is answered while the workflow waits on a timer', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'queryDuringTimer');
    await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_TIMER_STARTED);
    expect(await harness.query(workflowId, 'total')).toBe(0);
    await harness.signal(workflowId, 'add', [10]);
    expect(await harness.outcome(workflowId)).toMatchObject({ status: 'completed', result: 10 });
  });

  test('an update passing its validator runs its handler; one failing it is rejected without running', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'updatableLimit');
    const rejected = await harness.update(workflowId, 'setLimit', [-5]);
    expect(rejected.accepted).toBe(false);
    expect((rejected as { failure: { message?: string | null } }).failure.message).toContain(
      'limit must be positive, got -5',
    );

    const accepted = await harness.update(workflowId, 'setLimit', [150]);
    expect(accepted).toEqual({ accepted: true, result: 1 });
    expect(await harness.outcome(workflowId)).toMatchObject({ status: 'completed', result: 150 });
    // The rejected update left no trace in history; the accepted one did.
    const types = eventTypes(await harness.history(workflowId));
    expect(types.filter((type) => type === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')).toHaveLength(1);
  });

  test('condition() times out when nothing changes and unblocks when its predicate holds', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'conditions');
    await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_TIMER_FIRED);
    await harness.signal(workflowId, 'add', [1]);
    await harness.signal(workflowId, 'add', [2]);
    expect(await harness.outcome(workflowId)).toMatchObject({
      status: 'completed',
      result: { timedOut: true, total: 3 },
    });
  });
});

describe('cancellation', () => {
  test('cancelling the workflow cancels the timer in its cancellable scope; non-cancellable cleanup still runs', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'cancellableWork');
    await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_TIMER_STARTED);
    await harness.requestCancel(workflowId);
    expect((await harness.outcome(workflowId)).status).toBe('cancelled');
    const types = eventTypes(await harness.history(workflowId));
    expect(types).toContain('EVENT_TYPE_TIMER_CANCELED');
    // The cleanup's 10 ms timer ran to completion after the cancellation.
    expect(types).toContain('EVENT_TYPE_TIMER_FIRED');
  });

  test('an inner scope cancelled by the workflow cancels only its own timer', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'innerScopeCancelled');
    expect(await harness.outcome(workflowId)).toMatchObject({ status: 'completed', result: 'inner scope cancelled' });
  });
});

describe('child workflows, continue-as-new, patches, upserts and external workflows', () => {
  test('a child workflow is started, and its result returned, with startChild and executeChild', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'parentWorkflow', ['Bun']);
    expect(await harness.outcome(workflowId)).toMatchObject({
      status: 'completed',
      result: [`Hello, Bun from ${workflowId}`, `Hello, Bun again from ${workflowId}`],
    });
    const types = eventTypes(await harness.history(workflowId));
    expect(types.filter((type) => type === 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED')).toHaveLength(2);
  });

  test('continue-as-new closes the run as ContinuedAsNew and the next run carries on to completion', async () => {
    const { workflowId, runId } = await harness.startWorkflow(worker.taskQueue, 'continuing', [1, 3]);
    const outcome = await harness.outcome(workflowId);
    expect(outcome).toMatchObject({
      status: 'completed',
      result: `finished at iteration 3 of run chain starting ${runId}`,
    });
    expect(outcome.runId).not.toBe(runId);
    const firstRun = eventTypes(await harness.history(workflowId, runId));
    expect(firstRun.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
  });

  test('patched() takes the new branch and records a marker; deprecatePatch records one too', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'patchedWorkflow');
    expect(await harness.outcome(workflowId)).toMatchObject({ status: 'completed', result: ['new-1', 'new-1-again'] });
    const history = await harness.history(workflowId);
    const patchIds = history.events
      .filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((event) => decodePayload(event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]));
    expect(patchIds).toEqual([
      { id: 'bun-patch-1', deprecated: false },
      { id: 'bun-patch-2', deprecated: true },
    ]);
  });

  test('upsertSearchAttributes and upsertMemo are visible in DescribeWorkflowExecution', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'upserts');
    expect((await harness.outcome(workflowId)).status).toBe('completed');
    const description = await harness.describe(workflowId);
    const info = description.workflowExecutionInfo!;
    expect(decodePayload(info.searchAttributes?.indexedFields?.[SEARCH_ATTRIBUTE])).toEqual(['bun-upserted']);
    expect(decodePayload(info.memo?.fields?.['note'])).toBe('from the workflow');
    expect(decodePayload(info.memo?.fields?.['count'])).toBe(3);
  });

  test('memo keys that Object.prototype also has reach the workflow and come back from it as data', async () => {
    // Every key of Object.prototype but __proto__ (which protobufjs cannot put in a map).
    const inherited = Object.getOwnPropertyNames(Object.prototype).filter((key) => key !== '__proto__');
    const memo = { ...Object.fromEntries(inherited.map((key) => [key, 'started'])), note: 'plain' };
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'memoKeys', [], { memo });
    expect(await harness.outcome(workflowId)).toMatchObject({
      status: 'completed',
      result: Object.entries(memo).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    });
    const fields = (await harness.describe(workflowId)).workflowExecutionInfo!.memo!.fields!;
    for (const key of ['toString', 'hasOwnProperty', 'constructor']) {
      expect(Object.hasOwn(fields, key)).toBe(true);
      expect(decodePayload(fields[key])).toBe('upserted');
    }
    expect(decodePayload(fields.note)).toBe('plain');
  });

  test('a workflow signals one external workflow and cancels another', async () => {
    const signalTarget = await harness.startWorkflow(worker.taskQueue, 'waitsForApproval');
    const cancelTarget = await harness.startWorkflow(worker.taskQueue, 'waitsForApproval');
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'externalHandles', [
      signalTarget.workflowId,
      cancelTarget.workflowId,
    ]);
    expect(await harness.outcome(workflowId)).toMatchObject({ status: 'completed', result: 'signalled and cancelled' });
    expect(await harness.outcome(signalTarget.workflowId)).toMatchObject({
      status: 'completed',
      result: `approved by ${workflowId}`,
    });
    // The target catches the cancellation and returns normally.
    expect(await harness.outcome(cancelTarget.workflowId)).toMatchObject({ status: 'completed', result: 'cancelled' });
  });
});

describe('eviction and sinks', () => {
  test('an evicted run continues by replaying its history; sinks see each call once, not again on replay', async () => {
    const { workflowId, runId } = await harness.startWorkflow(worker.taskQueue, 'sinksAndEviction');
    await waitUntil('the run slept', () =>
      sinkEvents.some((event) => event.workflowId === workflowId && event.name === 'slept'),
    );
    await evict(runId);
    expect(worker.manager.workflowInfo(runId)).toBeUndefined();

    await harness.signal(workflowId, 'add', [7]);
    expect(await harness.outcome(workflowId)).toMatchObject({ status: 'completed', result: 7 });
    const events = sinkEvents.filter((event) => event.workflowId === workflowId);
    expect(events.map((event) => event.name)).toEqual(['started', 'slept', 'signalled']);
    expect(events.every((event) => !event.isReplaying)).toBe(true);
    // console output is silenced while replaying, like sink calls.
    const consoleLines = worker.logger.records.filter(
      (record) => record.message === 'sinksAndEviction started' && record.meta?.workflowId === workflowId,
    );
    expect(consoleLines).toHaveLength(1);
  });
});

describe('failures', () => {
  test('an ApplicationFailure fails the workflow with its type, message and details', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'failsWithApplicationFailure');
    const outcome = await harness.outcome(workflowId);
    expect(outcome.status).toBe('failed');
    const failure = (outcome as { failure: temporal.api.failure.v1.IFailure }).failure;
    expect(failure.message).toBe('the order is invalid');
    expect(failure.applicationFailureInfo?.type).toBe('InvalidOrder');
    expect(failure.applicationFailureInfo?.nonRetryable).toBe(true);
    expect(decodePayload(failure.applicationFailureInfo?.details?.payloads?.[0])).toEqual({ orderId: 42 });
    // The stack points at the workflow source, not at the bundle.
    expect(failure.stackTrace).toContain('fixtures/workflows.ts:');
  });

  test('a plain Error fails the workflow task (retried), not the workflow', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'throwsPlainError');
    const failed = await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toBe('a bug in workflow code');
    const description = await harness.describe(workflowId);
    expect(description.workflowExecutionInfo?.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    await harness.terminate(workflowId);
  });

  test('non-determinism fails the workflow task with core’s message and leaves the workflow running', async () => {
    const { workflowId, runId } = await harness.startWorkflow(worker.taskQueue, 'nondeterministicOnReplay');
    await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_TIMER_FIRED);
    await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    await evict(runId);
    await harness.signal(workflowId, 'add', [1]);
    const failed = await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    const attributes = failed.workflowTaskFailedEventAttributes!;
    expect(attributes.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
    );
    expect(attributes.failure?.message).toContain('Nondeterminism');
    const description = await harness.describe(workflowId);
    expect(description.workflowExecutionInfo?.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    await harness.terminate(workflowId);
  });
});

describe('stack trace queries', () => {
  test('__stack_trace lists the pending await points with their source positions', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'stackTraceTarget');
    await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_TIMER_STARTED);
    const stackTrace = (await harness.query(workflowId, '__stack_trace')) as string;
    console.log(`__stack_trace answered:\n${stackTrace}`);
    expect(stackTrace).toContain('at sleep (');
    expect(stackTrace).toMatch(/at waitForever \(.*fixtures\/workflows\.ts:\d+:\d+\)/);
    expect(stackTrace).toMatch(/stackTraceTarget \(.*fixtures\/workflows\.ts:\d+:\d+\)/);
    await harness.terminate(workflowId);
  });

  test('__enhanced_stack_trace returns structured locations and the SDK name', async () => {
    const { workflowId } = await harness.startWorkflow(worker.taskQueue, 'stackTraceTarget');
    await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_TIMER_STARTED);
    const enhanced = (await harness.query(workflowId, '__enhanced_stack_trace')) as {
      sdk: { name: string };
      stacks: { locations: { file_path?: string; function_name?: string; line?: number }[] }[];
    };
    expect(enhanced.sdk.name).toBe('typescript');
    expect(enhanced.stacks.length).toBeGreaterThanOrEqual(1);
    const waitForever = enhanced.stacks
      .flatMap((stack) => stack.locations)
      .find((location) => location.function_name === 'waitForever');
    expect(waitForever?.file_path).toEndWith('fixtures/workflows.ts');
    expect(waitForever?.line).toBeGreaterThan(0);
    await harness.terminate(workflowId);
  });
});

describe('disallowed modules', () => {
  test('a workflow importing fs is bundled with a warning, and fails its task with an error naming the module', async () => {
    const logger = new RecordingLogger();
    const bundle = await bundleFixture(resolve(import.meta.dir, 'fixtures/disallowed-import-workflows.ts'), logger);
    const warning = logger.records.find((record) => record.level === 'WARN' && record.message.includes("'node:fs'"));
    expect(warning?.message).toContain('disallowed-import-workflows.ts');

    const fsWorker = await harness.startWorker({ bundle });
    try {
      const { workflowId } = await harness.startWorkflow(fsWorker.taskQueue, 'readsConfigFile');
      const failed = await harness.waitForEvent(workflowId, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toContain(
        "'fs' is not allowed in workflow code (use an activity)",
      );
      await harness.terminate(workflowId);
    } finally {
      await fsWorker.shutdown();
    }
  });
});

describe('payload codecs', () => {
  /** Stores each payload, encoded, reversed: unreadable unless decoded by the same codec. */
  class ReversingCodec implements PayloadCodec {
    readonly contexts: string[] = [];
    async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
      this.#record(context);
      return payloads.map((payload) => ({
        metadata: { encoding: new TextEncoder().encode('binary/reversed') },
        data: temporal.api.common.v1.Payload.encode(payload).finish().slice().reverse(),
      }));
    }
    async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
      this.#record(context);
      return payloads.map((payload) => {
        if (new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array()) !== 'binary/reversed')
          return payload;
        return temporal.api.common.v1.Payload.decode(payload.data!.slice().reverse()) as Payload;
      });
    }
    #record(context: SerializationContext | undefined): void {
      if (context)
        this.contexts.push(
          context.type === 'workflow' ? `workflow:${context.workflowId}` : `activity:${context.activityId}`,
        );
    }
  }

  test('payloads are decoded before the sandbox and encoded after it, with the serialization context of their target', async () => {
    const codec = new ReversingCodec();
    const codecWorker = await harness.startWorker({ bundle: worker.bundle, dataConverter: { payloadCodecs: [codec] } });
    try {
      const { workflowId } = await harness.startWorkflow(codecWorker.taskQueue, 'parentWorkflow', ['Codec'], { codec });
      const outcome = await harness.outcome(workflowId, { codec });
      expect(outcome).toMatchObject({
        status: 'completed',
        result: [`Hello, Codec from ${workflowId}`, `Hello, Codec again from ${workflowId}`],
      });
      // What the server stored is the encoded form.
      const completed = (await harness.history(workflowId)).events.find(
        (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
      )!;
      const stored = completed.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!;
      expect(new TextDecoder().decode(stored.metadata!['encoding'])).toBe('binary/reversed');
      // The child's arguments and results were coded in the child's context.
      expect(codec.contexts).toContain(`workflow:${workflowId}`);
      expect(codec.contexts).toContain(`workflow:${workflowId}-child-1`);
      expect(codec.contexts).toContain(`workflow:${workflowId}-child-2`);
    } finally {
      await codecWorker.shutdown();
    }
  });
});

describe('metrics', () => {
  test('each activation emits a workflowActivation event and each poll a pollWait event', () => {
    const activations = worker.metricEvents.filter((event) => event.type === 'workflowActivation');
    const polls = worker.metricEvents.filter((event) => event.type === 'pollWait');
    expect(activations.length).toBeGreaterThan(10);
    expect(polls.length).toBeGreaterThanOrEqual(activations.length);
    expect(activations.some((event) => event.type === 'workflowActivation' && event.workflowType === 'sleeper')).toBe(
      true,
    );
    expect(activations.some((event) => event.type === 'workflowActivation' && event.outcome === 'failed')).toBe(true);
  });
});
