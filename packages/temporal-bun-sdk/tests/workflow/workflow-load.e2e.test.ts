/**
 * A workflows module that cannot run fails `createWorker` with a `WorkflowBundleError` naming the
 * problem, in the suite's sandbox mode (see harness.ts: `make test` runs this file in both),
 * instead of failing every workflow task later: it throws while loading, never finishes loading,
 * exports no function, or is not code at all.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createWorker } from '../../src/worker';
import { WorkflowBundleError } from '../../src/workflow/bundler';
import { failure } from '../helpers/failure';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { reuseV8Context } from './harness';

const env = useServerConnection();

function start(fixture: string) {
  return createWorker({
    connection: env.connection,
    taskQueue: `load-${randomUUID()}`,
    workflowsPath: resolve(import.meta.dir, 'fixtures', fixture),
    reuseV8Context,
    logger: new RecordingLogger(),
  });
}

describe(`workflows that cannot load are refused at createWorker (reuseV8Context: ${reuseV8Context})`, () => {
  test('a module that throws while loading', async () => {
    const error = await failure(() => start('load-throws-workflows.ts'));
    expect(error).toBeInstanceOf(WorkflowBundleError);
    expect(error.message).toContain('the workflows failed to load');
    expect(error.message).toContain('configuration missing: the workflows module threw at load');
    // The probe that found it maps no stack (the expected failure's is of no use); the report's is mapped.
    expect(String((error.cause as Error | undefined)?.stack)).toContain('load-throws-workflows.ts');
  });

  test('a module that never finishes loading', async () => {
    const error = await failure(() => start('load-loops-workflows.ts'));
    expect(error).toBeInstanceOf(WorkflowBundleError);
    expect(error.message).toContain('the workflows failed to load');
  }, 60_000);

  test('a module that exports no function, naming what it exports', async () => {
    const error = await failure(() => start('no-function-workflows.ts'));
    expect(error).toBeInstanceOf(WorkflowBundleError);
    expect(error.message).toContain('the workflows module exports no function (it exports retryPolicy, taskQueue)');
  });

  test('a file that is not code', async () => {
    const error = await failure(() => start('not-code-workflows.txt'));
    expect(error).toBeInstanceOf(WorkflowBundleError);
    expect(error.message).toContain('the workflows module exports no function');
  });

  test('a module with workflows still starts', async () => {
    const worker = await start('workflows.ts');
    worker.shutdown();
  });
});
