/**
 * createWorker options beyond the basics, end to end: the data converter (a custom payload
 * converter, and a payload codec applied outside the sandbox), activity and workflow interceptors,
 * sinks, and the logger receiving worker and workflow records (sdk-core's: runtime.e2e.test.ts).
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import type { WorkflowInfo } from '@temporalio/workflow';
import { temporal } from '@temporalio/proto';
import { createWorker, type WorkerOptions } from '../../src/worker';
import { useServerConnection } from '../helpers/server-connection';
import { RecordingLogger } from '../helpers/recording-logger';
import { TestClient } from '../helpers/test-client';
import { REVERSED_ENCODING, ReversingCodec } from './fixtures/reversing-codec';

const fixtures = resolve(import.meta.dir, 'fixtures');
const workflowsPath = resolve(fixtures, 'feature-workflows.ts');
const EventType = temporal.api.enums.v1.EventType;
const shout = async (text: string) => text.toUpperCase();

const env = useServerConnection();

const encodingOf = (payload: temporal.api.common.v1.IPayload | null | undefined) =>
  new TextDecoder().decode(payload?.metadata?.['encoding'] ?? new Uint8Array());

/** Runs one workflow on a fresh worker and returns its result and history. */
async function runOnce(
  options: Omit<WorkerOptions, 'connection' | 'taskQueue'>,
  client: TestClient,
  workflowType: string,
  args: unknown[],
) {
  const taskQueue = `features-${randomUUID()}`;
  const worker = await createWorker({
    connection: env.connection,
    taskQueue,
    logger: new RecordingLogger(),
    ...options,
  });
  return await worker.runUntil(async () => {
    const run = await client.start(workflowType, { taskQueue, args });
    const result = await client.result<string>(run);
    return { result, history: await client.history(run) };
  });
}

describe('createWorker features', () => {
  test('a payload codec encodes everything the server stores, while workflows and activities see plain values', async () => {
    const dataConverter = { payloadCodecs: [new ReversingCodec()] };
    const client = new TestClient(env.connection.client, env.server.namespace, loadDataConverter(dataConverter));
    const { result, history } = await runOnce(
      { workflowsPath, activities: { shout }, dataConverter, sinks: { audit: { record: { fn: () => {} } } } },
      client,
      'featureWorkflow',
      ['quiet'],
    );
    expect(result).toBe('QUIET');
    const scheduled = history.events.find((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    const activityCompleted = history.events.find(
      (event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    );
    const completed = history.events.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    );
    expect(encodingOf(scheduled?.activityTaskScheduledEventAttributes?.input?.payloads?.[0])).toBe(REVERSED_ENCODING);
    expect(encodingOf(activityCompleted?.activityTaskCompletedEventAttributes?.result?.payloads?.[0])).toBe(
      REVERSED_ENCODING,
    );
    expect(encodingOf(completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0])).toBe(
      REVERSED_ENCODING,
    );
  });

  test('a custom payload converter (payloadConverterPath) is used in the sandbox and by activities', async () => {
    const dataConverter = { payloadConverterPath: resolve(fixtures, 'tagged-payload-converter.ts') };
    const client = new TestClient(env.connection.client, env.server.namespace, loadDataConverter(dataConverter));
    const { result, history } = await runOnce(
      { workflowsPath, activities: { shout }, dataConverter, sinks: { audit: { record: { fn: () => {} } } } },
      client,
      'featureWorkflow',
      ['tagged'],
    );
    expect(result).toBe('TAGGED');
    const scheduled = history.events.find((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    const completed = history.events.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    );
    expect(encodingOf(scheduled?.activityTaskScheduledEventAttributes?.input?.payloads?.[0])).toBe('json/tagged');
    expect(encodingOf(completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0])).toBe('json/tagged');
  });

  test('activity and workflow interceptors wrap executions', async () => {
    const client = new TestClient(env.connection.client, env.server.namespace);
    const seenActivityArgs: unknown[][] = [];
    const { result } = await runOnce(
      {
        workflowsPath,
        activities: { shout },
        sinks: { audit: { record: { fn: () => {} } } },
        interceptors: {
          workflowModules: [resolve(fixtures, 'workflow-interceptors.ts')],
          activity: [
            () => ({
              inbound: {
                async execute(input, next) {
                  seenActivityArgs.push([...input.args]);
                  return `${await next(input)} [activity interceptor]`;
                },
              },
            }),
          ],
        },
      },
      client,
      'featureWorkflow',
      ['wrapped'],
    );
    expect(seenActivityArgs).toEqual([['wrapped']]);
    expect(result).toBe('WRAPPED [activity interceptor] [workflow interceptor]');
  });

  test('sinks receive workflow calls once with the workflow info, and logs reach the logger', async () => {
    const client = new TestClient(env.connection.client, env.server.namespace);
    const audited: Array<{ workflowType: string; message: string }> = [];
    const logger = new RecordingLogger();
    const taskQueue = `sinks-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath,
      activities: { shout },
      maxCachedWorkflows: 0, // every task replays from the start: a sink must still see each call once
      maxConcurrentWorkflowTaskExecutions: 2,
      logger,
      sinks: {
        audit: {
          record: {
            fn: (info: WorkflowInfo, message: string) =>
              void audited.push({ workflowType: info.workflowType, message }),
          },
        },
      },
    });
    await worker.runUntil(async () => {
      const run = await client.start('featureWorkflow', { taskQueue, args: ['once'] });
      expect(await client.result<string>(run)).toBe('ONCE');
    });
    expect(audited).toEqual([{ workflowType: 'featureWorkflow', message: 'started with once' }]);
    const components = new Set(logger.records.map((record) => record.meta?.['sdkComponent']));
    expect(components.has('worker')).toBe(true);
    expect(
      logger.records.some((r) => r.meta?.['sdkComponent'] === 'workflow' && r.message === 'feature workflow running'),
    ).toBe(true);
    expect(logger.records.some((r) => r.message === 'Worker stopped')).toBe(true);
  });
});
