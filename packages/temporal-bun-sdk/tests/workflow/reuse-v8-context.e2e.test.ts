/**
 * createWorker with `reuseV8Context: true` end to end: the option reaches the workflow runtime, and
 * workflows with a custom payload converter and workflow interceptors (both instantiated per run
 * in the shared context) run many at a time. The workflow suites run in both modes (see harness.ts).
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { createWorker } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { TestClient } from '../helpers/test-client';

const workerFixtures = resolve(import.meta.dir, '../worker/fixtures');
const EventType = temporal.api.enums.v1.EventType;
const env = useServerConnection();

describe('createWorker with reuseV8Context', () => {
  test('twenty workflows at once use the custom payload converter and the workflow interceptors', async () => {
    const dataConverter = { payloadConverterPath: resolve(workerFixtures, 'tagged-payload-converter.ts') };
    const client = new TestClient(env.connection.client, env.server.namespace, loadDataConverter(dataConverter));
    const taskQueue = `reuse-v8-context-${randomUUID()}`;
    const audited: string[] = [];
    const logger = new RecordingLogger();
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath: resolve(workerFixtures, 'feature-workflows.ts'),
      activities: { shout: async (text: string) => text.toUpperCase() },
      dataConverter,
      interceptors: { workflowModules: [resolve(workerFixtures, 'workflow-interceptors.ts')] },
      sinks: { audit: { record: { fn: (_info: unknown, message: string) => void audited.push(message) } } },
      reuseV8Context: true,
      logger,
    });
    const inputs = Array.from({ length: 20 }, (_, index) => `run ${index}`);
    const { results, history } = await worker.runUntil(async () => {
      const runs = await Promise.all(
        inputs.map((input) => client.start('featureWorkflow', { taskQueue, args: [input] })),
      );
      const results = await Promise.all(runs.map((run) => client.result<string>(run)));
      return { results, history: await client.history(runs[0]!) };
    });
    expect(results).toEqual(inputs.map((input) => `${input.toUpperCase()} [workflow interceptor]`));
    expect(audited.toSorted()).toEqual(inputs.map((input) => `started with ${input}`).toSorted());
    const completed = history.events.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    );
    const encoding =
      completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.metadata?.['encoding'];
    expect(new TextDecoder().decode(encoding ?? new Uint8Array())).toBe('json/tagged');
    // The split bundle was used: no fallback to one context per run.
    expect(
      logger.records.some((record) => record.message.includes('running one context per workflow run instead')),
    ).toBe(false);
  });
});
