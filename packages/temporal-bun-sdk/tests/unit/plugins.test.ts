/**
 * Plugins and client interceptors without a server: the order hooks and interceptors run in, what
 * each sees, and the errors a malformed plugin or interceptor gets. (Against a real server:
 * tests/worker/plugins.e2e.test.ts and opentelemetry.e2e.test.ts.)
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  Client,
  type ClientPlugin,
  Connection,
  type ConnectionPlugin,
  type WorkflowClientInterceptor,
} from '../../src/client';
import {
  bundleWorkflowCode,
  type BundlerPlugin,
  createWorker,
  NativeConnection,
  type NativeConnectionPlugin,
  type WorkerPlugin,
  WorkerOptionsError,
} from '../../src/worker';

const workflowsPath = resolve(import.meta.dir, '../worker/fixtures/traced-workflows.ts');
const interceptorsPath = resolve(import.meta.dir, '../worker/fixtures/opentelemetry-workflow-interceptors.ts');
/** Nothing listens there: a test that reached the network would fail, not hang. */
const unreachable = { address: '127.0.0.1:1', envConfig: false, connectTimeoutMs: 1_000 } as const;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('createWorker plugins', () => {
  test("configureWorker hooks run in list order, each on the previous one's options, the connection's plugins last", async () => {
    const calls: string[] = [];
    const recorder = (name: string): WorkerPlugin & NativeConnectionPlugin => ({
      name,
      configureWorker(options) {
        calls.push(`${name} saw identity ${options.identity}`);
        return { ...options, identity: `${options.identity}>${name}` };
      },
    });
    const breaksTaskQueue: WorkerPlugin = {
      name: 'breaks-task-queue',
      configureWorker: (options) => ({ ...options, taskQueue: '' }),
    };
    const error = await rejection(
      createWorker({
        taskQueue: 'plugins-order',
        identity: 'me',
        activities: {},
        connection: { ...unreachable, plugins: [recorder('connection')] },
        plugins: [recorder('first'), recorder('second'), breaksTaskQueue],
      }),
    );
    expect(calls).toEqual([
      'first saw identity me',
      'second saw identity me>first',
      'connection saw identity me>first>second',
    ]);
    // Validation runs after the plugins: their mistakes get the caller's typed errors.
    expect(error).toBeInstanceOf(WorkerOptionsError);
    expect((error as WorkerOptionsError).option).toBe('taskQueue');
  });

  test('an asynchronous configureWorker is awaited', async () => {
    const plugin: WorkerPlugin = {
      name: 'async',
      configureWorker: async (options) => ({ ...options, maxCachedWorkflows: -1 }),
    };
    const error = await rejection(
      createWorker({ taskQueue: 'q', activities: {}, connection: unreachable, plugins: [plugin] }),
    );
    expect((error as WorkerOptionsError).option).toBe('maxCachedWorkflows');
  });

  test('a plugin without a name is refused with a WorkerOptionsError naming it', async () => {
    const error = await rejection(
      createWorker({ taskQueue: 'q', activities: {}, connection: unreachable, plugins: [{} as WorkerPlugin] }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toBeInstanceOf(WorkerOptionsError);
    expect((error as WorkerOptionsError).option).toBe('plugins[0].name');
  });

  test('a hook that is not a function is refused, naming the plugin and the hook', async () => {
    const plugins = [{ name: 'fine' }, { name: 'broken', runWorker: 'later' }] as unknown as WorkerPlugin[];
    const error = await rejection(createWorker({ taskQueue: 'q', activities: {}, connection: unreachable, plugins }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as WorkerOptionsError).option).toBe('plugins[1].runWorker');
    expect(error.message).toContain('"broken"');
  });

  test('a configureWorker that returns nothing is an error naming it', async () => {
    const plugin = { name: 'forgetful', configureWorker: () => undefined } as unknown as WorkerPlugin;
    const error = await rejection(
      createWorker({ taskQueue: 'q', activities: {}, connection: unreachable, plugins: [plugin] }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('plugins[0].configureWorker');
  });

  test('plugins is an array', async () => {
    const error = await rejection(
      createWorker({ taskQueue: 'q', activities: {}, plugins: { name: 'x' } as unknown as WorkerPlugin[] }),
    );
    expect((error as WorkerOptionsError).option).toBe('plugins');
  });
});

describe('bundleWorkflowCode plugins', () => {
  test('configureBundler hooks run in order before bundling, each on the previous one’s options', async () => {
    const seen: string[][] = [];
    const addInterceptors = (name: string): BundlerPlugin => ({
      name,
      configureBundler(options) {
        seen.push([...(options.workflowInterceptorModules ?? [])]);
        return {
          ...options,
          workflowInterceptorModules: [...(options.workflowInterceptorModules ?? []), interceptorsPath],
        };
      },
    });
    const bundle = await bundleWorkflowCode({ workflowsPath, plugins: [addInterceptors('a'), addInterceptors('b')] });
    expect(seen).toEqual([[], [interceptorsPath]]);
    // Added twice, bundled once.
    expect(bundle.sources?.interceptorModules).toEqual([interceptorsPath]);
  });

  test('a configureBundler that is not a function is a TypeError naming it', async () => {
    const error = await rejection(
      bundleWorkflowCode({ workflowsPath, plugins: [{ name: 'p', configureBundler: 1 } as unknown as BundlerPlugin] }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('plugins[0].configureBundler');
  });
});

describe('connection plugins', () => {
  test('Connection.lazy applies configureConnection in order before resolving', () => {
    const order: string[] = [];
    const plugin = (name: string, address: string): ConnectionPlugin => ({
      name,
      configureConnection: (options) => {
        order.push(name);
        return { ...options, address };
      },
    });
    const connection = Connection.lazy({
      ...unreachable,
      plugins: [plugin('a', '127.0.0.1:2'), plugin('b', '127.0.0.1:3')],
    });
    expect(order).toEqual(['a', 'b']);
    expect(connection.options.address).toBe('127.0.0.1:3');
    expect(connection.plugins.map((p) => p.name)).toEqual(['a', 'b']);
  });

  test('NativeConnection.connect refuses a malformed plugin before connecting', async () => {
    const error = await rejection(
      NativeConnection.connect({ ...unreachable, plugins: [{ name: '' } as NativeConnectionPlugin] }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('plugins[0].name');
  });
});

describe('Client plugins and interceptors', () => {
  test("configureClient hooks run in order, the client's plugins before the connection's", () => {
    const order: string[] = [];
    const plugin = (name: string): ClientPlugin & ConnectionPlugin => ({
      name,
      configureClient: (options) => {
        order.push(name);
        return { ...options, identity: `${options.identity ?? ''}${name}` };
      },
    });
    const connection = Connection.lazy({ ...unreachable, plugins: [plugin('connection')] });
    const client = new Client({ connection, plugins: [plugin('a'), plugin('b')] });
    expect(order).toEqual(['a', 'b', 'connection']);
    expect(client.options.identity).toBe('abconnection');
    expect(client.options.plugins.map((p) => p.name)).toEqual(['a', 'b', 'connection']);
  });

  test('interceptors run in list order (the first outermost), pass headers inward, and may answer without calling next', async () => {
    const log: string[] = [];
    const outer: WorkflowClientInterceptor = {
      async startWithDetails(input, next) {
        log.push(`outer ${input.workflowType} ${input.options.workflowId}`);
        const output = await next({
          ...input,
          headers: { ...input.headers, tenant: defaultPayloadConverter.toPayload('acme') },
        });
        log.push(`outer got ${output.runId}`);
        return output;
      },
    };
    const inner: WorkflowClientInterceptor = {
      async startWithDetails(input) {
        log.push(`inner tenant ${defaultPayloadConverter.fromPayload(input.headers['tenant']!)}`);
        expect(input.options.args).toEqual([1, 2]);
        expect(input.options.workflowRunTimeout).toEqual({ seconds: expect.anything(), nanos: 0 });
        return { runId: 'run-from-interceptor', eagerlyStarted: false };
      },
    };
    const fromPlugin: ClientPlugin = {
      name: 'adds-outer',
      configureClient: (options) => ({
        ...options,
        interceptors: { workflow: [outer, ...(options.interceptors?.workflow ?? [])] },
      }),
    };
    const client = new Client({
      connection: Connection.lazy(unreachable),
      interceptors: { workflow: [inner] },
      plugins: [fromPlugin],
    });
    const handle = await client.workflow.start('someWorkflow', {
      taskQueue: 'q',
      workflowId: 'wf-1',
      args: [1, 2],
      workflowRunTimeout: '1m',
    });
    expect(handle.firstExecutionRunId).toBe('run-from-interceptor');
    expect(log).toEqual(['outer someWorkflow wf-1', 'inner tenant acme', 'outer got run-from-interceptor']);
  });

  test('an interceptor with only the legacy start is adapted to startWithDetails', async () => {
    const legacy: WorkflowClientInterceptor = { start: async () => 'legacy-run' };
    const client = new Client({ connection: Connection.lazy(unreachable), interceptors: { workflow: [legacy] } });
    const handle = await client.workflow.start('w', { taskQueue: 'q', workflowId: 'wf-2' });
    expect(handle.firstExecutionRunId).toBe('legacy-run');
  });

  test('signal, query, terminate and cancel go through their interceptor methods with the execution they target', async () => {
    const seen: string[] = [];
    const interceptor: WorkflowClientInterceptor = {
      signal: async (input) => {
        seen.push(`signal ${input.signalName} ${input.workflowExecution.workflowId} ${JSON.stringify(input.args)}`);
      },
      query: async (input) => {
        seen.push(`query ${input.queryType} ${input.workflowExecution.runId}`);
        return 'answer';
      },
      terminate: async (input) => {
        seen.push(`terminate ${input.reason}`);
        return {};
      },
      cancel: async (input) => {
        seen.push(`cancel ${input.workflowExecution.workflowId}`);
        return {};
      },
    };
    const client = new Client({ connection: Connection.lazy(unreachable), interceptors: { workflow: [interceptor] } });
    const handle = client.workflow.getHandle('wf-3', 'run-3');
    await handle.signal('poke', 7);
    expect(await handle.query('state')).toBe('answer');
    await handle.terminate('done');
    await handle.cancel();
    expect(seen).toEqual(['signal poke wf-3 [7]', 'query state run-3', 'terminate done', 'cancel wf-3']);
  });

  test('a malformed interceptor or client plugin is a TypeError naming it', () => {
    const connection = Connection.lazy(unreachable);
    expect(
      () =>
        new Client({
          connection,
          interceptors: { workflow: [{ signal: 'no' } as unknown as WorkflowClientInterceptor] },
        }),
    ).toThrow(/interceptors\.workflow\[0\]\.signal must be a function/);
    expect(
      () => new Client({ connection, plugins: [{ name: 'p', configureClient: {} } as unknown as ClientPlugin] }),
    ).toThrow(/plugins\[0\]\.configureClient \(of plugin "p"\) must be a function/);
    expect(() => new Client({ connection, plugins: [{} as ClientPlugin] })).toThrow(TypeError);
  });
});
