/**
 * `TestWorkflowEnvironment`: a Temporal server for workflow tests under `bun test`, shaped like
 * `@temporalio/testing`'s, with this SDK's `Client` and `NativeConnection`.
 *
 * `createLocal` starts the `temporal` CLI's dev server (`temporal server start-dev`, in memory,
 * headless) on a free loopback port through this package's dev-server launcher; `teardown` closes the
 * connections and stops that server by PID. A server left running when the process ends (a test
 * run that crashed or was killed before its `afterAll`) is killed by a watchdog (`server-watchdog.ts`).
 *
 * Time skipping needs Temporal's time-skipping test server (`temporal-test-server`, from the Java
 * SDK) and its `TestService`. Neither is available to this SDK yet, so `createTimeSkipping` rejects
 * with {@link TimeSkippingUnavailableError}. The environment keeps the official shape where time
 * skipping would plug in: `supportsTimeSkipping`, `sleep` and `currentTimeMs` are the calls that
 * would go to the test service, and the server behind an environment is one field (`server`).
 *
 * @example
 * import { TestWorkflowEnvironment } from 'temporal-bun-sdk/testing';
 * import { createWorker } from 'temporal-bun-sdk';
 *
 * let env: TestWorkflowEnvironment;
 * beforeAll(async () => { env = await TestWorkflowEnvironment.createLocal(); });
 * afterAll(async () => { await env?.teardown(); });
 *
 * test('greets', async () => {
 *   const worker = await createWorker({ connection: env.nativeConnection, taskQueue: 'test',
 *     workflowsPath: require.resolve('./workflows'), activities });
 *   const result = await worker.runUntil(
 *     env.client.workflow.execute(greet, { taskQueue: 'test', workflowId: 'greet-1', args: ['Bun'] }));
 *   expect(result).toBe('Hello, Bun!');
 * });
 */
import type { Duration, SearchAttributeType } from '@temporalio/common';
import { TypedSearchAttributes } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { msToNumber } from '@temporalio/common/lib/time';
import { Client, type ClientOptions, type Connection } from '../client';
import { DEFAULT_NAMESPACE } from '../common/defaults';
import { CONNECTION_DEFAULTS } from '../config';
import { NativeConnection } from '../connection';
import { startDevServer, type DevServer, type DevServerLogLevel } from '../dev-server';
import { watchServer, type ServerWatchdog } from './server-watchdog';

/**
 * Which `temporal` CLI runs the dev server. Only `existing-path` is supported: this SDK never
 * downloads binaries (the official `cached-download` is not offered). Default: `$TEMPORAL_CLI_PATH`,
 * the project's `.tools/venv/bin/temporal`, else `temporal` on `$PATH`.
 */
export interface DevServerExecutable {
  type: 'existing-path';
  /** Path of the `temporal` CLI. */
  path: string;
}

/** The dev server of {@link TestWorkflowEnvironment.createLocal} (the official `DevServerConfig`, less `type`). */
export interface LocalDevServerConfig {
  executable?: DevServerExecutable;
  /** SQLite file that keeps the server's state. Default: in memory. */
  dbFilename?: string;
  /** Namespace created at start, and the environment's namespace. Default `'default'`. */
  namespace?: string;
  /** Interface to bind. Default `'127.0.0.1'`. */
  ip?: string;
  /** gRPC port. Default: a free port. */
  port?: number;
  /** Turn the web UI on. Default: `true` when `uiPort` is set, else `false`. */
  ui?: boolean;
  /** Web UI port. Default (with `ui`): a free port. */
  uiPort?: number;
  /** The server's own log level (its output is kept for error messages, not printed). Default `'error'`. */
  log?: { level: DevServerLogLevel };
  /** Search attributes registered at start (`--search-attribute name=Type`). */
  searchAttributes?: readonly SearchAttributeKey<SearchAttributeType>[];
  /** More arguments for `temporal server start-dev`, after those from the options above. */
  extraArgs?: readonly string[];
  /** How long to wait for the server to answer, in milliseconds. Default 30000. */
  startTimeoutMs?: number;
}

/** Options of the environment's {@link Client} (its connection is the environment's). */
export type ClientOptionsForTestEnv = Omit<ClientOptions, 'connection'>;

/** Options of {@link TestWorkflowEnvironment.createLocal}. */
export interface LocalTestWorkflowEnvironmentOptions {
  server?: LocalDevServerConfig;
  client?: ClientOptionsForTestEnv;
}

/** Options of {@link TestWorkflowEnvironment.createFromExistingServer}. */
export interface ExistingServerTestWorkflowEnvironmentOptions {
  /** `host:port` of the server. Default `'localhost:7233'`. `TEMPORAL_*` settings are not read. */
  address?: string;
  /** Default `'default'`. */
  namespace?: string;
  client?: ClientOptionsForTestEnv;
}

/** Options of {@link TestWorkflowEnvironment.createTimeSkipping} (the official shape; not supported yet). */
export interface TimeSkippingTestWorkflowEnvironmentOptions {
  server?: { executable?: DevServerExecutable; port?: number; extraArgs?: readonly string[] };
  client?: ClientOptionsForTestEnv;
}

/** `createTimeSkipping` was called: the time-skipping test server is not available to this SDK. */
export class TimeSkippingUnavailableError extends Error {
  override readonly name = 'TimeSkippingUnavailableError';
  constructor() {
    super(
      "TestWorkflowEnvironment.createTimeSkipping: time skipping needs Temporal's time-skipping test server " +
        '(temporal-test-server, from the Java SDK), which temporal-bun-sdk cannot run yet. Use ' +
        'TestWorkflowEnvironment.createLocal() (a dev server in real time) and keep timers short in tests.',
    );
  }
}

/** Where the environment's server comes from, and how it connects. */
interface EnvironmentParts {
  server: DevServer | undefined;
  watchdog: ServerWatchdog | undefined;
  address: string;
  namespace: string;
  client: ClientOptionsForTestEnv | undefined;
}

/**
 * A Temporal server for tests, with a client and a connection for workers. Create one per test file
 * (`beforeAll`) and tear it down in `afterAll`; `await using env = await
 * TestWorkflowEnvironment.createLocal()` tears it down at the end of the scope.
 */
export class TestWorkflowEnvironment {
  /** The namespace the client uses and workers on {@link nativeConnection} default to. */
  readonly namespace: string;
  /** `host:port` of the server. */
  readonly address: string;
  /** This SDK's `Client`, on {@link nativeConnection}. */
  readonly client: Client;
  /** The client's `Connection` (it shares {@link nativeConnection}). */
  readonly connection: Connection;
  /** Pass it to `createWorker({ connection: env.nativeConnection })`. */
  readonly nativeConnection: NativeConnection;
  /** The dev server this environment started (address, PID, output), or `undefined` for an existing server. */
  readonly server: DevServer | undefined;
  /** Always `false`: see {@link TimeSkippingUnavailableError}. */
  readonly supportsTimeSkipping = false;
  readonly #watchdog: ServerWatchdog | undefined;
  #teardown: Promise<void> | undefined;

  private constructor(parts: EnvironmentParts, nativeConnection: NativeConnection) {
    this.server = parts.server;
    this.#watchdog = parts.watchdog;
    this.address = parts.address;
    this.namespace = parts.namespace;
    this.nativeConnection = nativeConnection;
    this.client = new Client({ namespace: parts.namespace, ...parts.client, connection: nativeConnection });
    this.connection = this.client.connection;
  }

  /**
   * Starts a dev server (the `temporal` CLI's `server start-dev`: in memory, headless, on a free
   * loopback port) and connects to it. Rejects with `DevServerStartError` when the server does not
   * start and `TemporalCliNotFoundError` when there is no CLI; nothing is left running then.
   */
  static async createLocal(options: LocalTestWorkflowEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    const config = options.server ?? {};
    const searchAttributeArgs = (config.searchAttributes ?? []).flatMap((key) => [
      '--search-attribute',
      `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
    ]);
    const ui = config.ui ?? config.uiPort !== undefined;
    if (!ui && config.uiPort !== undefined) {
      throw new TypeError('TestWorkflowEnvironment.createLocal: server.uiPort needs the UI on; drop ui: false');
    }
    const server = await startDevServer({
      ip: config.ip,
      port: config.port,
      headless: !ui,
      uiPort: ui ? (config.uiPort ?? 0) : undefined,
      namespace: config.namespace,
      dbFilename: config.dbFilename,
      cliPath: config.executable?.path,
      logLevel: config.log?.level,
      startTimeoutMs: config.startTimeoutMs,
      extraArgs: [...searchAttributeArgs, ...(config.extraArgs ?? [])],
    });
    return TestWorkflowEnvironment.#connect({
      server,
      watchdog: watchServer(server.pid),
      address: server.address,
      namespace: server.namespace,
      client: options.client,
    });
  }

  /**
   * An environment on a server that is already running (started by the test run, a container, a
   * shared dev server). `teardown` closes the connections and leaves the server alone.
   */
  static async createFromExistingServer(
    options: ExistingServerTestWorkflowEnvironmentOptions = {},
  ): Promise<TestWorkflowEnvironment> {
    return TestWorkflowEnvironment.#connect({
      server: undefined,
      watchdog: undefined,
      address: options.address ?? CONNECTION_DEFAULTS.address,
      namespace: options.namespace ?? DEFAULT_NAMESPACE,
      client: options.client,
    });
  }

  /** Not supported: rejects with {@link TimeSkippingUnavailableError} (see the module comment). */
  static async createTimeSkipping(_options?: TimeSkippingTestWorkflowEnvironmentOptions): Promise<never> {
    throw new TimeSkippingUnavailableError();
  }

  static async #connect(parts: EnvironmentParts): Promise<TestWorkflowEnvironment> {
    try {
      // `envConfig: false`: the user's TEMPORAL_* settings are for their real service, not this one.
      const nativeConnection = await NativeConnection.connect({
        address: parts.address,
        namespace: parts.namespace,
        envConfig: false,
      });
      return new TestWorkflowEnvironment(parts, nativeConnection);
    } catch (error) {
      await parts.server?.stop();
      parts.watchdog?.stop();
      throw error;
    }
  }

  /**
   * Closes the client and the native connection and stops the dev server this environment started
   * (SIGTERM, then SIGKILL), waiting until its process is gone. Shut workers down first: a worker
   * still polling loses its server. Idempotent: later calls return the first call's promise. Every
   * step runs even when one fails; the first failure is thrown afterwards.
   */
  teardown(): Promise<void> {
    this.#teardown ??= (async () => {
      const failures: unknown[] = [];
      const attempt = async (step: () => Promise<void>) => {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      };
      await attempt(() => this.connection.close());
      await attempt(() => this.nativeConnection.close());
      if (this.server !== undefined) {
        const server = this.server;
        await attempt(() => server.stop());
      }
      this.#watchdog?.stop();
      if (failures.length > 0) throw failures[0];
    })();
    return this.#teardown;
  }

  /** `await using env = await TestWorkflowEnvironment.createLocal()` calls {@link teardown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.teardown();
  }

  /**
   * Waits `durationMs` (a number of milliseconds or an `ms` string such as `'2s'`) of server time,
   * which without time skipping is real time.
   */
  sleep = async (durationMs: Duration): Promise<void> => {
    await Bun.sleep(msToNumber(durationMs));
  };

  /** The server's current time, which without time skipping is the system's (`Date.now()`). */
  async currentTimeMs(): Promise<number> {
    return Date.now();
  }
}
