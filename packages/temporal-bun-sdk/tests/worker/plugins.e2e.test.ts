/**
 * Plugins and client interceptors against a real dev server: `@temporalio/plugin`'s SimplePlugin
 * gives a worker its activities and wraps its run, a NativeConnection's plugins configure the
 * workers on it, and headers set by a client interceptor reach the server with the start and the
 * signal.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SimplePlugin } from '@temporalio/plugin';
import { Client, type WorkflowClientInterceptor } from '../../src/client';
import { createWorker, NativeConnection, type NativeConnectionPlugin, type WorkerPlugin } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';

const EventType = temporal.api.enums.v1.EventType;
const workflowsPath = resolve(import.meta.dir, 'fixtures/traced-workflows.ts');
const env = useServerConnection();

describe('worker plugins', () => {
  test("SimplePlugin's activities run, and runWorker hooks wrap worker.run() with the first plugin outermost", async () => {
    const taskQueue = `plugins-${randomUUID()}`;
    const events: string[] = [];
    const simple = new SimplePlugin({
      name: 'greeter',
      activities: { greet: async (name: string) => `Hi ${name}, from a plugin` },
      runContext: async (next) => {
        events.push('simple: before run');
        await next();
        events.push('simple: after run');
      },
    });
    const inner: WorkerPlugin = {
      name: 'inner',
      runWorker: async (worker, next) => {
        events.push(`inner: state ${worker.getState()}`);
        await next(worker);
        events.push(`inner: state ${worker.getState()}`);
      },
    };
    const worker = await createWorker({
      connection: env.connection,
      namespace: env.server.namespace,
      taskQueue,
      workflowsPath,
      logger: new RecordingLogger(),
      plugins: [simple, inner],
    });
    const client = new Client({ connection: env.connection, namespace: env.server.namespace });
    const result = await worker.runUntil(
      client.workflow.execute('tracedWorkflow', { taskQueue, workflowId: `plugins-${randomUUID()}`, args: ['Bun'] }),
    );
    expect(result).toBe('Hi Bun, from a plugin');
    expect(events).toEqual([
      'simple: before run',
      'inner: state INITIALIZED',
      'inner: state STOPPED',
      'simple: after run',
    ]);
  });

  test("a NativeConnection's plugins configure the workers made on it, after the worker's own", async () => {
    const order: string[] = [];
    const connectionPlugin: NativeConnectionPlugin & WorkerPlugin = {
      name: 'from-connection',
      configureNativeConnection: (options) => {
        order.push('configureNativeConnection');
        return options;
      },
      configureWorker: (options) => {
        order.push('connection: configureWorker');
        return { ...options, activities: { greet: async (name: string) => `Hello ${name}` } };
      },
    };
    const connection = await NativeConnection.connect({ address: env.server.address, plugins: [connectionPlugin] });
    try {
      const taskQueue = `connection-plugins-${randomUUID()}`;
      const worker = await createWorker({
        connection,
        namespace: env.server.namespace,
        taskQueue,
        workflowsPath,
        logger: new RecordingLogger(),
        plugins: [
          {
            name: 'own',
            configureWorker: (options) => {
              order.push('own: configureWorker');
              return options;
            },
          },
        ],
      });
      const client = new Client({ connection, namespace: env.server.namespace });
      const result = await worker.runUntil(
        client.workflow.execute('tracedWorkflow', { taskQueue, workflowId: `conn-${randomUUID()}`, args: ['there'] }),
      );
      expect(result).toBe('Hello there');
      expect(order).toEqual(['configureNativeConnection', 'own: configureWorker', 'connection: configureWorker']);
    } finally {
      await connection.close();
    }
  });
});

describe('client interceptors', () => {
  test('headers an interceptor adds reach the server with the start and the signal', async () => {
    const tenant = defaultPayloadConverter.toPayload('acme');
    const tenantHeader: WorkflowClientInterceptor = {
      startWithDetails: (input, next) => next({ ...input, headers: { ...input.headers, tenant } }),
      signal: (input, next) => next({ ...input, headers: { ...input.headers, tenant } }),
    };
    const client = new Client({
      connection: env.connection,
      namespace: env.server.namespace,
      interceptors: { workflow: [tenantHeader] },
    });
    const workflowId = `headers-${randomUUID()}`;
    // No worker polls this queue: the workflow stays running and its history holds the requests.
    const handle = await client.workflow.start('tracedWorkflow', {
      taskQueue: `idle-${randomUUID()}`,
      workflowId,
      args: ['x'],
    });
    await handle.signal('poke');
    const history = await handle.fetchHistory();
    await handle.terminate('test done');
    const started = history.events?.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    );
    const signaled = history.events?.find(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    );
    const headerOf = (fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined) =>
      fields?.['tenant'] ? defaultPayloadConverter.fromPayload(fields['tenant'] as never) : undefined;
    expect(headerOf(started?.workflowExecutionStartedEventAttributes?.header?.fields)).toBe('acme');
    expect(headerOf(signaled?.workflowExecutionSignaledEventAttributes?.header?.fields)).toBe('acme');
  });
});
