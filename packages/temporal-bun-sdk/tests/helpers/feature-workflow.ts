/**
 * One `featureWorkflow` run (tests/worker/fixtures/feature-workflows.ts) on a worker over a given
 * connection: for tests about how a worker connects (TLS, API keys, proxies) rather than what it runs.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createWorker, type NativeConnection } from '../../src/worker';
import { RecordingLogger } from './recording-logger';
import type { ServerConnection } from './server-connection';

/** Runs `featureWorkflow(text)` on a worker over `connection` (then closed), started by `env`'s client; its result. */
export async function runFeatureWorkflowOver(
  connection: NativeConnection,
  env: ServerConnection,
  text: string,
): Promise<string> {
  try {
    const taskQueue = `feature-${randomUUID()}`;
    const worker = await createWorker({
      connection,
      namespace: env.server.namespace,
      taskQueue,
      workflowsPath: resolve(import.meta.dir, '../worker/fixtures/feature-workflows.ts'),
      activities: { shout: async (shouted: string) => shouted.toUpperCase() },
      sinks: { audit: { record: { fn: () => undefined } } },
      logger: new RecordingLogger(),
    });
    return await worker.runUntil(async () =>
      env.client.result<string>(await env.client.start('featureWorkflow', { taskQueue, args: [text] })),
    );
  } finally {
    await connection.close();
  }
}
