#!/usr/bin/env bun
/**
 * `temporal-bun-worker`: runs a worker for one task queue from the command line — workflows from a
 * file, activities from a module's exported functions — until SIGINT/SIGTERM.
 *
 * Lifecycle: flags are checked and the activities module loaded first (usage mistakes fail fast,
 * exit 2); then `--dev` starts a local dev server; then the worker connects, bundles and validates
 * (failures exit 1 with one line); once it polls it prints exactly one ready line on stdout. The
 * first signal shuts down gracefully (in-flight activities get `--shutdown-grace`), a second one
 * cancels them at once, a third exits without waiting. Exit code 0 after a clean shutdown.
 */
import {
  NativeConnection,
  Runtime,
  createWorker,
  WORKER_DEFAULTS,
  WorkerOptionsError,
  type Worker,
  type WorkerOptions,
} from '../worker';
import { isPortFree, startDevServer, type DevServer } from '../dev-server';
import { MAX_RUNTIME_THREADS } from '../connection';
import { CliError, CliUsageError, EXIT_CODES, exitWithError } from './cli-errors';
import { CliLogger } from './cli-logger';
import {
  atAddress,
  CONNECTION_FLAGS,
  CONNECTION_FLAGS_USAGE,
  connectionFromFlags,
  type CliConnection,
} from './connection-flags';
import { durationFlag, existingFile, integerFlag, logLevelFlag, nonEmptyFlag, parseFlags } from './flag-values';
import { packageVersion } from './version';

const PROGRAM = 'temporal-bun-worker';

export const WORKER_USAGE = `Usage: ${PROGRAM} --task-queue <name> [--workflows <file>] [--activities <module>] [options]

Runs a Temporal worker on Bun until SIGINT/SIGTERM (a second signal stops at once).
Prints one line "${PROGRAM} ready: ..." on stdout once it is polling.

Worker:
  --task-queue <name>        Task queue to poll (required)
  --workflows <file>         Workflows file (.ts or .js) exporting workflow functions
  --activities <module>      Module whose exported functions are the activities
                             (at least one of --workflows and --activities)
  --max-concurrent-activities <n>        Activities run at once (default ${WORKER_DEFAULTS.maxConcurrentActivityTaskExecutions})
  --max-concurrent-workflow-tasks <n>    Workflow tasks run at once (default ${WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions})
  --max-concurrent-local-activities <n>  Local activities run at once (default ${WORKER_DEFAULTS.maxConcurrentLocalActivityExecutions})
  --max-cached-workflows <n>             Workflow runs kept in the sticky cache, 0 disables it (default ${WORKER_DEFAULTS.maxCachedWorkflows})
  --shutdown-grace <duration>  On the first signal, how long in-flight activities may run before they
                             are cancelled, e.g. 30s (default ${WORKER_DEFAULTS.shutdownGraceTimeMs}: cancelled at once)
  --connect-timeout <duration> How long to wait for the server to answer (default 10s)
  --runtime-threads <n>      Threads of sdk-core's runtime (gRPC, protobuf), 1 to ${MAX_RUNTIME_THREADS} (default 1)
  --log-level <level>        trace, debug, info, warn or error (default info); logs go to stderr

Local dev server:
  --dev                      Start a local Temporal dev server (the \`temporal\` CLI, in memory) for the
                             worker's lifetime and connect to it: on 127.0.0.1:7233 (web UI on 8233)
                             if free, else on free ports; the ready line says where
  --dev-port <port>          Port of that dev server (0: any free port)

${CONNECTION_FLAGS_USAGE}

Other:
  -h, --help                 Show this help
  --version                  Show the version

Example:
  ${PROGRAM} --dev --task-queue orders --workflows ./src/workflows.ts --activities ./src/activities.ts
`;

const WORKER_FLAGS = {
  ...CONNECTION_FLAGS,
  'task-queue': { type: 'string' },
  workflows: { type: 'string' },
  activities: { type: 'string' },
  'max-concurrent-activities': { type: 'string' },
  'max-concurrent-workflow-tasks': { type: 'string' },
  'max-concurrent-local-activities': { type: 'string' },
  'max-cached-workflows': { type: 'string' },
  'shutdown-grace': { type: 'string' },
  'connect-timeout': { type: 'string' },
  'runtime-threads': { type: 'string' },
  'log-level': { type: 'string' },
  dev: { type: 'boolean' },
  'dev-port': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** `WorkerOptions` names → the flags that set them, so option errors name what the user typed. */
const FLAG_OF_OPTION: Partial<Record<string, string>> = {
  taskQueue: '--task-queue',
  workflowsPath: '--workflows',
  maxConcurrentActivityTaskExecutions: '--max-concurrent-activities',
  maxConcurrentWorkflowTaskExecutions: '--max-concurrent-workflow-tasks',
  maxConcurrentLocalActivityExecutions: '--max-concurrent-local-activities',
  maxCachedWorkflows: '--max-cached-workflows',
  shutdownGraceTime: '--shutdown-grace',
  namespace: '--namespace',
};

/** The port `--dev` prefers, so that clients with default settings find the server. */
const DEV_PREFERRED_PORT = 7233;

/** Everything the command line asks for, checked. */
interface WorkerCommand {
  taskQueue: string;
  workflowsPath?: string;
  activities?: Record<string, (...args: never[]) => unknown>;
  workerOptions: Partial<WorkerOptions>;
  shutdownGraceMs: number;
  connectTimeoutMs?: number;
  runtimeThreads?: number;
  logger: CliLogger;
  dev?: { port?: number };
  connectionFlags: Parameters<typeof connectionFromFlags>[0];
}

async function parseWorkerCommand(argv: string[]): Promise<WorkerCommand | 'help' | 'version'> {
  const values = parseFlags(argv, WORKER_FLAGS);
  if (values.help) return 'help';
  if (values.version) return 'version';

  const taskQueue = nonEmptyFlag(values['task-queue'], 'task-queue');
  if (taskQueue === undefined) throw new CliUsageError('--task-queue is required: the task queue this worker polls');
  const workflowsPath = existingFile(values.workflows, 'workflows');
  const activitiesPath = existingFile(values.activities, 'activities');
  if (workflowsPath === undefined && activitiesPath === undefined) {
    throw new CliUsageError('nothing to run: pass --workflows <file>, --activities <module>, or both');
  }
  if (values.dev) {
    const conflicting = (
      ['address', 'api-key', 'api-key-file', 'tls', 'tls-cert', 'tls-key', 'tls-ca', 'tls-server-name'] as const
    ).filter((flag) => values[flag] !== undefined);
    if (conflicting.length > 0) {
      throw new CliUsageError(
        `--dev connects to the dev server it starts; it cannot be combined with ${conflicting.map((flag) => `--${flag}`).join(', ')}`,
      );
    }
  } else if (values['dev-port'] !== undefined) {
    throw new CliUsageError('--dev-port needs --dev');
  }

  const workerOptions: Partial<WorkerOptions> = {
    maxConcurrentActivityTaskExecutions: integerFlag(values['max-concurrent-activities'], 'max-concurrent-activities'),
    maxConcurrentWorkflowTaskExecutions: integerFlag(
      values['max-concurrent-workflow-tasks'],
      'max-concurrent-workflow-tasks',
      2,
    ),
    maxConcurrentLocalActivityExecutions: integerFlag(
      values['max-concurrent-local-activities'],
      'max-concurrent-local-activities',
    ),
    maxCachedWorkflows: integerFlag(values['max-cached-workflows'], 'max-cached-workflows', 0),
  };
  const shutdownGraceMs =
    durationFlag(values['shutdown-grace'], 'shutdown-grace') ?? WORKER_DEFAULTS.shutdownGraceTimeMs;
  const connectTimeoutMs = durationFlag(values['connect-timeout'], 'connect-timeout');
  if (connectTimeoutMs === 0) throw new CliUsageError('--connect-timeout must be longer than 0');
  const runtimeThreads = integerFlag(values['runtime-threads'], 'runtime-threads', 1, MAX_RUNTIME_THREADS);
  const logger = new CliLogger(logLevelFlag(values['log-level'], 'INFO'));

  return {
    taskQueue,
    workflowsPath,
    activities: activitiesPath === undefined ? undefined : await loadActivities(activitiesPath, values.activities!),
    workerOptions,
    shutdownGraceMs,
    connectTimeoutMs,
    runtimeThreads,
    logger,
    dev: values.dev ? { port: integerFlag(values['dev-port'], 'dev-port', 0, 65_535) } : undefined,
    connectionFlags: values,
  };
}

/** The module's exported functions (and those of an object it exports as default), by export name. */
async function loadActivities(path: string, given: string): Promise<Record<string, (...args: never[]) => unknown>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(path)) as Record<string, unknown>;
  } catch (cause) {
    throw new CliUsageError(
      `--activities: cannot load ${given}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
  const activities: Record<string, (...args: never[]) => unknown> = {};
  const fallback = module.default;
  if (typeof fallback === 'object' && fallback !== null) {
    for (const [name, value] of Object.entries(fallback))
      if (typeof value === 'function') activities[name] = value as never;
  }
  for (const [name, value] of Object.entries(module)) {
    if (name !== 'default' && typeof value === 'function') activities[name] = value as never;
  }
  if (Object.keys(activities).length === 0) {
    throw new CliUsageError(`--activities: ${given} exports no functions (each exported function is an activity)`);
  }
  return activities;
}

/** `--dev`: the preferred port when free (clients with default settings find it), else any free port. */
async function startWorkerDevServer(dev: { port?: number }, namespace: string): Promise<DevServer> {
  let port = dev.port;
  let uiPort: number | undefined;
  if (port === undefined) {
    port = (await isPortFree(DEV_PREFERRED_PORT)) ? DEV_PREFERRED_PORT : 0;
  }
  if (port !== 0 && port + 1000 <= 65_535 && (await isPortFree(port + 1000))) uiPort = port + 1000;
  return startDevServer({ port, uiPort: uiPort ?? 0, namespace });
}

function readyLine(taskQueue: string, connection: CliConnection, devServer: DevServer | undefined): string {
  let line = `${PROGRAM} ready: task queue "${taskQueue}", namespace "${connection.namespace}", address ${connection.address}`;
  if (devServer) {
    line += ` (local dev server, pid ${devServer.pid}${devServer.uiAddress ? `, web UI ${devServer.uiAddress}` : ''})`;
  }
  return line;
}

function renameOptionError(error: unknown): unknown {
  if (!(error instanceof WorkerOptionsError)) return error;
  const flag = FLAG_OF_OPTION[error.option];
  return flag === undefined
    ? error
    : new CliUsageError(`${flag}: ${error.message.replace(/^createWorker: option \S+ /, '')}`);
}

/** Runs the worker command; resolves with the exit code. */
export async function runWorkerCli(argv: string[]): Promise<number> {
  const parsed = await parseWorkerCommand(argv);
  if (parsed === 'help') {
    process.stdout.write(WORKER_USAGE);
    return EXIT_CODES.ok;
  }
  if (parsed === 'version') {
    process.stdout.write(`${PROGRAM} (${packageVersion()})\n`);
    return EXIT_CODES.ok;
  }
  const command = parsed;
  if (command.runtimeThreads !== undefined) Runtime.install({ runtimeThreads: command.runtimeThreads });

  let devServer: DevServer | undefined;
  let nativeConnection: NativeConnection | undefined;
  let connection: CliConnection | undefined;
  try {
    connection = connectionFromFlags(command.connectionFlags, process.env, {
      localDevServer: command.dev !== undefined,
    });
    if (command.dev) {
      devServer = await startWorkerDevServer(command.dev, connection.namespace);
      connection = atAddress(connection, devServer.address);
      process.stderr.write(
        `${PROGRAM}: started a local dev server at ${devServer.address}` +
          (devServer.uiAddress ? ` (web UI ${devServer.uiAddress})` : '') +
          '\n',
      );
    }
    // The flags were merged over the environment and the profile already: nothing more to read.
    nativeConnection = await NativeConnection.connect({
      ...connection.native,
      namespace: connection.namespace,
      connectTimeoutMs: command.connectTimeoutMs,
      envConfig: false,
    });
    let worker: Worker;
    try {
      worker = await createWorker({
        ...command.workerOptions,
        connection: nativeConnection,
        namespace: connection.namespace,
        taskQueue: command.taskQueue,
        workflowsPath: command.workflowsPath,
        activities: command.activities,
        shutdownGraceTime: command.shutdownGraceMs,
        logger: command.logger,
      });
    } catch (error) {
      throw renameOptionError(error);
    }
    const exitCode = await runUntilSignalled(worker, command, connection, devServer);
    await nativeConnection.close();
    return exitCode;
  } catch (error) {
    await devServer?.stop();
    await nativeConnection?.close();
    exitWithError(PROGRAM, error, { address: connection?.address });
  }
}

async function runUntilSignalled(
  worker: Worker,
  command: WorkerCommand,
  connection: CliConnection,
  devServer: DevServer | undefined,
): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  let signalsReceived = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalsReceived += 1;
    if (signalsReceived === 1) {
      const grace =
        command.shutdownGraceMs > 0
          ? `in-flight activities get ${command.shutdownGraceMs} ms`
          : 'in-flight activities are cancelled';
      process.stderr.write(
        `${PROGRAM}: ${signal}: shutting down gracefully (${grace}); send it again to stop at once\n`,
      );
      worker.shutdown();
    } else if (signalsReceived === 2) {
      process.stderr.write(`${PROGRAM}: ${signal} again: stopping at once, cancelling in-flight activities\n`);
      worker.shutdown(0);
    } else {
      process.stderr.write(`${PROGRAM}: ${signal} a third time: exiting without waiting for the worker\n`);
      process.exit(EXIT_CODES.failure); // the dev server, if any, is killed on exit
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let serverGone = false;
  void devServer?.exited.then((exit) => {
    if (worker.getState() === 'STOPPED' || worker.getState() === 'FAILED' || serverGone) return;
    serverGone = true;
    exitCode = EXIT_CODES.failure;
    process.stderr.write(
      `${PROGRAM}: error: the dev server exited unexpectedly (${exit.code ?? exit.signal}); stopping the worker\n`,
    );
    worker.shutdown(0);
  });

  const running = worker.run();
  process.stdout.write(`${readyLine(command.taskQueue, connection, devServer)}\n`);
  try {
    await running;
  } catch (error) {
    throw new CliError(
      `the worker failed: ${error instanceof Error ? error.message : String(error)}`,
      EXIT_CODES.failure,
      { cause: error },
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  serverGone = true; // from here on the dev server stops because we stop it
  await devServer?.stop();
  if (exitCode === EXIT_CODES.ok) process.stderr.write(`${PROGRAM}: stopped\n`);
  return exitCode;
}

if (import.meta.main) {
  runWorkerCli(process.argv.slice(2)).then(
    (exitCode) => process.exit(exitCode),
    (error: unknown) => exitWithError(PROGRAM, error),
  );
}
