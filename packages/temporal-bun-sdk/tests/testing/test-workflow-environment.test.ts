/**
 * TestWorkflowEnvironment, used as a test file uses it: one local environment for the file, workers
 * on its `nativeConnection`, workflows started by its `client`, `teardown` in `afterAll`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { defineSearchAttributeKey } from '@temporalio/common';
import { ConsoleLogger, createWorker } from '../../src';
import { isPortFree } from '../../src/dev-server';
import { TemporalCliNotFoundError, TestWorkflowEnvironment, TimeSkippingUnavailableError } from '../../src/testing';
import { isProcessAlive } from '../cli/cli-process';
import * as activities from './fixtures/greeting-activities';
import { greeting } from './fixtures/greeting-workflows';

const workflowsPath = require.resolve('./fixtures/greeting-workflows');
const quietLogger = new ConsoleLogger('ERROR');

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});

afterAll(async () => {
  await env?.teardown();
});

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

async function runGreeting(environment: TestWorkflowEnvironment, taskQueue: string, workflowId: string) {
  const worker = await createWorker({
    connection: environment.nativeConnection,
    taskQueue,
    workflowsPath,
    activities,
    logger: quietLogger,
  });
  return await worker.runUntil(environment.client.workflow.execute(greeting, { taskQueue, workflowId, args: ['Bun'] }));
}

describe('TestWorkflowEnvironment.createLocal', () => {
  test('starts a dev server on a free loopback port, in the default namespace', async () => {
    expect(env.server?.address).toBe(env.address);
    expect(env.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env.namespace).toBe('default');
    expect(env.supportsTimeSkipping).toBe(false);
    expect(isProcessAlive(env.server?.pid ?? -1)).toBe(true);
    const description = await env.client.workflowService.describeNamespace({ namespace: env.namespace });
    expect(description.namespaceInfo?.name).toBe('default');
  });

  test('a worker on env.nativeConnection runs a workflow that env.client starts', async () => {
    const result = await runGreeting(env, 'kit-local', 'kit-local-greeting');
    expect(result).toBe('Hello, Bun! (from kit-local)');
    const description = await env.client.workflow.getHandle('kit-local-greeting').describe();
    expect(description.status.name).toBe('COMPLETED');
  });

  test('the server option creates its namespace and registers search attributes; teardown stops the server by PID, frees its port, and is idempotent', async () => {
    const customerId = defineSearchAttributeKey('CustomerId', 'KEYWORD');
    const local = await TestWorkflowEnvironment.createLocal({
      server: { namespace: 'kit-tests', searchAttributes: [customerId] },
    });
    const pid = local.server?.pid ?? -1;
    const port = portOf(local.address);
    try {
      expect(local.namespace).toBe('kit-tests');
      expect(local.client.options.namespace).toBe('kit-tests');
      // The server refuses a search attribute it does not know: this start proves it was registered.
      const handle = await local.client.workflow.start(greeting, {
        taskQueue: 'kit-no-worker',
        workflowId: 'kit-search-attribute',
        args: ['nobody'],
        typedSearchAttributes: [{ key: customerId, value: 'customer-7' }],
      });
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(customerId)).toBe('customer-7');
      expect(isProcessAlive(pid)).toBe(true);
      expect(await isPortFree(port)).toBe(false);
    } finally {
      const first = local.teardown();
      expect(local.teardown()).toBe(first);
      await first;
    }
    expect(isProcessAlive(pid)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    await expect(local.client.workflowService.describeNamespace({ namespace: 'kit-tests' })).rejects.toThrow(
      'the connection is closed',
    );
    expect(await local.teardown()).toBeUndefined();
  });

  test('a temporal CLI that does not exist is reported, and nothing is started', async () => {
    const missing = '/nonexistent/temporal';
    const created = TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: missing } },
    });
    await expect(created).rejects.toBeInstanceOf(TemporalCliNotFoundError);
    await expect(created).rejects.toThrow(missing);
  });
});

describe('TestWorkflowEnvironment.createFromExistingServer', () => {
  test('runs workflows on the server at the given address, and teardown leaves that server running', async () => {
    const existing = await TestWorkflowEnvironment.createFromExistingServer({ address: env.address });
    expect(existing.server).toBeUndefined();
    expect(existing.namespace).toBe('default');
    try {
      expect(await runGreeting(existing, 'kit-existing', 'kit-existing-greeting')).toBe(
        'Hello, Bun! (from kit-existing)',
      );
    } finally {
      await existing.teardown();
    }
    // The workflow ran on the first environment's server, which is still up.
    const description = await env.client.workflow.getHandle('kit-existing-greeting').describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(isProcessAlive(env.server?.pid ?? -1)).toBe(true);
    await expect(existing.client.workflow.getHandle('kit-existing-greeting').describe()).rejects.toThrow(
      'the connection is closed',
    );
  });

  test('`await using` tears the environment down at the end of its scope', async () => {
    let scoped: TestWorkflowEnvironment;
    {
      await using environment = await TestWorkflowEnvironment.createFromExistingServer({ address: env.address });
      scoped = environment;
      const description = await environment.client.workflowService.describeNamespace({ namespace: 'default' });
      expect(description.namespaceInfo?.name).toBe('default');
    }
    await expect(scoped.client.workflowService.describeNamespace({ namespace: 'default' })).rejects.toThrow(
      'the connection is closed',
    );
  });
});

describe('TestWorkflowEnvironment.createTimeSkipping', () => {
  test('rejects, naming the missing time-skipping test server and the alternative', async () => {
    const created = TestWorkflowEnvironment.createTimeSkipping();
    await expect(created).rejects.toBeInstanceOf(TimeSkippingUnavailableError);
    await expect(created).rejects.toThrow('TestWorkflowEnvironment.createLocal()');
  });
});
