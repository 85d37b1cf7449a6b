/**
 * Replay: histories recorded on a real dev server, replayed through sdk-core's replayer and this
 * SDK's workflow sandbox — against the code that produced them, a changed copy, and a buggy copy.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { resolve } from 'node:path';
import { ReplayError, runReplayHistories, runReplayHistory } from '../../src/worker/replay';
import type { WorkflowBundle } from '../../src/workflow/bundler';
import type { InjectedSinks } from '../../src/workflow/sinks';
import type { RecorderSinks } from './fixtures/workflows';
import { WorkflowTestHarness, bundleFixture, type TestWorker } from './harness';

setDefaultTimeout(30_000);

const fixtures = resolve(import.meta.dir, 'fixtures');
const workflowsPath = resolve(fixtures, 'workflows.ts');

let harness: WorkflowTestHarness;
let worker: TestWorker;
let bundle: WorkflowBundle;
/** `replayTarget` run to completion. */
let recorded: { workflowId: string; history: temporal.api.history.v1.History };
/** `deterministicValues` run to completion (it calls sinks). */
let recordedWithSinks: { workflowId: string; history: temporal.api.history.v1.History };

beforeAll(async () => {
  harness = await WorkflowTestHarness.start();
  bundle = await bundleFixture(workflowsPath);
  const noSinks: InjectedSinks<RecorderSinks> = {
    recorder: { event: { fn: () => undefined }, values: { fn: () => undefined } },
  };
  worker = await harness.startWorker({ bundle, sinks: noSinks as InjectedSinks });

  const target = await harness.startWorkflow(worker.taskQueue, 'replayTarget', ['Bun']);
  const withSinks = await harness.startWorkflow(worker.taskQueue, 'deterministicValues');
  await harness.waitForEvent(withSinks.workflowId, temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_FIRED);
  await harness.signal(withSinks.workflowId, 'approve', ['replay-test']);
  expect(await harness.outcome(target.workflowId)).toMatchObject({ status: 'completed', result: 'Hello, Bun' });
  expect((await harness.outcome(withSinks.workflowId)).status).toBe('completed');
  recorded = { workflowId: target.workflowId, history: await harness.history(target.workflowId) };
  recordedWithSinks = { workflowId: withSinks.workflowId, history: await harness.history(withSinks.workflowId) };
  await worker.shutdown();
});

afterAll(async () => {
  await harness?.close();
});

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the replay to fail, but it passed');
}

describe('replay', () => {
  test('a recorded history replays cleanly against the code that produced it', async () => {
    await runReplayHistory({ bundle, runtime: harness.runtime }, recorded.history, recorded.workflowId);
  });

  test('a history is accepted as protobuf bytes and as the JSON `temporal workflow show --output json` prints', async () => {
    const bytes = temporal.api.history.v1.History.encode(recorded.history).finish();
    await runReplayHistory({ bundle, runtime: harness.runtime }, bytes);

    const show = Bun.spawn(
      [
        resolve(import.meta.dir, '../../../../.tools/venv/bin/temporal'),
        'workflow',
        'show',
        '--workflow-id',
        recorded.workflowId,
        '--output',
        'json',
        '--address',
        harness.server.address,
        '--namespace',
        harness.namespace,
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    );
    const json = await new Response(show.stdout).text();
    expect(await show.exited).toBe(0);
    // As a string and parsed; the workflowsPath form bundles the file itself.
    await runReplayHistory({ workflowsPath, runtime: harness.runtime }, json, recorded.workflowId);
    await runReplayHistory({ bundle, runtime: harness.runtime }, JSON.parse(json) as { events: unknown[] });
  });

  test('a changed copy of the workflow is reported as a DeterminismViolationError with core’s message', async () => {
    const changed = await bundleFixture(resolve(fixtures, 'changed-workflows.ts'));
    const error = await rejectionOf(runReplayHistory({ bundle: changed, runtime: harness.runtime }, recorded.history));
    console.log(`non-determinism reported as: ${error.message}`);
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect(error.message).toContain('Nondeterminism');
  });

  test('a copy whose workflow task throws is reported as a ReplayError', async () => {
    const failing = await bundleFixture(resolve(fixtures, 'failing-workflows.ts'));
    const error = await rejectionOf(runReplayHistory({ bundle: failing, runtime: harness.runtime }, recorded.history));
    console.log(`workflow task failure reported as: ${error.message}`);
    expect(error).toBeInstanceOf(ReplayError);
    expect(error.message).toContain('a bug introduced after Bun');
  });

  test('runReplayHistories yields one result per history, failures included, on one replayer', async () => {
    const changed = await bundleFixture(resolve(fixtures, 'changed-workflows.ts'));
    const results = [];
    for await (const result of runReplayHistories({ bundle: changed, runtime: harness.runtime }, [
      { history: recorded.history, workflowId: 'first' },
      { history: recordedWithSinks.history, workflowId: 'second' },
    ])) {
      results.push(result);
    }
    expect(results.map((result) => result.workflowId)).toEqual(['first', 'second']);
    expect(results[0]!.error).toBeInstanceOf(DeterminismViolationError);
    // `deterministicValues` is the same in both files? No: it does not exist in the changed copy.
    expect(results[1]!.error).toBeInstanceOf(ReplayError);
    expect(results[1]!.error!.message).toContain('deterministicValues');
  });

  test('during replay only sinks marked callDuringReplay are called', async () => {
    const calls: string[] = [];
    const sinks: InjectedSinks<RecorderSinks> = {
      recorder: {
        event: { fn: (_info, name) => void calls.push(`event:${name}`) },
        values: {
          fn: (info) => void calls.push(`values:replaying=${info.unsafe.isReplaying}`),
          callDuringReplay: true,
        },
      },
    };
    await runReplayHistory(
      { bundle, runtime: harness.runtime, sinks: sinks as InjectedSinks },
      recordedWithSinks.history,
    );
    expect(calls).toEqual(['values:replaying=true']);
  });
});
