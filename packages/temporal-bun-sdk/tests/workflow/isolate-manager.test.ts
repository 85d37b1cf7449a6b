/**
 * WorkflowIsolateManager driven by hand-made activations (no server): the activation contract of
 * sdk-core — start, queries, eviction — and the failures that must become failed workflow tasks.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { coresdk } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { WorkflowIsolateManager } from '../../src/workflow/isolate-manager';
import type { WorkflowBundle } from '../../src/workflow/bundler';
import { RecordingLogger, bundleFixture } from './harness';

const placement = { namespace: 'default', taskQueue: 'unit' };
const START_SECONDS = 1_700_000_000;

let bundle: WorkflowBundle;
beforeAll(async () => {
  bundle = await bundleFixture(resolve(import.meta.dir, 'fixtures/sandbox-workflows.ts'));
});

function activation(runId: string, jobs: coresdk.workflow_activation.IWorkflowActivationJob[], secondsAfterStart = 0) {
  return coresdk.workflow_activation.WorkflowActivation.create({
    runId,
    timestamp: { seconds: Long.fromNumber(START_SECONDS + secondsAfterStart), nanos: 0 },
    isReplaying: false,
    historyLength: 3,
    jobs: jobs.map((job) => coresdk.workflow_activation.WorkflowActivationJob.create(job)),
  });
}

function startActivation(runId: string, workflowType: string, seed = 42) {
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
        arguments: [],
      },
    },
  ]);
}

function queryActivation(runId: string, queryType: string) {
  return activation(runId, [{ queryWorkflow: { queryId: 'q1', queryType, arguments: [] } }]);
}

async function newManager(options: { isolateExecutionTimeoutMs?: number; showStackTraceSources?: boolean } = {}) {
  const logger = new RecordingLogger();
  return { logger, manager: await WorkflowIsolateManager.create({ bundle, logger, ...options }) };
}

describe('WorkflowIsolateManager', () => {
  test('the activation that initializes a run creates its sandbox and returns the workflow’s first commands', async () => {
    const { manager } = await newManager();
    const runId = randomUUID();
    const result = await manager.activate(startActivation(runId, 'drawsRandoms'), placement);
    expect(result.completion.successful?.commands?.map((command) => Object.keys(command).filter((key) => (command as any)[key] != null))).toEqual([
      ['startTimer'],
    ]);
    expect(manager.cachedRunCount).toBe(1);
    expect(manager.workflowInfo(runId)).toMatchObject({ workflowType: 'drawsRandoms', taskQueue: 'unit', namespace: 'default' });
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
    expect(locations.some((location) => location.file_path === fixturePath && location.function_name === 'drawsRandoms')).toBe(true);
    expect(trace.sources[fixturePath]?.[0]?.content).toContain('export async function drawsRandoms()');
  });

  test('an eviction disposes the run and completes with an empty successful completion', async () => {
    const { manager } = await newManager();
    const runId = randomUUID();
    await manager.activate(startActivation(runId, 'drawsRandoms'), placement);
    const result = await manager.activate(
      activation(runId, [{ removeFromCache: { message: 'test', reason: coresdk.workflow_activation.RemoveFromCache.EvictionReason.LANG_REQUESTED } }]),
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

  test('an unknown workflow type fails the workflow task with a message naming it', async () => {
    const { manager } = await newManager();
    const result = await manager.activate(startActivation(randomUUID(), 'noSuchWorkflow'), placement);
    expect(result.completion.failed?.failure?.message).toContain("'noSuchWorkflow'");
    expect(manager.cachedRunCount).toBe(0);
  });

  test('workflow code that never yields fails its task with a deadlock error instead of hanging the worker', async () => {
    const { manager } = await newManager({ isolateExecutionTimeoutMs: 200 });
    const started = performance.now();
    const result = await manager.activate(startActivation(randomUUID(), 'spinsForever'), placement);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.completion.failed?.failure?.message).toContain('Potential deadlock detected');
  });

  test('an unhandled promise rejection in workflow code fails the workflow task', async () => {
    // In a child `bun run`: under `bun test`, unhandled rejections never reach process listeners.
    const probe = Bun.spawn([process.execPath, 'run', resolve(import.meta.dir, 'fixtures/unhandled-rejection-probe.ts')], {
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [output, errors, exitCode] = await Promise.all([new Response(probe.stdout).text(), new Response(probe.stderr).text(), probe.exited]);
    expect(errors).toBe('');
    expect(exitCode).toBe(0);
    const { failure } = JSON.parse(output.trim().split('\n').at(-1)!) as { failure: string | null };
    expect(failure).toBe('Unhandled promise rejection in workflow code: nobody handles this rejection');
  });
});
