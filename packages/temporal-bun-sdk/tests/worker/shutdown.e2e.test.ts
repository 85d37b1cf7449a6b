/**
 * Shutdown with an activity in flight: graceful lets it finish within the grace time; immediate
 * cancels it with reason "worker shutdown", and the server retries it on another worker, so no
 * task is lost either way.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { NativeWorker } from '../../src/native';
import { createWorker, type Worker, type WorkerMetricEvent } from '../../src/worker';
import { nativeWorkerOptions } from '../helpers/native-worker-options';
import { useServerConnection } from '../helpers/server-connection';
import { RecordingLogger } from '../helpers/recording-logger';

const workflowsPath = resolve(import.meta.dir, 'fixtures/shutdown-workflows.ts');
const silentLogger = new RecordingLogger();

const env = useServerConnection();

/** Activities that say which worker ran them and record how they were cancelled. */
function activitiesFor(workerName: string, cancellations: string[]) {
  return {
    async slowActivity(durationMs: number): Promise<string> {
      try {
        await Context.current().sleep(durationMs);
      } catch (error) {
        if (error instanceof CancelledFailure) cancellations.push(`${workerName}: ${error.message}`);
        throw error;
      }
      return `${workerName} finished after ${durationMs} ms`;
    },
  };
}

async function startWorker(
  name: string,
  taskQueue: string,
  cancellations: string[],
  extra: { shutdownGraceTime?: string } = {},
) {
  const events: WorkerMetricEvent[] = [];
  const worker: Worker = await createWorker({
    connection: env.connection,
    taskQueue,
    workflowsPath,
    activities: activitiesFor(name, cancellations),
    stickyQueueScheduleToStartTimeout: '1s',
    logger: silentLogger,
    metrics: { onEvent: (event) => events.push(event) },
    ...extra,
  });
  const running = worker.run();
  const activityStarted = async () => {
    const deadline = Date.now() + 15_000;
    while (!events.some((event) => event.type === 'activityTask' && event.phase === 'started')) {
      if (Date.now() > deadline) throw new Error(`${name}: no activity started`);
      await Bun.sleep(20);
    }
  };
  return { worker, running, activityStarted };
}

describe('worker shutdown', () => {
  test('graceful: an in-flight activity finishes within the grace time before the worker stops', async () => {
    const taskQueue = `graceful-${randomUUID()}`;
    const cancellations: string[] = [];
    const first = await startWorker('first', taskQueue, cancellations, { shutdownGraceTime: '10s' });
    const run = await env.client.start('slowActivityWorkflow', { taskQueue, args: [600] });
    await first.activityStarted();

    first.worker.shutdown();
    expect(first.worker.getState()).toBe('SHUTTING_DOWN');
    await first.running;
    expect(first.worker.getState()).toBe('STOPPED');
    expect(first.worker.getMetrics().activityTasks).toMatchObject({
      started: 1,
      completed: 1,
      cancelled: 0,
      failed: 0,
    });
    expect(cancellations).toEqual([]);

    // The workflow's last task is picked up by the next worker; the activity result came from the first.
    const second = await startWorker('second', taskQueue, cancellations);
    expect(await env.client.result<string>(run)).toBe('first finished after 600 ms');
    second.worker.shutdown();
    await second.running;
  });

  test('immediate: an in-flight activity is cancelled with reason "worker shutdown" and retried on another worker', async () => {
    const taskQueue = `immediate-${randomUUID()}`;
    const cancellations: string[] = [];
    const first = await startWorker('first', taskQueue, cancellations, { shutdownGraceTime: '1m' });
    const run = await env.client.start('slowActivityWorkflow', { taskQueue, args: [3_000] });
    await first.activityStarted();

    first.worker.shutdown(0);
    await first.running;
    // It did not wait for the 3 s activity: the activity was cancelled, and its task not completed.
    expect(cancellations).toEqual(['first: worker shutdown']);
    expect(first.worker.getMetrics().activityTasks.completed).toBe(0);

    const second = await startWorker('second', taskQueue, cancellations);
    expect(await env.client.result<string>(run)).toBe('second finished after 3000 ms');
    second.worker.shutdown();
    await second.running;
  });

  test('a graceful shutdown followed by an immediate one cancels at once', async () => {
    const taskQueue = `escalated-${randomUUID()}`;
    const cancellations: string[] = [];
    const first = await startWorker('first', taskQueue, cancellations, { shutdownGraceTime: '1m' });
    await env.client.start('slowActivityWorkflow', { taskQueue, args: [5_000] });
    await first.activityStarted();
    first.worker.shutdown();
    await Bun.sleep(100);
    expect(cancellations).toEqual([]);
    first.worker.shutdown(0);
    await first.running;
    expect(cancellations).toEqual(['first: worker shutdown']);
  });
});

/** Resolves once the worker is in `state`; fails after `deadlineMs` (a hang, not a slow answer). */
async function reachState(worker: Worker, state: ReturnType<Worker['getState']>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (worker.getState() !== state) {
    if (Date.now() > deadline) throw new Error(`the worker stayed ${worker.getState()}; expected ${state}`);
    await Bun.sleep(10);
  }
}

describe('shutdown of a worker that never ran', () => {
  test('createWorker then shutdown() without run() stops the worker, with workflows, activities or both', async () => {
    const kinds = [
      { workflowsPath, activities: activitiesFor('both', []) },
      { activities: activitiesFor('activities only', []) },
      { workflowsPath },
    ];
    for (const kind of kinds) {
      const worker = await createWorker({
        connection: env.connection,
        taskQueue: `never-ran-${randomUUID()}`,
        logger: silentLogger,
        ...kind,
      });
      worker.shutdown();
      await reachState(worker, 'STOPPED');
    }
  });

  test('finalize answers for a native worker that was never polled (the bridge polls each kind to SHUT_DOWN itself)', async () => {
    const native = NativeWorker.create(
      env.connection.runtime,
      env.connection.client,
      nativeWorkerOptions({ namespace: env.server.namespace, taskQueue: `never-polled-${randomUUID()}` }),
    );
    try {
      await native.validate();
      const answered = await Promise.race([
        native.finalizeShutdown().then(() => 'answered'),
        Bun.sleep(30_000).then(() => 'no answer in 30 s'),
      ]);
      expect(answered).toBe('answered');
    } finally {
      native.free();
    }
  });

  test('a process that created a worker and shut it down without running it exits by itself', async () => {
    const child = Bun.spawn(
      [
        process.execPath,
        resolve(import.meta.dir, 'fixtures/never-ran-worker.ts'),
        env.server.address,
        env.server.namespace,
      ],
      {
        stdout: 'pipe',
        stderr: 'pipe',
      },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    clearTimeout(timer);
    expect(`${stdout}${stderr}`).toBe('INITIALIZED\nSTOPPED\n');
    expect(code).toBe(0);
  });
});
