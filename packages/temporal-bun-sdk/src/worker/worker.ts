/**
 * `createWorker` and the `Worker` it returns: owns the native worker, runs the workflow and
 * activity task loops, and sequences shutdown.
 *
 * Lifecycle (the design's Initializing → Running → ShuttingDown → Finalizing → Stopped):
 * `createWorker` initializes (validates options, bundles workflows, connects, checks the
 * namespace) and resolves with a worker in state `INITIALIZED`; `run()` moves it to `RUNNING`;
 * `shutdown()` to `SHUTTING_DOWN` (polling stops, in-flight work finishes or is cancelled after the
 * grace time); once both loops have drained, `FINALIZING` (core's finalize) and then `STOPPED`, or
 * `FAILED` if a loop hit a fatal error (which `run()` rejects with).
 */
import { IllegalStateError } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import { NativeWorker } from '../native';
import type { ActivityContextClient } from '../activity/context';
import { createActivityRegistry } from '../activity/registry';
import { Client } from '../client/client';
import { ActivityTaskLoop } from './activity-task-loop';
import { checkWorkerPeerPackages } from '../common/peer-packages';
import { bundleSharedContextWorkflowCode, bundleWorkflowCode } from '../workflow/bundler';
import { type LoadedWorkflowBundle, loadSharedContextBundle, loadWorkflowBundle } from '../workflow/prebuilt-bundle';
import { WorkflowIsolateManager } from '../workflow/isolate-manager';
import { WorkflowTaskLoop } from './workflow-task-loop';
import {
  configureNativeConnectionOptions,
  forwardCoreLog,
  NativeConnection,
  onCoreLog,
  resolveNativeConnectionOptions,
  runtimeMetricMeter,
  type ResolvedNativeConnectionOptions,
} from '../connection';
import { applyAsyncConfigureHooks } from '../common/plugins';
import { payloadVisitor } from '../common/payload-visitor';
import { workerProtos } from '../common/worker-protos';
import { ConsoleLogger, withMetadata, type Logger } from '../common/logger';
import { MetricsEmitter, type WorkerMetricsSnapshot } from './metrics';
import {
  checkWorkerPlugins,
  compileWorkerOptions,
  WORKER_DEFAULTS,
  type CompiledWorkerOptions,
  type WorkerOptions,
} from './options';
import type { WorkerPlugin } from './plugins';
import { ShutdownController } from './shutdown-controller';
import type { TaskLoopContext } from './task-loop-context';

export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'SHUTTING_DOWN' | 'FINALIZING' | 'STOPPED' | 'FAILED';

interface WorkerParts {
  options: CompiledWorkerOptions;
  connection: NativeConnection;
  ownsConnection: boolean;
  native: NativeWorker;
  logger: Logger;
  metrics: MetricsEmitter;
  workflowLoop: WorkflowTaskLoop | undefined;
  activityLoop: ActivityTaskLoop;
  /** Their `runWorker` hooks wrap `run()`. */
  plugins: readonly WorkerPlugin[];
}

/** `compiled` polling `namespace` (the connection's, when the options name none). */
function withNamespace(compiled: CompiledWorkerOptions, namespace: string): CompiledWorkerOptions {
  return { ...compiled, namespace, native: { ...compiled.native, namespace } };
}

/**
 * Creates a worker: validates the options, bundles `workflowsPath` (or loads the prebuilt
 * `workflowBundle`), connects, and checks that the namespace exists. Rejects with a typed error naming what is wrong; nothing is left running then.
 *
 * @example
 * const worker = await createWorker({ taskQueue: 'orders', workflowsPath: require.resolve('./workflows'), activities });
 * await worker.run(); // until worker.shutdown()
 */
export async function createWorker(givenOptions: WorkerOptions): Promise<Worker> {
  const options = await configureWorkerOptions(givenOptions);
  const validated = compileWorkerOptions(options);
  const plugins = options.plugins ?? [];
  // The connection resolves as the client's does: explicit options (as their plugins leave them),
  // then TEMPORAL_* and the temporal.toml profile, then the defaults. Its namespace is the
  // worker's when it names none.
  const given = options.connection;
  const connectionOptions =
    given instanceof NativeConnection
      ? undefined
      : resolveNativeConnectionOptions(configureNativeConnectionOptions(given ?? {}));
  const connectionNamespace = given instanceof NativeConnection ? given.namespace : connectionOptions!.namespace;
  const compiled = options.namespace === undefined ? withNamespace(validated, connectionNamespace) : validated;
  const baseLogger = options.logger ?? new ConsoleLogger('INFO');
  const logger = withMetadata(baseLogger, { sdkComponent: 'worker', taskQueue: compiled.taskQueue });
  const activities = createActivityRegistry(options.activities ?? {});
  const dataConverter = loadDataConverter(options.dataConverter);
  const metrics = new MetricsEmitter(options.metrics, (error) => logger.warn('The metrics hook threw', { error }));

  checkWorkerPeerPackages();
  // The sandbox layout is chosen once: the bundler makes only that layout's code.
  const reuseV8Context = options.reuseV8Context ?? WORKER_DEFAULTS.reuseV8Context;
  const ownsConnection = !(given instanceof NativeConnection);
  // The engine's side of the start (connecting, core's worker, the namespace check: network I/O
  // on the bridge's threads) runs while this thread bundles and loads the workflows, which yields
  // to the event loop between its steps so that each answer is taken up as it arrives.
  const engine = startEngineWorker(given, connectionOptions, compiled.native);
  engine.catch(() => undefined);
  let manager: WorkflowIsolateManager | undefined;
  try {
    const workflows = await workflowCode(compiled, options, logger, reuseV8Context, plugins);
    manager =
      workflows === undefined
        ? undefined
        : await WorkflowIsolateManager.create({
            bundle: workflows.bundle,
            reusable: workflows.reusable,
            logger,
            registeredActivityNames: activities.keys(),
            payloadConverter: dataConverter.payloadConverter,
            failureConverter: dataConverter.failureConverter,
            reuseV8Context,
          });
  } catch (error) {
    // The workflows' failure is the one reported; the engine's side is released once it settles.
    void engine.then(
      ({ connection, native }) => {
        native.free();
        if (ownsConnection) void connection.close();
      },
      () => undefined,
    );
    throw error;
  }

  let connection: NativeConnection;
  let native: NativeWorker;
  try {
    ({ connection, native } = await engine);
  } catch (error) {
    manager?.disposeAll();
    throw error;
  }
  try {
    const context: TaskLoopContext = {
      native,
      namespace: compiled.namespace,
      taskQueue: compiled.taskQueue,
      dataConverter,
      logger,
      metrics,
      metricMeter: runtimeMetricMeter(connection.runtime),
    };
    const workflowLoop =
      manager === undefined
        ? undefined
        : new WorkflowTaskLoop(context, manager, {
            sinks: options.sinks,
            requireVersioningBehavior: compiled.requireVersioningBehavior,
          });
    // Activities reach the server through the worker's connection, namespace and data converter
    // (`Context.current().client`), as in the official worker. This SDK's Client has the shape of
    // the `@temporalio/client` one that `@temporalio/activity` names.
    const client = new Client({
      connection,
      namespace: compiled.namespace,
      identity: options.identity,
      dataConverter,
      interceptors: options.interceptors?.client,
    });
    const activityLoop = new ActivityTaskLoop(context, {
      activities,
      interceptors: options.interceptors?.activity,
      client: client as unknown as ActivityContextClient,
      abandonAfterCancelMs: compiled.abandonAfterCancelMs,
    });
    return new Worker({
      options: compiled,
      connection,
      ownsConnection,
      native,
      logger,
      metrics,
      workflowLoop,
      activityLoop,
      plugins,
    });
  } catch (error) {
    manager?.disposeAll();
    native.free();
    if (ownsConnection) await connection.close();
    throw error;
  }
}

/**
 * The connection (the given one, or a new one), core's worker on it and the namespace checked with
 * the server. On a failure, what was made is released: the worker, and a connection made here.
 */
async function startEngineWorker(
  given: WorkerOptions['connection'],
  connectionOptions: ResolvedNativeConnectionOptions | undefined,
  options: CompiledWorkerOptions['native'],
): Promise<{ connection: NativeConnection; native: NativeWorker }> {
  const connection =
    given instanceof NativeConnection ? given : await NativeConnection.connectResolved(connectionOptions!);
  let native: NativeWorker | undefined;
  try {
    native = NativeWorker.create(connection.runtime, connection.client, options);
    await native.validate();
    return { connection, native };
  } catch (error) {
    native?.free();
    if (connection !== given) await connection.close();
    throw error;
  }
}

/**
 * `options` after the `configureWorker` hooks of its plugins and then its connection's (as in the
 * official worker), in order; `plugins` of the result lists them all. Plugins are checked first,
 * so a malformed one is a `WorkerOptionsError` naming it.
 */
async function configureWorkerOptions(options: WorkerOptions): Promise<WorkerOptions> {
  if (options === null || typeof options !== 'object') return options; // compileWorkerOptions says what is wrong
  checkWorkerPlugins(options.plugins);
  const connection = options.connection as { plugins?: unknown } | undefined;
  const connectionPlugins = Array.isArray(connection?.plugins) ? (connection.plugins as WorkerPlugin[]) : [];
  if (options.plugins === undefined && connectionPlugins.length === 0) return options;
  const plugins = [...(options.plugins ?? []), ...connectionPlugins];
  checkWorkerPlugins(plugins);
  return applyAsyncConfigureHooks(plugins, 'configureWorker', { ...options, plugins }, 'createWorker');
}

/**
 * The workflows to run: `workflowsPath` bundled now (only the code of the worker's sandbox layout),
 * or the prebuilt `workflowBundle`; none for an activity-only worker.
 */
async function workflowCode(
  compiled: CompiledWorkerOptions,
  options: WorkerOptions,
  logger: Logger,
  reuseV8Context: boolean,
  plugins: readonly WorkerPlugin[],
): Promise<LoadedWorkflowBundle | undefined> {
  if (compiled.workflowBundle !== undefined) return loadWorkflowBundle(compiled.workflowBundle);
  if (compiled.workflowsPath === undefined) return undefined;
  const bundleOptions = {
    workflowsPath: compiled.workflowsPath,
    workflowInterceptorModules: options.interceptors?.workflowModules,
    payloadConverterPath: options.dataConverter?.payloadConverterPath,
    failureConverterPath: options.dataConverter?.failureConverterPath,
    ignoreModules: compiled.ignoreModules,
    logger,
    plugins: [...plugins],
  };
  return reuseV8Context
    ? loadSharedContextBundle(await bundleSharedContextWorkflowCode(bundleOptions))
    : loadWorkflowBundle(await bundleWorkflowCode(bundleOptions));
}

export class Worker {
  readonly #parts: WorkerParts;
  readonly #shutdown: ShutdownController;
  #state: WorkerState = 'INITIALIZED';
  #running: Promise<void> | undefined;

  /** @internal use {@link createWorker} */
  constructor(parts: WorkerParts) {
    this.#parts = parts;
    this.#shutdown = new ShutdownController({
      stopPolling: () => parts.native.initiateShutdown(),
      cancelActivities: (reason) => parts.activityLoop.cancelAll(reason),
      logger: parts.logger,
    });
  }

  get options(): Readonly<CompiledWorkerOptions> {
    return this.#parts.options;
  }

  getState(): WorkerState {
    return this.#state;
  }

  /** Running totals of task counts and latencies since the worker was created. */
  getMetrics(): WorkerMetricsSnapshot {
    return this.#parts.metrics.snapshot();
  }

  /**
   * Polls and runs tasks until {@link shutdown}. Resolves once the worker has fully shut down;
   * rejects if a task loop hits a fatal error (after shutting down what it can).
   */
  run(): Promise<void> {
    // Each plugin's runWorker wraps the next one's; the first plugin's is the outermost.
    let run = (worker: Worker) => worker.#runOnce();
    for (const plugin of [...this.#parts.plugins].reverse()) {
      const runWorker = plugin.runWorker;
      if (runWorker === undefined) continue;
      const next = run;
      run = (worker) => runWorker.call(plugin, worker, next);
    }
    return run(this);
  }

  #runOnce(): Promise<void> {
    if (this.#state !== 'INITIALIZED') {
      return Promise.reject(
        new IllegalStateError(`Worker.run() can be called once, on a new worker; the worker is ${this.#state}`),
      );
    }
    this.#state = 'RUNNING';
    this.#running = this.#runLoops();
    return this.#running;
  }

  /** Runs until `until` settles, then shuts down gracefully; rejects if `until` rejected. */
  async runUntil<T>(until: Promise<T> | (() => Promise<T>)): Promise<T> {
    const running = this.run();
    const stoppedFirst = running.then(() => {
      throw new IllegalStateError('the worker stopped before the runUntil promise settled');
    });
    try {
      return await Promise.race([typeof until === 'function' ? until() : until, stoppedFirst]);
    } finally {
      this.shutdown();
      await running;
    }
  }

  /**
   * Stops polling; activities still running after `gracefulTimeoutMs` (default: the
   * `shutdownGraceTime` option) are cancelled with reason "worker shutdown". `shutdown(0)` cancels
   * them at once. Calling it again is harmless (a shorter grace still applies).
   */
  shutdown(gracefulTimeoutMs?: number): void {
    const graceMs = gracefulTimeoutMs ?? this.#parts.options.shutdownGraceTimeMs;
    switch (this.#state) {
      case 'INITIALIZED':
        // Never ran: release everything without polling.
        this.#state = 'SHUTTING_DOWN';
        this.#shutdown.request(0);
        this.#running = this.#finalize(undefined).catch((error: unknown) =>
          this.#parts.logger.error('Releasing a worker that never ran failed', { error }),
        );
        return;
      case 'RUNNING':
        this.#state = 'SHUTTING_DOWN';
        this.#shutdown.request(graceMs);
        return;
      case 'SHUTTING_DOWN':
        this.#shutdown.request(graceMs);
        return;
      default:
        return; // finalizing or stopped: nothing left to stop
    }
  }

  async #runLoops(): Promise<void> {
    const { logger, options, workflowLoop, activityLoop } = this.#parts;
    const unsubscribe = onCoreLog((record) => {
      const queue = record.fields['task_queue'];
      if (queue === undefined || queue === options.taskQueue) forwardCoreLog(logger, record);
    });
    let fatal: unknown;
    const onFatal = (error: unknown) => {
      if (fatal === undefined) {
        fatal = error;
        logger.error('A task loop failed; shutting the worker down', { error });
      }
      this.shutdown(0);
    };
    // The loops send their first polls before their first await.
    const loops = Promise.all([workflowLoop?.run().catch(onFatal), activityLoop.run().catch(onFatal)]);
    logger.info('Worker started', { namespace: options.namespace });
    // The protobuf classes that decode tasks (~20 ms to build) and the payload visitor every
    // activity task goes through (~3 ms to load) are made while the first polls are out, unless a
    // task arrives first and makes them. A failure here is the first task's to report.
    setTimeout(() => {
      try {
        workerProtos();
        if (activityLoop.hasActivities) payloadVisitor();
      } catch {
        // The first task fails the same way, through its task loop.
      }
    }, 0);
    try {
      await loops;
    } finally {
      unsubscribe();
    }
    await this.#finalize(fatal);
  }

  async #finalize(fatal: unknown): Promise<void> {
    const { native, connection, ownsConnection, logger } = this.#parts;
    this.#state = 'FINALIZING';
    this.#shutdown.dispose();
    try {
      await native.finalizeShutdown();
    } catch (error) {
      fatal ??= error;
    } finally {
      native.free();
      if (ownsConnection) await connection.close();
    }
    this.#state = fatal === undefined ? 'STOPPED' : 'FAILED';
    logger.info('Worker stopped', { state: this.#state });
    if (fatal !== undefined) throw fatal;
  }
}
