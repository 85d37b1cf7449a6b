/**
 * What createWorker gives activities beyond their function: `Context.current().client` over the
 * worker's connection (with its namespace, identity and data converter), and `abandonAfterCancelTime`
 * for activities that ignore their cancellation. Against a real dev server.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { createWorker, WORKER_DEFAULTS, WorkerOptionsError, type WorkerMetricEvent } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { TestClient } from '../helpers/test-client';
import { REVERSED_ENCODING, ReversingCodec } from './fixtures/reversing-codec';

const EventType = temporal.api.enums.v1.EventType;
const workflowsPath = resolve(import.meta.dir, 'fixtures/activity-context-workflows.ts');
const env = useServerConnection();

const encodingOf = (payload: temporal.api.common.v1.IPayload | null | undefined) =>
  new TextDecoder().decode(payload?.metadata?.encoding ?? new Uint8Array());

async function until(condition: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe('Context.current().client', () => {
  test("is a client over the worker's connection, namespace, identity and data converter: an activity signals and describes its own workflow", async () => {
    const taskQueue = `activity-client-${randomUUID()}`;
    const identity = `activity-client-test-${randomUUID()}`;
    const dataConverter = { payloadCodecs: [new ReversingCodec()] };
    const client = new TestClient(env.connection.client, env.server.namespace, loadDataConverter(dataConverter));
    const worker = await createWorker({
      connection: env.connection,
      namespace: env.server.namespace,
      taskQueue,
      identity,
      workflowsPath,
      dataConverter,
      logger: new RecordingLogger(),
      activities: {
        async signalOwnWorkflow(text: string) {
          const { client: activityClient, info } = Context.current();
          if (info.workflowExecution === undefined) throw new Error('the activity was not scheduled by a workflow');
          const handle = activityClient.workflow.getHandle(info.workflowExecution.workflowId);
          await handle.signal('fromActivity', text.toUpperCase());
          const description = await handle.describe();
          return {
            status: description.status.name,
            workflowType: description.type,
            namespace: activityClient.options.namespace,
          };
        },
      },
    });
    const { result, history } = await worker.runUntil(async () => {
      const run = await client.start('clientFromActivityWorkflow', { taskQueue, args: ['hello'] });
      return { result: await client.result(run), history: await client.history(run) };
    });

    expect(result).toEqual({
      received: 'HELLO',
      described: { status: 'RUNNING', workflowType: 'clientFromActivityWorkflow', namespace: env.server.namespace },
    });
    const signaled = history.events.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    );
    // Sent with the worker's identity, and encoded by the worker's payload codec.
    expect(signaled?.workflowExecutionSignaledEventAttributes?.identity).toBe(identity);
    expect(encodingOf(signaled?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0])).toBe(
      REVERSED_ENCODING,
    );
  });
});

describe('abandonAfterCancelTime', () => {
  test('an activity that ignores its cancellation is abandoned after that time: its task is completed and the worker stops without it', async () => {
    const taskQueue = `abandon-${randomUUID()}`;
    const logger = new RecordingLogger();
    const events: WorkerMetricEvent[] = [];
    const cancellations: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let returned = false;
    const worker = await createWorker({
      connection: env.connection,
      namespace: env.server.namespace,
      taskQueue,
      workflowsPath,
      abandonAfterCancelTime: '250ms',
      logger,
      metrics: { onEvent: (event) => events.push(event) },
      activities: {
        async ignoreCancellation() {
          const { cancellationSignal } = Context.current();
          cancellationSignal.addEventListener('abort', () => {
            cancellations.push((cancellationSignal.reason as Error).message);
          });
          await released; // ignores the cancellation
          returned = true;
          return 'finished';
        },
      },
    });
    const running = worker.run();
    try {
      await env.client.start('ignoreCancellationWorkflow', { taskQueue });
      await until(
        () => events.some((event) => event.type === 'activityTask' && event.phase === 'started'),
        'the activity to start',
      );
      worker.shutdown(0); // cancels the activity with reason WORKER_SHUTDOWN

      await running; // ends although the activity never returns
      expect(worker.getState()).toBe('STOPPED');
      expect(returned).toBe(false);
      expect(cancellations).toEqual(['worker shutdown']);
      const abandoned = logger.records.filter(
        (record) => record.message === 'Activity ignored its cancellation; its task was completed without it',
      );
      expect(abandoned).toHaveLength(1);
      expect(abandoned[0]?.meta).toMatchObject({ reason: 'WORKER_SHUTDOWN', abandonAfterCancelMs: 250 });
      // A task cancelled by the worker's shutdown is reported as a retryable failure, for another worker to retry.
      expect(worker.getMetrics().activityTasks).toMatchObject({ started: 1, failed: 1, cancelled: 0, completed: 0 });
    } finally {
      release();
    }
  });

  test('is a duration (milliseconds or a string), zero or more, at most 2^31 − 1 ms; default 2 s', async () => {
    expect(WORKER_DEFAULTS.abandonAfterCancelTimeMs).toBe(2_000);
    const base = { connection: env.connection, taskQueue: `abandon-options-${randomUUID()}`, activities: {} };
    for (const [value, problem] of [
      [-1, 'must be a non-negative duration, got -1'],
      ['soon', 'is not a duration'],
      [2 ** 31, 'must be at most 2147483647 ms'],
    ] as const) {
      const error = await createWorker({ ...base, abandonAfterCancelTime: value }).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(WorkerOptionsError);
      expect((error as WorkerOptionsError).option).toBe('abandonAfterCancelTime');
      expect((error as WorkerOptionsError).message).toContain(problem);
    }
  });
});
