/**
 * Replay checks determinism in the sandbox layout the worker runs: `runReplayHistory` takes the
 * worker's `reuseV8Context` (and its default). Histories recorded by a worker in each layout replay
 * in both layouts, so a history from production replays whichever way it was recorded.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createWorker } from '../../src/worker';
import { runReplayHistory } from '../../src/worker/replay';
import type { InjectedSinks } from '../../src/workflow/sinks';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { TestClient } from '../helpers/test-client';
import type { RecorderSinks } from './fixtures/workflows';

const workflowsPath = resolve(import.meta.dir, 'fixtures/workflows.ts');
const env = useServerConnection();
const sinks: InjectedSinks<RecorderSinks> = {
  recorder: { event: { fn: () => undefined }, values: { fn: () => undefined } },
};

/** Workflows with timers, a signal, random values, sinks and child workflows, run by a worker in `reuseV8Context` mode. */
async function recordHistories(
  reuseV8Context: boolean,
): Promise<{ workflowId: string; history: temporal.api.history.v1.History }[]> {
  const client = new TestClient(env.connection.client, env.server.namespace);
  const taskQueue = `replay-modes-${randomUUID()}`;
  const worker = await createWorker({
    connection: env.connection,
    taskQueue,
    workflowsPath,
    reuseV8Context,
    sinks: sinks as InjectedSinks,
    logger: new RecordingLogger(),
  });
  return worker.runUntil(async () => {
    const values = await client.start('deterministicValues', { taskQueue });
    await client.signal(values, 'approve', 'replay-modes');
    const parent = await client.start('parentWorkflow', { taskQueue, args: ['modes'] });
    const target = await client.start('replayTarget', { taskQueue, args: ['modes'] });
    const runs = [values, parent, target];
    for (const run of runs) await client.result(run);
    return Promise.all(runs.map(async (run) => ({ workflowId: run.workflowId, history: await client.history(run) })));
  });
}

describe('replay in the worker’s sandbox layout', () => {
  test('histories recorded in each layout replay in both', async () => {
    const recorded = { shared: await recordHistories(true), perRun: await recordHistories(false) };
    const replays: string[] = [];
    for (const [recordedIn, histories] of Object.entries(recorded)) {
      for (const reuseV8Context of [true, false]) {
        for (const { workflowId, history } of histories) {
          await runReplayHistory({ workflowsPath, reuseV8Context, sinks: sinks as InjectedSinks }, history, workflowId);
          replays.push(`${recordedIn} -> ${reuseV8Context ? 'shared' : 'perRun'}`);
        }
      }
    }
    expect(replays).toHaveLength(12);
    // And in both layouts the replayer sees a change: replayTarget against a copy that no longer sleeps first.
    const changedPath = resolve(import.meta.dir, 'fixtures/changed-workflows.ts');
    for (const reuseV8Context of [true, false]) {
      for (const histories of [recorded.shared, recorded.perRun]) {
        const { workflowId, history } = histories[2]!;
        await expect(
          runReplayHistory({ workflowsPath: changedPath, reuseV8Context }, history, workflowId),
        ).rejects.toBeInstanceOf(DeterminismViolationError);
      }
    }
  });
});
