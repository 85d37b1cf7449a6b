/**
 * The client against a real dev server, with a worker from createWorker running the fixture
 * workflows: every WorkflowClient and WorkflowHandle method, and the error each failure becomes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  ApplicationFailure,
  CancelledFailure,
  Client,
  Connection,
  QueryFailedError,
  QueryNotRegisteredError,
  QueryRejectedError,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowContinuedAsNewError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionInfo,
} from '../../src/client';
import { createWorker, type Worker } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import type * as workflows from './fixtures/client-workflows';
import {
  addItem,
  addItemChecked,
  failingQuery,
  failingUpdate,
  finish,
  itemCount,
  items,
} from './fixtures/client-workflows';
import { MARKED_ENCODING, MarkingCodec } from './fixtures/marking-codec';

const workflowsPath = resolve(import.meta.dir, 'fixtures/client-workflows.ts');
const EventType = temporal.api.enums.v1.EventType;
const env = useServerConnection();

/** Expects `promise` to reject with an instance of `type`, and returns that error. */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}

/** Polls `probe` until it returns a value (visibility is eventually consistent). */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await Bun.sleep(200);
  }
}

const id = (prefix: string) => `${prefix}-${randomUUID()}`;

const customerTier = defineSearchAttributeKey('CustomerTier', SearchAttributeType.KEYWORD);
const orderTotal = defineSearchAttributeKey('OrderTotal', SearchAttributeType.INT);

/** The dev server starts without custom search attributes: add the ones the tests use. */
async function registerSearchAttributes(): Promise<void> {
  const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
  const native = env.connection.client;
  await native.operatorService(
    'AddSearchAttributes',
    {
      namespace: env.server.namespace,
      searchAttributes: {
        CustomerTier: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        OrderTotal: IndexedValueType.INDEXED_VALUE_TYPE_INT,
      },
    },
    { retry: true },
  );
  await eventually(async () => {
    const { customAttributes } = await native.operatorService('ListSearchAttributes', {
      namespace: env.server.namespace,
    });
    return customAttributes?.CustomerTier !== undefined && customAttributes?.OrderTotal !== undefined
      ? true
      : undefined;
  });
}

describe('WorkflowClient against a dev server', () => {
  const taskQueue = id('client-tests');
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath,
      logger: new RecordingLogger(),
    });
    running = worker.run();
    connection = await Connection.connect({ address: env.server.address, envConfig: false });
    client = new Client({ connection, namespace: env.server.namespace });
    await registerSearchAttributes();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  describe('start, execute and result', () => {
    test('start returns a handle whose result() is the workflow result', async () => {
      const handle = await client.workflow.start<typeof workflows.greet>('greet', {
        taskQueue,
        workflowId: id('greet'),
        args: ['Bun'],
      });
      expect(handle.firstExecutionRunId).toMatch(/[0-9a-f-]{36}/);
      expect(await handle.result()).toBe('Hello, Bun!');
    });

    test('start accepts the workflow function itself and types args and result after it', async () => {
      const greet: typeof workflows.greet = async (name) => name; // only its name and type are used
      Object.defineProperty(greet, 'name', { value: 'greet' });
      const handle = await client.workflow.start(greet, { taskQueue, workflowId: id('greet-fn'), args: ['functions'] });
      const result: string = await handle.result();
      expect(result).toBe('Hello, functions!');
    });

    test('execute starts the workflow and waits for its result', async () => {
      expect(await client.workflow.execute('greet', { taskQueue, workflowId: id('execute'), args: ['execute'] })).toBe(
        'Hello, execute!',
      );
    });

    test('starting a second workflow with a running id throws WorkflowExecutionAlreadyStartedError', async () => {
      const workflowId = id('twice');
      const first = await client.workflow.start('waitForever', { taskQueue, workflowId });
      try {
        const error = await rejection(
          client.workflow.start('waitForever', { taskQueue, workflowId }),
          WorkflowExecutionAlreadyStartedError,
        );
        expect(error.workflowId).toBe(workflowId);
        expect(error.workflowType).toBe('waitForever');
      } finally {
        await first.terminate('test over');
      }
    });

    test('workflowIdConflictPolicy USE_EXISTING returns the running execution instead of failing', async () => {
      const workflowId = id('use-existing');
      const first = await client.workflow.start('waitForever', { taskQueue, workflowId });
      const second = await client.workflow.start('waitForever', {
        taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
      await first.terminate();
    });

    test('a failing workflow makes result() throw WorkflowFailedError with the ApplicationFailure as cause', async () => {
      const handle = await client.workflow.start('failWithApplicationFailure', {
        taskQueue,
        workflowId: id('fail'),
        args: ['out of stock'],
      });
      const error = await rejection(handle.result(), WorkflowFailedError);
      expect(error.cause).toBeInstanceOf(ApplicationFailure);
      const failure = error.cause as ApplicationFailure;
      expect(failure.type).toBe('OrderRejected');
      expect(failure.message).toBe('out of stock');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.details).toEqual([{ orderId: 42 }]);
    });

    test('result() follows continue-as-new to the last run', async () => {
      const handle = await client.workflow.start('countdown', { taskQueue, workflowId: id('countdown'), args: [3] });
      expect(await handle.result()).toBe('done after 4 runs');
    });

    test('with followRuns: false, result() throws WorkflowContinuedAsNewError naming the next run', async () => {
      const handle = await client.workflow.start('countdown', {
        taskQueue,
        workflowId: id('no-follow'),
        args: [1],
        followRuns: false,
      });
      const error = await rejection(handle.result(), WorkflowContinuedAsNewError);
      expect(error.newExecutionRunId).toMatch(/[0-9a-f-]{36}/);
      expect(await client.workflow.getHandle(handle.workflowId, error.newExecutionRunId).result()).toBe(
        'done after 2 runs',
      );
    });

    test('result() follows the retries of the workflow retry policy', async () => {
      const handle = await client.workflow.start('succeedOnSecondAttempt', {
        taskQueue,
        workflowId: id('retried'),
        retry: { initialInterval: '100ms', maximumAttempts: 3 },
      });
      expect(await handle.result()).toBe(2);
    });

    test('a workflow past its execution timeout fails with a TimeoutFailure', async () => {
      const handle = await client.workflow.start('waitForever', {
        taskQueue,
        workflowId: id('timeout'),
        workflowExecutionTimeout: '1s',
      });
      const error = await rejection(handle.result(), WorkflowFailedError);
      expect(error.cause).toBeInstanceOf(TimeoutFailure);
    });
  });

  describe('handles', () => {
    test('getHandle of an unknown workflow id throws WorkflowNotFoundError from describe() and result()', async () => {
      const handle = client.workflow.getHandle(id('nobody'));
      const described = await rejection(handle.describe(), WorkflowNotFoundError);
      expect(described.workflowId).toBe(handle.workflowId);
      await rejection(handle.result(), WorkflowNotFoundError);
      await rejection(handle.signal('anything'), WorkflowNotFoundError);
    });

    test('getHandle reaches a workflow started elsewhere, by id or by id and run id', async () => {
      const started = await client.workflow.start('greet', {
        taskQueue,
        workflowId: id('get-handle'),
        args: ['again'],
      });
      expect(await client.workflow.getHandle(started.workflowId).result()).toBe('Hello, again!');
      const byRun = client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
      expect(byRun.runId).toBe(started.firstExecutionRunId);
      expect((await byRun.describe()).status.name).toBe('COMPLETED');
    });

    test('terminate() ends the workflow: result() throws WorkflowFailedError with a TerminatedFailure', async () => {
      const handle = await client.workflow.start('waitForever', { taskQueue, workflowId: id('terminate') });
      await handle.terminate('no longer needed');
      const error = await rejection(handle.result(), WorkflowFailedError);
      expect(error.cause).toBeInstanceOf(TerminatedFailure);
      expect(error.cause?.message).toBe('no longer needed');
      expect((await handle.describe()).status.name).toBe('TERMINATED');
    });

    test('cancel() cancels the workflow: result() throws WorkflowFailedError with a CancelledFailure', async () => {
      const handle = await client.workflow.start('waitForever', { taskQueue, workflowId: id('cancel') });
      await handle.cancel();
      const error = await rejection(handle.result(), WorkflowFailedError);
      expect(error.cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    });

    test('signals reach the workflow and queries read its state', async () => {
      const handle = await client.workflow.start('cart', { taskQueue, workflowId: id('cart'), args: [['apple']] });
      await handle.signal(addItem, 'pear');
      await handle.signal('addItem', 'plum');
      expect(await handle.query(items)).toEqual(['apple', 'pear', 'plum']);
      expect(await handle.query(itemCount, 10)).toBe(13);
      expect(await handle.queryWithOptions<number, [number]>('itemCount', { args: [1] })).toBe(4);
      await handle.signal(finish);
      expect(await handle.result()).toEqual(['apple', 'pear', 'plum']);
    });

    test('a query of a type the workflow does not handle throws QueryNotRegisteredError', async () => {
      const handle = await client.workflow.start('cart', { taskQueue, workflowId: id('unknown-query') });
      try {
        const error = await rejection(handle.query('noSuchQuery'), QueryNotRegisteredError);
        expect(error.message).toContain('noSuchQuery');
        const failed = await rejection(handle.query(failingQuery), QueryFailedError);
        expect(failed.message).toContain('this query always fails');
      } finally {
        await handle.terminate();
      }
    });

    test('a query rejected by queryRejectCondition throws QueryRejectedError with the workflow status', async () => {
      const strict = new Client({
        connection,
        namespace: env.server.namespace,
        workflow: { queryRejectCondition: 'NOT_OPEN' },
      });
      const handle = await strict.workflow.start('cart', { taskQueue, workflowId: id('rejected-query') });
      await handle.signal(finish);
      await handle.result();
      const error = await rejection(handle.query(items), QueryRejectedError);
      expect(error.status).toBe(temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
      // Without the condition, the closed workflow still answers.
      expect(await client.workflow.getHandle(handle.workflowId).query(items)).toEqual([]);
    });

    test('executeUpdate returns the handler result; startUpdate returns a handle whose result() waits for it', async () => {
      const handle = await client.workflow.start('cart', { taskQueue, workflowId: id('update') });
      try {
        expect(await handle.executeUpdate(addItemChecked, { args: ['first'] })).toBe(1);
        const update = await handle.startUpdate(addItemChecked, {
          args: ['second'],
          waitForStage: 'ACCEPTED',
          updateId: 'second-item',
        });
        expect(update.updateId).toBe('second-item');
        expect(update.workflowId).toBe(handle.workflowId);
        expect(await update.result()).toBe(2);
        expect(await handle.getUpdateHandle<number>('second-item').result()).toBe(2);
      } finally {
        await handle.terminate();
      }
    });

    test('an update rejected by its validator throws WorkflowUpdateFailedError and changes nothing', async () => {
      const handle = await client.workflow.start('cart', { taskQueue, workflowId: id('update-rejected') });
      try {
        const error = await rejection(handle.executeUpdate(addItemChecked, { args: [''] }), WorkflowUpdateFailedError);
        expect(error.cause).toBeInstanceOf(ApplicationFailure);
        expect(error.cause?.message).toBe('an item needs a name');
        const started = await handle.startUpdate(addItemChecked, { args: [''], waitForStage: 'ACCEPTED' });
        await rejection(started.result(), WorkflowUpdateFailedError);
        expect(await handle.query(items)).toEqual([]);
      } finally {
        await handle.terminate();
      }
    });

    test('an update whose handler throws fails with the handler failure as cause', async () => {
      const handle = await client.workflow.start('cart', { taskQueue, workflowId: id('update-fails') });
      try {
        const error = await rejection(handle.executeUpdate(failingUpdate), WorkflowUpdateFailedError);
        expect((error.cause as ApplicationFailure).type).toBe('UpdateFailure');
      } finally {
        await handle.terminate();
      }
    });

    test('describe() decodes memo and search attributes and names the status', async () => {
      const workflowId = id('describe');
      const handle = await client.workflow.start('waitForever', {
        taskQueue,
        workflowId,
        memo: { owner: 'team-orders', priority: 3 },
        searchAttributes: { CustomerTier: ['vip'] },
        typedSearchAttributes: [{ key: orderTotal, value: 1200 }],
        staticSummary: 'a summary',
      });
      try {
        const description = await handle.describe();
        expect(description.workflowId).toBe(workflowId);
        expect(description.runId).toBe(handle.firstExecutionRunId);
        expect(description.type).toBe('waitForever');
        expect(description.taskQueue).toBe(taskQueue);
        expect(description.status.name).toBe('RUNNING');
        expect(description.memo).toEqual({ owner: 'team-orders', priority: 3 });
        expect(description.searchAttributes.CustomerTier).toEqual(['vip']);
        expect(description.typedSearchAttributes.get(customerTier)).toBe('vip');
        expect(description.typedSearchAttributes.get(orderTotal)).toBe(1200);
        expect(description.startTime).toBeInstanceOf(Date);
        expect(description.historyLength).toBeGreaterThan(0);
        expect(await description.staticSummary()).toBe('a summary');
      } finally {
        await handle.terminate();
      }
    });

    test('startDelay postpones the first workflow task', async () => {
      const handle = await client.workflow.start('greet', {
        taskQueue,
        workflowId: id('delayed'),
        args: ['later'],
        startDelay: '1 hour',
      });
      try {
        const description = await handle.describe();
        expect(description.executionTime!.getTime() - description.startTime.getTime()).toBeGreaterThan(59 * 60 * 1000);
      } finally {
        await handle.terminate();
      }
    });

    test('start options reach the server: timeouts, retry policy and cron schedule', async () => {
      const handle = await client.workflow.start('greet', {
        taskQueue,
        workflowId: id('options'),
        args: ['options'],
        workflowRunTimeout: '2 hours',
        workflowTaskTimeout: '15s',
        retry: { maximumAttempts: 4, initialInterval: '2s', nonRetryableErrorTypes: ['Fatal'] },
        cronSchedule: '0 0 1 1 *',
      });
      try {
        const [started] = (await handle.fetchHistory()).events ?? [];
        const attributes = started?.workflowExecutionStartedEventAttributes;
        expect(attributes?.cronSchedule).toBe('0 0 1 1 *');
        expect(Number(attributes?.workflowRunTimeout?.seconds)).toBe(2 * 60 * 60);
        expect(Number(attributes?.workflowTaskTimeout?.seconds)).toBe(15);
        expect(attributes?.retryPolicy?.maximumAttempts).toBe(4);
        expect(attributes?.retryPolicy?.nonRetryableErrorTypes).toEqual(['Fatal']);
        expect(attributes?.identity).toBe(client.options.identity);
      } finally {
        await handle.terminate();
      }
    });

    test('fetchHistory() returns the whole event history', async () => {
      const handle = await client.workflow.start('greet', { taskQueue, workflowId: id('history'), args: ['history'] });
      await handle.result();
      const history = await handle.fetchHistory();
      const types = (history.events ?? []).map((event) => event.eventType);
      expect(types[0]).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
      expect(types.at(-1)).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    });
  });

  describe('signalWithStart, list and count', () => {
    test('signalWithStart starts the workflow with the signal, then signals the running one', async () => {
      const workflowId = id('signal-with-start');
      const first = await client.workflow.signalWithStart('cart', {
        taskQueue,
        workflowId,
        args: [['seed']],
        signal: addItem,
        signalArgs: ['one'],
      });
      const second = await client.workflow.signalWithStart('cart', {
        taskQueue,
        workflowId,
        signal: 'addItem',
        signalArgs: ['two'],
      });
      expect(second.signaledRunId).toBe(first.signaledRunId);
      await first.signal(finish);
      expect(await first.result()).toEqual(['seed', 'one', 'two']);
    });

    test('list() yields the executions matching a visibility query, and count() counts them', async () => {
      const workflowIds = [id('listed'), id('listed')];
      for (const workflowId of workflowIds)
        await client.workflow.execute('greet', { taskQueue, workflowId, args: [workflowId] });
      const query = `WorkflowType = 'greet' AND TaskQueue = '${taskQueue}' AND (WorkflowId = '${workflowIds[0]}' OR WorkflowId = '${workflowIds[1]}')`;
      const listed = await eventually(async () => {
        const found: WorkflowExecutionInfo[] = [];
        for await (const info of client.workflow.list({ query, pageSize: 1 })) found.push(info);
        return found.length === 2 && found.every((info) => info.status.name === 'COMPLETED') ? found : undefined;
      });
      expect(listed.map((info) => info.workflowId).sort()).toEqual([...workflowIds].sort());
      for (const info of listed) {
        expect(info.type).toBe('greet');
        expect(info.status.name).toBe('COMPLETED');
        expect(info.closeTime).toBeInstanceOf(Date);
      }
      expect((await client.workflow.count(query)).count).toBe(2);
      const histories = [];
      for await (const entry of client.workflow.list({ query }).intoHistories()) histories.push(entry);
      expect(histories.map((entry) => entry.history.events?.length ?? 0).every((length) => length > 0)).toBe(true);
    });
  });

  describe('connections and data converters', () => {
    test('a client over the worker NativeConnection shares its gRPC connection', async () => {
      const shared = new Client({ connection: env.connection });
      expect(shared.options.namespace).toBe('default');
      expect(await shared.workflow.execute('greet', { taskQueue, workflowId: id('shared'), args: ['shared'] })).toBe(
        'Hello, shared!',
      );
    });

    test('raw WorkflowService calls go through connection.workflowService', async () => {
      const response = await client.workflowService.describeNamespace({ namespace: env.server.namespace });
      expect(response.namespaceInfo?.name).toBe(env.server.namespace);
    });

    test('a payload codec round-trips: the client encodes, the worker (same codec) decodes and encodes back', async () => {
      const codecQueue = id('codec');
      const workerCodec = new MarkingCodec();
      const codecWorker = await createWorker({
        connection: env.connection,
        taskQueue: codecQueue,
        workflowsPath,
        dataConverter: { payloadCodecs: [workerCodec] },
        logger: new RecordingLogger(),
      });
      const clientCodec = new MarkingCodec();
      const codecClient = new Client({ connection, dataConverter: { payloadCodecs: [clientCodec] } });
      const value = { order: 42, lines: ['a', 'b'], note: 'ünïcode' };
      const handle = await codecWorker.runUntil(async () => {
        const started = await codecClient.workflow.start('echo', {
          taskQueue: codecQueue,
          workflowId: id('codec'),
          args: [value],
          memo: { secret: 'm' },
        });
        expect(await started.result()).toEqual(value);
        expect((await started.describe()).memo).toEqual({ secret: 'm' });
        return started;
      });
      expect(clientCodec.encodedCount).toBeGreaterThan(0);
      expect(clientCodec.decodedCount).toBeGreaterThan(0);
      expect(workerCodec.decodedCount).toBeGreaterThan(0);
      const events = (await handle.fetchHistory()).events ?? [];
      const encodingOf = (payload: temporal.api.common.v1.IPayload | null | undefined) =>
        new TextDecoder().decode(payload?.metadata?.['encoding'] ?? new Uint8Array());
      const started = events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
      const completed = events.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
      expect(encodingOf(started?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0])).toBe(MARKED_ENCODING);
      expect(encodingOf(completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0])).toBe(
        MARKED_ENCODING,
      );
      // A client without the codec cannot read the result.
      await expect(client.workflow.getHandle(handle.workflowId).result()).rejects.toThrow(
        `Unknown encoding: ${MARKED_ENCODING}`,
      );
    });
  });
});
