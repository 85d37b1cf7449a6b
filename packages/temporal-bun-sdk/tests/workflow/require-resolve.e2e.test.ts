/**
 * `require.resolve(...)` at the top level of a workflows module (Temporal's feature suite keeps
 * worker options beside its workflows) evaluates in the sandbox, in the suite's sandbox mode (see
 * harness.ts: `make test` runs this file in both), and yields the module's path or specifier.
 */
import { expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createWorker } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { reuseV8Context } from './harness';

const env = useServerConnection();

test(`module-level require.resolve works in workflow code (reuseV8Context: ${reuseV8Context})`, async () => {
  const taskQueue = `require-resolve-${randomUUID()}`;
  const worker = await createWorker({
    connection: env.connection,
    taskQueue,
    workflowsPath: resolve(import.meta.dir, 'fixtures/require-resolve-workflows.ts'),
    reuseV8Context,
    logger: new RecordingLogger(),
  });
  const result = await worker.runUntil(async () =>
    env.client.result<string>(await env.client.start('requireResolveWorkflow', { taskQueue })),
  );
  expect(result).toBe('resolved to the module');
});
