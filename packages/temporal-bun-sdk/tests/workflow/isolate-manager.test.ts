/**
 * WorkflowIsolateManager driven by hand-made activations (no server): the activation contract of
 * sdk-core — start, queries, eviction — and the failures that must become failed workflow tasks,
 * with one context per run and with one context shared by all runs (`reuseV8Context`).
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { coresdk } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { WorkflowIsolateManager, type WorkflowActivationResult } from '../../src/workflow/isolate-manager';
import type { IsolationView } from './fixtures/isolation-workflows';
import type { WorkflowBundle } from '../../src/workflow/bundler';
import { RecordingLogger, bundleFixture } from './harness';

const placement = { namespace: 'default', taskQueue: 'unit' };
const START_SECONDS = 1_700_000_000;

/** The SDK flags core offers a new run: timers and signals take the current code paths. */
const CURRENT_SDK_FLAGS = [1, 2];

let bundle: WorkflowBundle;
let isolationBundle: WorkflowBundle;
beforeAll(async () => {
  [bundle, isolationBundle] = await Promise.all([
    bundleFixture(resolve(import.meta.dir, 'fixtures/sandbox-workflows.ts')),
    bundleFixture(resolve(import.meta.dir, 'fixtures/isolation-workflows.ts')),
  ]);
});

function activation(runId: string, jobs: coresdk.workflow_activation.IWorkflowActivationJob[], secondsAfterStart = 0) {
  return coresdk.workflow_activation.WorkflowActivation.create({
    runId,
    timestamp: { seconds: Long.fromNumber(START_SECONDS + secondsAfterStart), nanos: 0 },
    isReplaying: false,
    historyLength: 3,
    availableInternalFlags: CURRENT_SDK_FLAGS,
    jobs: jobs.map((job) => coresdk.workflow_activation.WorkflowActivationJob.create(job)),
  });
}

function startActivation(runId: string, workflowType: string, seed = 42, args: unknown[] = []) {
  return activation(runId, [
    {
      initializeWorkflow: {
        workflowId: `${workflowType}-${runId}`,
        workflowType,
        randomnessSeed: Long.fromNumber(seed),
        firstExecutionRunId: runId,
        attempt: 1,
        startTime: { seconds: Long.fromNumber(START_SECONDS), nanos: 0 },
        workflowTaskTimeout: { seconds: Long.fromNumber(10) },
        arguments: args.map((value) => defaultPayloadConverter.toPayload(value)),
      },
    },
  ]);
}

function queryActivation(runId: string, queryType: string) {
  return activation(runId, [{ queryWorkflow: { queryId: 'q1', queryType, arguments: [] } }]);
}

function signalActivation(runId: string, signalName: string) {
  return activation(runId, [{ signalWorkflow: { signalName, input: [] } }], 1);
}

function evictActivation(runId: string) {
  return activation(runId, [
    {
      removeFromCache: {
        message: 'test',
        reason: coresdk.workflow_activation.RemoveFromCache.EvictionReason.LANG_REQUESTED,
      },
    },
  ]);
}

/** The commands of a successful completion, each as `{ name: attributes }` for the field that is set. */
function commandsOf(result: WorkflowActivationResult): Record<string, unknown>[] {
  if (result.completion.failed) throw new Error(`the activation failed: ${result.completion.failed.failure?.message}`);
  return (result.completion.successful?.commands ?? []).map((command) =>
    Object.fromEntries(Object.entries(command).filter(([, value]) => value != null)),
  );
}

function queryAnswer(result: WorkflowActivationResult): unknown {
  const response = result.completion.successful?.commands?.[0]?.respondToQuery?.succeeded?.response;
  if (!response) throw new Error(`the query was not answered: ${JSON.stringify(result.completion)}`);
  return defaultPayloadConverter.fromPayload(response);
}

type ManagerOptions = { isolateExecutionTimeoutMs?: number; showStackTraceSources?: boolean; reuseV8Context?: boolean };

describe.each([false, true])('WorkflowIsolateManager (reuseV8Context: %p)', (reuseV8Context) => {
  async function newManager(options: ManagerOptions = {}) {
    const logger = new RecordingLogger();
    return { logger, manager: await WorkflowIsolateManager.create({ bundle, logger, reuseV8Context, ...options }) };
  }

  test('the activation that initializes a run creates its sandbox and returns the workflow’s first commands', async () => {
    const { manager } = await newManager();
    const runId = randomUUID();
    const result = await manager.activate(startActivation(runId, 'drawsRandoms'), placement);
    expect(
      result.completion.successful?.commands?.map((command) =>
        Object.keys(command).filter((key) => (command as any)[key] != null),
      ),
    ).toEqual([['startTimer']]);
    expect(manager.cachedRunCount).toBe(1);
    // Built by the worker from the same activation as the sandbox's (identity, placement, times).
    expect(manager.workflowInfo(runId)).toMatchObject({
      workflowType: 'drawsRandoms',
      workflowId: `drawsRandoms-${runId}`,
      runId,
      firstExecutionRunId: runId,
      taskQueue: 'unit',
      namespace: 'default',
      attempt: 1,
      startTime: new Date(START_SECONDS * 1000),
      runStartTime: new Date(START_SECONDS * 1000),
      taskTimeoutMs: 10_000,
      historyLength: 3,
    });
  });

  test('a sink call’s values reach the worker as data: getters read inside the sandbox, a throwing one left out', async () => {
    const { manager } = await newManager();
    const result = await manager.activate(startActivation(randomUUID(), 'sinksValuesWithAccessors'), placement);
    expect(commandsOf(result).map((command) => Object.keys(command))).toEqual([['startTimer']]);
    const calls = result.sinkCalls.filter((call) => call.ifaceName === 'probe');
    expect(calls.map((call) => call.fnName)).toEqual(['record']);
    const value = calls[0]!.args[0] as Record<string, unknown>;
    expect(value).toEqual({
      plain: 'data',
      computed: 'from a getter',
      point: { x: 2, own: 'own getter' },
      proxied: { a: 'trapped' },
    });
    // The worker's own objects, with nothing left to run: every property is a data property.
    for (const object of [value, value.point, value.proxied] as object[]) {
      expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
      for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(object)))
        expect('value' in descriptor).toBe(true);
    }
  });

  test('the workflow logger’s calls the worker would drop stay in the sandbox; the rest, and other sinks’, come out', async () => {
    const { manager } = await newManager();
    const loggerCalls = (result: WorkflowActivationResult) =>
      result.sinkCalls
        .filter((call) => call.ifaceName === '__temporal_logger')
        .map((call) => `${call.fnName}: ${call.args[0]}`);
    const all = await manager.activate(startActivation(randomUUID(), 'logsAtEachLevel'), placement);
    expect(loggerCalls(all)).toEqual([
      'debug: Workflow started',
      'trace: at trace',
      'debug: at debug',
      'info: at info',
      'warn: at warn',
      'error: at error',
    ]);
    const silenced = await manager.activate(startActivation(randomUUID(), 'logsAtEachLevel'), placement, {
      silencedLogCalls: ['trace', 'debug'],
    });
    expect(loggerCalls(silenced)).toEqual(['info: at info', 'warn: at warn', 'error: at error']);
    expect(commandsOf(silenced).map((command) => Object.keys(command))).toEqual([['startTimer']]);
    const probe = await manager.activate(startActivation(randomUUID(), 'sinksValuesWithAccessors'), placement, {
      silencedLogCalls: ['trace', 'debug', 'info', 'warn', 'error', 'record'],
    });
    expect(probe.sinkCalls.map((call) => `${call.ifaceName}.${call.fnName}`)).toEqual(['probe.record']);
  });

  test('microtasks settle inside the sandbox call (microtaskMode afterEvaluate): work after 100 awaits lands in the same activation', async () => {
    const { manager } = await newManager();
    const result = await manager.activate(startActivation(randomUUID(), 'awaitsMicrotasks'), placement);
    expect(result.completion.successful?.commands?.[0]?.startTimer).toBeTruthy();
  });

  test('Date.now() inside the workflow is the activation’s timestamp', async () => {
    const { manager } = await newManager();
    const result = await manager.activate(startActivation(randomUUID(), 'returnsNow'), placement);
    const complete = result.completion.successful?.commands?.[0]?.completeWorkflowExecution;
    expect(defaultPayloadConverter.fromPayload(complete!.result!)).toBe(START_SECONDS * 1000);
  });

  test('the same randomness seed draws the same Math.random() values in two sandboxes; another seed does not', async () => {
    const { manager } = await newManager();
    const draws = async (seed: number) => {
      const runId = randomUUID();
      await manager.activate(startActivation(runId, 'drawsRandoms', seed), placement);
      const answer = await manager.activate(queryActivation(runId, 'randoms'), placement);
      const response = answer.completion.successful?.commands?.[0]?.respondToQuery?.succeeded?.response;
      return defaultPayloadConverter.fromPayload(response!) as number[];
    };
    const first = await draws(7);
    expect(await draws(7)).toEqual(first);
    expect(await draws(8)).not.toEqual(first);
  });

  test('a query-only activation is answered without new commands for the workflow', async () => {
    const { manager } = await newManager();
    const runId = randomUUID();
    await manager.activate(startActivation(runId, 'drawsRandoms'), placement);
    const answer = await manager.activate(queryActivation(runId, 'randoms'), placement);
    const commands = answer.completion.successful?.commands ?? [];
    expect(commands).toHaveLength(1);
    expect(commands[0]?.respondToQuery?.queryId).toBe('q1');
  });

  test('__enhanced_stack_trace includes the workflow’s source when showStackTraceSources is set', async () => {
    const { manager } = await newManager({ showStackTraceSources: true });
    const runId = randomUUID();
    await manager.activate(startActivation(runId, 'drawsRandoms'), placement);
    const answer = await manager.activate(queryActivation(runId, '__enhanced_stack_trace'), placement);
    const response = answer.completion.successful?.commands?.[0]?.respondToQuery?.succeeded?.response;
    const trace = defaultPayloadConverter.fromPayload(response!) as {
      stacks: { locations: { file_path?: string; function_name?: string }[] }[];
      sources: Record<string, { content: string }[]>;
    };
    const fixturePath = resolve(import.meta.dir, 'fixtures/sandbox-workflows.ts');
    const locations = trace.stacks.flatMap((stack) => stack.locations);
    expect(
      locations.some((location) => location.file_path === fixturePath && location.function_name === 'drawsRandoms'),
    ).toBe(true);
    expect(trace.sources[fixturePath]?.[0]?.content).toContain('export async function drawsRandoms()');
  });

  test('without showStackTraceSources, __enhanced_stack_trace still maps frames to the sources but carries no source text', async () => {
    const { manager } = await newManager();
    const runId = randomUUID();
    await manager.activate(startActivation(runId, 'drawsRandoms'), placement);
    const answer = await manager.activate(queryActivation(runId, '__enhanced_stack_trace'), placement);
    const response = answer.completion.successful?.commands?.[0]?.respondToQuery?.succeeded?.response;
    const trace = defaultPayloadConverter.fromPayload(response!) as {
      stacks: { locations: { file_path?: string; function_name?: string; line?: number }[] }[];
      sources: Record<string, unknown>;
    };
    const fixturePath = resolve(import.meta.dir, 'fixtures/sandbox-workflows.ts');
    const frame = trace.stacks
      .flatMap((stack) => stack.locations)
      .find((location) => location.file_path === fixturePath && location.function_name === 'drawsRandoms');
    expect(frame?.line).toBeGreaterThan(0);
    expect(trace.sources).toEqual({});
  });

  test('an eviction disposes the run and completes with an empty successful completion', async () => {
    const { manager } = await newManager();
    const runId = randomUUID();
    await manager.activate(startActivation(runId, 'drawsRandoms'), placement);
    const result = await manager.activate(
      activation(runId, [
        {
          removeFromCache: {
            message: 'test',
            reason: coresdk.workflow_activation.RemoveFromCache.EvictionReason.LANG_REQUESTED,
          },
        },
      ]),
      placement,
    );
    expect(result.evicted).toBe(true);
    expect(result.completion).toEqual({ runId, successful: {} });
    expect(manager.cachedRunCount).toBe(0);
    // Evicting a run that is not cached is also acknowledged.
    const again = await manager.activate(activation(runId, [{ removeFromCache: { message: 'again' } }]), placement);
    expect(again.completion).toEqual({ runId, successful: {} });
  });

  test('an activation for a run that is neither cached nor starting fails the workflow task', async () => {
    const { manager } = await newManager();
    const result = await manager.activate(activation(randomUUID(), [{ fireTimer: { seq: 1 } }], 1), placement);
    expect(result.completion.failed?.failure?.message).toContain('has no initializeWorkflow job');
  });

  test('a plain Error thrown after a microtask turn fails the workflow task, whether or not a condition waits', async () => {
    // The error is captured while the sandbox settles its microtasks; without a waiting condition
    // no tryUnblockConditions call rethrows it, so the manager must.
    const { manager } = await newManager();
    const alone = await manager.activate(startActivation(randomUUID(), 'throwsLater'), placement);
    expect(alone.completion.failed?.failure?.message).toBe('thrown after a microtask turn');
    const waiting = await manager.activate(startActivation(randomUUID(), 'throwsLaterWhileWaiting'), placement);
    expect(waiting.completion.failed?.failure?.message).toBe('thrown after a microtask turn while a condition waits');
  });

  test('an unknown workflow type fails the workflow task with a message naming it', async () => {
    const { manager } = await newManager();
    const result = await manager.activate(startActivation(randomUUID(), 'noSuchWorkflow'), placement);
    expect(result.completion.failed?.failure?.message).toContain("'noSuchWorkflow'");
    expect(manager.cachedRunCount).toBe(0);
  });

  test('workflow code that never yields fails its task with a deadlock error instead of hanging the worker', async () => {
    const { manager } = await newManager({ isolateExecutionTimeoutMs: 200 });
    const result = await manager.activate(startActivation(randomUUID(), 'spinsForever'), placement);
    expect(result.completion.failed?.failure?.message).toContain('Potential deadlock detected');
  });

  /** The probe's two failure messages (`null`: that activation succeeded), from a child `bun run`. */
  async function probeUnhandledRejection(workflowType: string) {
    // In a child `bun run`: under `bun test`, unhandled rejections never reach process listeners.
    const probeArgs = [process.execPath, 'run', resolve(import.meta.dir, 'fixtures/unhandled-rejection-probe.ts')];
    const args = [...probeArgs, '--workflow', workflowType, ...(reuseV8Context ? ['--reuse-v8-context'] : [])];
    const probe = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' });
    const [output, errors, exitCode] = await Promise.all([
      new Response(probe.stdout).text(),
      new Response(probe.stderr).text(),
      probe.exited,
    ]);
    expect(errors).toBe('');
    expect(exitCode).toBe(0);
    return JSON.parse(output.trim().split('\n').at(-1)!) as { failure: string | null; bystander: string | null };
  }

  test('an unhandled promise rejection in workflow code fails the workflow task', async () => {
    const { failure, bystander } = await probeUnhandledRejection('forgetsARejection');
    expect(failure).toBe('Unhandled promise rejection in workflow code: nobody handles this rejection');
    // A run activated at the same time is not blamed for it.
    expect(bystander).toBeNull();
  });

  test('a rejected promise whose Promise.prototype.constructor was replaced is still its run’s, not the worker’s', async () => {
    // Routed by the promise's realm, not by a property workflow code can change: the worker process
    // does not take it for its own unhandled rejection (which is fatal).
    const { failure, bystander } = await probeUnhandledRejection('rejectsBehindAnotherConstructor');
    expect(failure).toBe('Unhandled promise rejection in workflow code: nobody handles this rejection either');
    expect(bystander).toBeNull();
  });
});

describe.each([false, true])('isolation between runs (reuseV8Context: %p)', (reuseV8Context) => {
  async function newManager(options: { isolateExecutionTimeoutMs?: number } = {}) {
    const logger = new RecordingLogger();
    return {
      logger,
      manager: await WorkflowIsolateManager.create({ bundle: isolationBundle, logger, reuseV8Context, ...options }),
    };
  }

  async function view(manager: WorkflowIsolateManager, runId: string): Promise<IsolationView> {
    return queryAnswer(await manager.activate(queryActivation(runId, 'view'), placement)) as IsolationView;
  }

  const untouched = { startedRunsAtStart: 0, globalTagAtStart: null, mathLeakAtStart: null, startedRunsNow: 1 };

  test('two runs side by side each see only their own module state, globals and writes to built-ins', async () => {
    const { manager } = await newManager();
    const [first, second] = [randomUUID(), randomUUID()];
    await manager.activate(startActivation(first, 'leavesTraces', 1, ['first']), placement);
    await manager.activate(startActivation(second, 'leavesTraces', 2, ['second']), placement);
    const mathWrite = reuseV8Context ? 'refused' : 'accepted';
    expect(await view(manager, first)).toMatchObject({
      ...untouched,
      globalTagNow: 'first',
      mathLeakNow: reuseV8Context ? null : 'first',
      mathWrite,
    });
    expect(await view(manager, second)).toMatchObject({
      ...untouched,
      globalTagNow: 'second',
      mathLeakNow: reuseV8Context ? null : 'second',
      mathWrite,
    });
    // And again after each has run code while the other was installed.
    const finished = commandsOf(await manager.activate(signalActivation(first, 'release'), placement));
    const result = finished[0]?.completeWorkflowExecution as { result: Payload } | undefined;
    expect(defaultPayloadConverter.fromPayload(result!.result)).toMatchObject({ ...untouched, globalTagNow: 'first' });
    expect(await view(manager, second)).toMatchObject({ ...untouched, globalTagNow: 'second' });
  });

  test('an evicted run leaves nothing behind: the next run, and the same run replayed, start from scratch', async () => {
    const { manager } = await newManager();
    const runId = randomUUID();
    await manager.activate(startActivation(runId, 'leavesTraces', 1, ['evicted']), placement);
    await manager.activate(evictActivation(runId), placement);
    const next = randomUUID();
    await manager.activate(startActivation(next, 'leavesTraces', 1, ['next']), placement);
    expect(await view(manager, next)).toMatchObject({ ...untouched, globalTagNow: 'next' });
    await manager.activate(startActivation(runId, 'leavesTraces', 1, ['evicted']), placement);
    expect(await view(manager, runId)).toMatchObject({ ...untouched, globalTagNow: 'evicted' });
  });

  test('setTimeout timers of two runs do not interfere, although both runs number theirs from 1', async () => {
    const { manager } = await newManager();
    const [cancelling, waiting] = [randomUUID(), randomUUID()];
    expect(commandsOf(await manager.activate(startActivation(cancelling, 'usesSetTimeout'), placement))).toMatchObject([
      { startTimer: { seq: 1 } },
    ]);
    expect(commandsOf(await manager.activate(startActivation(waiting, 'usesSetTimeout'), placement))).toMatchObject([
      { startTimer: { seq: 1 } },
    ]);
    // Clearing its timer cancels its own timer 1, not the other run's.
    expect(commandsOf(await manager.activate(signalActivation(cancelling, 'cancel'), placement))).toMatchObject([
      { cancelTimer: { seq: 1 } },
      { startTimer: { seq: 2 } },
    ]);
    const fired = commandsOf(await manager.activate(activation(waiting, [{ fireTimer: { seq: 1 } }], 1), placement));
    const completion = fired[0]?.completeWorkflowExecution as { result: Payload } | undefined;
    expect(defaultPayloadConverter.fromPayload(completion!.result)).toBe('fired');
  });

  test('console output of runs activated together is attributed to the run that wrote it', async () => {
    const { manager, logger } = await newManager();
    const [first, second] = [randomUUID(), randomUUID()];
    await Promise.all([
      manager.activate(startActivation(first, 'logsItsTag', 1, ['first']), placement),
      manager.activate(startActivation(second, 'logsItsTag', 1, ['second']), placement),
    ]);
    const lines = logger.records.filter((record) => record.message.startsWith('hello from'));
    expect(lines.map((record) => [record.message, record.meta?.runId])).toEqual([
      ['hello from first', first],
      ['hello from second', second],
    ]);
  });

  test('symbol-keyed, numeric, non-enumerable and deleted globals, changed attributes and a replaced global prototype stay with their run', async () => {
    const { manager } = await newManager();
    const [changing, before, after] = [randomUUID(), randomUUID(), randomUUID()];
    const globalObject = async (runId: string) =>
      queryAnswer(await manager.activate(queryActivation(runId, 'globalObject'), placement));
    const pristine = {
      symbolGlobal: null,
      numericGlobal: null,
      hiddenGlobal: null,
      inherited: null,
      escapeType: 'function',
      jsonWritable: true,
    };
    await manager.activate(startActivation(before, 'changesGlobalObject', 1, [false]), placement);
    await manager.activate(startActivation(changing, 'changesGlobalObject', 1, [true]), placement);
    await manager.activate(startActivation(after, 'changesGlobalObject', 1, [false]), placement);
    expect(await globalObject(before)).toEqual(pristine);
    expect(await globalObject(changing)).toEqual({
      symbolGlobal: 'symbol',
      numericGlobal: 'numeric',
      hiddenGlobal: 'hidden',
      inherited: 'inherited',
      escapeType: 'undefined',
      jsonWritable: false,
    });
    expect(await globalObject(after)).toEqual(pristine);
    expect(await globalObject(changing)).toMatchObject({ jsonWritable: false, inherited: 'inherited' });
    expect(await globalObject(before)).toEqual(pristine);
  });

  test('a global defined as non-configurable is not seen by another run', async () => {
    const { manager } = await newManager();
    const [defining, other] = [randomUUID(), randomUUID()];
    commandsOf(await manager.activate(startActivation(defining, 'definesPermanentGlobal'), placement));
    await manager.activate(startActivation(other, 'leavesTraces', 1, ['other']), placement);
    expect(await view(manager, other)).toMatchObject({ ...untouched, permanentGlobalSeen: false });
  });

  test('after a run deadlocks, the other runs keep their state and new runs start', async () => {
    const { manager } = await newManager({ isolateExecutionTimeoutMs: 200 });
    const before = randomUUID();
    await manager.activate(startActivation(before, 'leavesTraces', 1, ['before']), placement);
    const deadlocked = await manager.activate(startActivation(randomUUID(), 'spinsAfterAwait'), placement);
    expect(deadlocked.completion.failed?.failure?.message).toContain('Potential deadlock detected');
    expect(await view(manager, before)).toMatchObject({ ...untouched, globalTagNow: 'before' });
    const after = randomUUID();
    await manager.activate(startActivation(after, 'leavesTraces', 1, ['after']), placement);
    expect(await view(manager, after)).toMatchObject({ ...untouched, globalTagNow: 'after' });
  });
});

describe('WorkflowIsolateManager with reuseV8Context and a bundle it cannot split', () => {
  test('runs one context per run and warns', async () => {
    const logger = new RecordingLogger();
    const { code, sourceMap, filename } = bundle;
    const manager = await WorkflowIsolateManager.create({
      bundle: { code, sourceMap, filename },
      logger,
      reuseV8Context: true,
    });
    const warning = logger.records.find((record) => record.level === 'WARN');
    expect(warning?.message).toContain('running one context per workflow run instead');
    const result = await manager.activate(startActivation(randomUUID(), 'returnsNow'), placement);
    expect(commandsOf(result)[0]?.completeWorkflowExecution).toBeDefined();
  });
});
