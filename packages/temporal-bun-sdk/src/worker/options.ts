/**
 * `createWorker` options: names follow the official SDK's `WorkerOptions` where the concept is the
 * same, so existing worker code ports by changing one import. Every default lives in
 * {@link WORKER_DEFAULTS}; durations accept milliseconds or strings such as `'10s'`.
 */
import { existsSync, statSync } from 'node:fs';
import type { DataConverter, Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { CONNECTION_DEFAULTS } from '../config/env-config';
import type { NativeWorkerOptions } from '../native';
import type { ActivityInterceptorsFactory } from '../activity/interceptors';
import type { InjectedSinks } from '../workflow/sinks';
import type { WorkflowBundleOption } from '../workflow/prebuilt-bundle';
import type { NativeConnection, NativeConnectionOptions } from './connection';
import type { Logger } from './logger';
import type { WorkerMetricsOptions } from './metrics';

export interface WorkerInterceptors {
  /** Activity inbound/outbound interceptor factories, applied in order. */
  activity?: ActivityInterceptorsFactory[];
  /** Modules (paths) bundled into the workflow sandbox that export `interceptors()`. */
  workflowModules?: string[];
}

export interface WorkerOptions {
  /**
   * The server to poll: an existing {@link NativeConnection} (shared, not closed by the worker), or
   * options to open one that the worker owns and closes at shutdown.
   * Default: `{ address: 'localhost:7233' }`.
   */
  connection?: NativeConnection | NativeConnectionOptions;
  /** Default `'default'`. */
  namespace?: string;
  /** Required. The task queue polled for both workflow and activity tasks. */
  taskQueue: string;
  /** Path to a `.ts` or `.js` file exporting workflow functions. Bundled once at start with `Bun.build`. */
  workflowsPath?: string;
  /**
   * The workflows bundled ahead of time, instead of `workflowsPath`: `{ code }` (the text of a file
   * written by `temporal-bun bundle`, for example imported `with { type: 'text' }` into a
   * single-file worker), `{ codePath }` (that file), or the result of `bundleWorkflowCode`. The
   * worker then bundles nothing and needs no `node_modules` for its workflows. Interceptor modules
   * and converter paths are bundled into it (`temporal-bun bundle` flags), so
   * `interceptors.workflowModules` and the data converter's paths do not apply to it.
   */
  workflowBundle?: WorkflowBundleOption;
  /** Activity implementations: an object of functions, or an array of functions / objects of functions. */
  activities?: object | ReadonlyArray<object | ((...args: never[]) => unknown)>;
  /** Default `${process.pid}@${hostname}` (from the connection). */
  identity?: string;
  /** Identifies the worker's code to the server. Default none. */
  buildId?: string;
  /** Legacy build-id-based versioning; requires `buildId`. Default false. */
  useVersioning?: boolean;
  /** Workflow runs kept in memory between tasks (sticky cache); 0 disables it. Default 1000. */
  maxCachedWorkflows?: number;
  /** Workflow activations processed at once. Default 40. */
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Activities executed at once. Default 100. */
  maxConcurrentActivityTaskExecutions?: number;
  /** Local activities executed at once. Default 100. */
  maxConcurrentLocalActivityExecutions?: number;
  /** Concurrent workflow-task long polls. Default 10 (at least 2 while caching). */
  maxConcurrentWorkflowTaskPolls?: number;
  /** Concurrent activity-task long polls. Default 10. */
  maxConcurrentActivityTaskPolls?: number;
  /** Share of workflow polls on the normal (non-sticky) queue, in (0, 1]. Default 0.2. */
  nonStickyToStickyPollRatio?: number;
  /** How long a task waits on this worker's sticky queue before going to any worker. Default `'10s'`. */
  stickyQueueScheduleToStartTimeout?: Duration;
  /** Longest heartbeat throttle interval. Default `'60s'`. */
  maxHeartbeatThrottleInterval?: Duration;
  /** Heartbeat throttle interval of activities without a heartbeat timeout. Default `'30s'`. */
  defaultHeartbeatThrottleInterval?: Duration;
  /** Per-worker activity rate limit (activities per second). Default none. */
  maxActivitiesPerSecond?: number;
  /** Task-queue-wide activity rate limit, enforced by the server. Default none. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Poll activity tasks (set false for a workflow-only worker). Default true. */
  enableNonLocalActivities?: boolean;
  /**
   * On graceful shutdown, how long in-flight activities may keep running before they are cancelled
   * with reason "worker shutdown". Default 0 (cancelled at once).
   */
  shutdownGraceTime?: Duration;
  /** Payload converter, failure converter and payload codecs; codecs run outside the sandbox. */
  dataConverter?: DataConverter;
  interceptors?: WorkerInterceptors;
  /** Functions the workflow sandbox may call through `proxySinks()`. */
  sinks?: InjectedSinks;
  /**
   * Run all workflows in one shared `vm` context (the SDK's library evaluated once) instead of one
   * context per workflow run. Each run still gets fresh workflow modules, its own globals, timers,
   * random state and activator; shared built-ins (`Math`, `JSON`, …) are frozen. A new run then
   * costs tens of microseconds instead of milliseconds, and tens of KiB instead of about 1.7 MiB;
   * worker start takes about 30 ms more. Built-in prototypes (`Array.prototype`, …) are shared
   * between runs, as in the official SDK's default mode; set false for a fresh context per run.
   * Default true (as in the official SDK).
   */
  reuseV8Context?: boolean;
  /** Receives the worker's logs and sdk-core's. Default: a console logger at INFO. */
  logger?: Logger;
  /** Task counts and latencies. */
  metrics?: WorkerMetricsOptions;
}

/** The defaults, one place. */
export const WORKER_DEFAULTS = {
  namespace: CONNECTION_DEFAULTS.namespace,
  maxCachedWorkflows: 1000,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentLocalActivityExecutions: 100,
  maxConcurrentWorkflowTaskPolls: 10,
  maxConcurrentActivityTaskPolls: 10,
  nonStickyToStickyPollRatio: 0.2,
  stickyQueueScheduleToStartTimeoutMs: 10_000,
  maxHeartbeatThrottleIntervalMs: 60_000,
  defaultHeartbeatThrottleIntervalMs: 30_000,
  shutdownGraceTimeMs: 0,
  reuseV8Context: true,
} as const;

/**
 * Upper bounds, one place. A larger value could only exhaust memory (sdk-core sizes its sticky
 * cache up front), overflow the engine's semaphores or a timer: it is refused here with the option
 * and the bound named. The bridge refuses the same values on its own (a test checks that the two agree).
 */
export const WORKER_LIMITS = {
  maxCachedWorkflows: 1_000_000,
  /** Each of maxConcurrentWorkflowTaskExecutions, …ActivityTaskExecutions, …LocalActivityExecutions. */
  maxConcurrentExecutions: 1_000_000,
  /** Each of maxConcurrentWorkflowTaskPolls and maxConcurrentActivityTaskPolls. */
  maxConcurrentPolls: 1024,
  /** Each of maxActivitiesPerSecond and maxTaskQueueActivitiesPerSecond. */
  activitiesPerSecond: 1_000_000,
  /** Every duration option: 2^31 − 1 ms (about 24.8 days), the longest timer a JavaScript runtime sets. */
  durationMs: 2 ** 31 - 1,
} as const;

/** An option has a wrong type or value; `option` names it. */
export class WorkerOptionsError extends TypeError {
  override readonly name = 'WorkerOptionsError';
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`createWorker: option ${option} ${problem}`);
  }
}

/** Options after validation, with defaults applied and durations in milliseconds. */
export interface CompiledWorkerOptions {
  namespace: string;
  taskQueue: string;
  workflowsPath: string | undefined;
  workflowBundle: WorkflowBundleOption | undefined;
  shutdownGraceTimeMs: number;
  /** What the bridge's worker receives. */
  native: NativeWorkerOptions;
}

function positiveInteger(options: WorkerOptions, option: keyof WorkerOptions, fallback: number, minimum: number, maximum: number): number {
  const value = options[option] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw new WorkerOptionsError(option, `must be an integer in [${minimum}, ${maximum.toLocaleString('en-US')}], got ${describeValue(value)}`);
  }
  return value;
}

function durationMs(options: WorkerOptions, option: keyof WorkerOptions, fallbackMs: number, allowZero = false): number {
  const value = options[option];
  if (value === undefined) return fallbackMs;
  let ms: number;
  try {
    ms = msToNumber(value as Duration);
  } catch (cause) {
    throw new WorkerOptionsError(option, `is not a duration (milliseconds or a string like '10s'): ${String(cause)}`);
  }
  if (!Number.isFinite(ms) || ms < 0 || (!allowZero && ms === 0)) {
    throw new WorkerOptionsError(option, `must be a ${allowZero ? 'non-negative' : 'positive'} duration, got ${describeValue(value)}`);
  }
  if (ms > WORKER_LIMITS.durationMs) {
    throw new WorkerOptionsError(option, `must be at most ${WORKER_LIMITS.durationMs} ms (about 24.8 days), got ${describeValue(value)}`);
  }
  return ms;
}

function optionalRate(options: WorkerOptions, option: keyof WorkerOptions): number | undefined {
  const value = options[option];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || value > WORKER_LIMITS.activitiesPerSecond) {
    throw new WorkerOptionsError(
      option,
      `must be a positive number of at most ${WORKER_LIMITS.activitiesPerSecond.toLocaleString('en-US')} per second, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A value as an error shows it: JSON where it has one (1e12 prints as 1000000000000). */
function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `workflowBundle`, checked for shape (its contents are checked when it is loaded). */
function checkWorkflowBundle(options: WorkerOptions): WorkflowBundleOption | undefined {
  const bundle = options.workflowBundle;
  if (bundle === undefined) return undefined;
  if (options.workflowsPath !== undefined) {
    throw new WorkerOptionsError('workflowBundle', 'and workflowsPath cannot both be set: pass one of them');
  }
  if (bundle === null || typeof bundle !== 'object') {
    throw new WorkerOptionsError('workflowBundle', `must be { code } or { codePath }, got ${JSON.stringify(bundle)}`);
  }
  if ('code' in bundle) {
    if (typeof bundle.code !== 'string' || bundle.code.length === 0) {
      throw new WorkerOptionsError('workflowBundle', 'code must be the non-empty text of a bundle written by `temporal-bun bundle`');
    }
    return bundle;
  }
  if ('codePath' in bundle) {
    if (typeof bundle.codePath !== 'string' || !existsSync(bundle.codePath) || !statSync(bundle.codePath).isFile()) {
      throw new WorkerOptionsError('workflowBundle', `codePath points to no file: ${JSON.stringify(bundle.codePath)}`);
    }
    return bundle;
  }
  throw new WorkerOptionsError('workflowBundle', 'must have `code` (the bundle\'s text) or `codePath` (its file)');
}

/** Validates `options` and applies the defaults. Throws {@link WorkerOptionsError} naming the option. */
export function compileWorkerOptions(options: WorkerOptions): CompiledWorkerOptions {
  if (options === null || typeof options !== 'object') {
    throw new WorkerOptionsError('options', 'must be an object');
  }
  if (typeof options.taskQueue !== 'string' || options.taskQueue.length === 0) {
    throw new WorkerOptionsError('taskQueue', `must be a non-empty string, got ${JSON.stringify(options.taskQueue)}`);
  }
  const namespace = options.namespace ?? WORKER_DEFAULTS.namespace;
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new WorkerOptionsError('namespace', 'must be a non-empty string');
  }
  const { workflowsPath } = options;
  if (workflowsPath !== undefined) {
    if (typeof workflowsPath !== 'string' || !existsSync(workflowsPath)) {
      throw new WorkerOptionsError('workflowsPath', `points to nothing: ${JSON.stringify(workflowsPath)} does not exist`);
    }
    if (!statSync(workflowsPath).isFile()) {
      throw new WorkerOptionsError('workflowsPath', `must be a .ts or .js file, got the directory ${workflowsPath}`);
    }
  }
  const workflowBundle = checkWorkflowBundle(options);
  const hasWorkflows = workflowsPath !== undefined || workflowBundle !== undefined;
  const enableActivities = options.enableNonLocalActivities ?? true;
  if (!hasWorkflows && (options.activities === undefined || !enableActivities)) {
    throw new WorkerOptionsError(
      'workflowsPath',
      'is required when the worker has no activities to run (set workflowsPath or workflowBundle, activities, or both)',
    );
  }
  if (options.useVersioning && !options.buildId) {
    throw new WorkerOptionsError('buildId', 'is required when useVersioning is true');
  }

  const maxCachedWorkflows = positiveInteger(options, 'maxCachedWorkflows', WORKER_DEFAULTS.maxCachedWorkflows, 0, WORKER_LIMITS.maxCachedWorkflows);
  const stickyMinimum = maxCachedWorkflows > 0 ? 2 : 1;
  const maxConcurrentWorkflowTaskExecutions = positiveInteger(
    options,
    'maxConcurrentWorkflowTaskExecutions',
    WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions,
    stickyMinimum,
    WORKER_LIMITS.maxConcurrentExecutions,
  );
  const ratio = options.nonStickyToStickyPollRatio ?? WORKER_DEFAULTS.nonStickyToStickyPollRatio;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
    throw new WorkerOptionsError('nonStickyToStickyPollRatio', `must be in (0, 1], got ${JSON.stringify(ratio)}`);
  }

  return {
    namespace,
    taskQueue: options.taskQueue,
    workflowsPath,
    workflowBundle,
    shutdownGraceTimeMs: durationMs(options, 'shutdownGraceTime', WORKER_DEFAULTS.shutdownGraceTimeMs, true),
    native: {
      namespace,
      taskQueue: options.taskQueue,
      identity: options.identity,
      buildId: options.buildId,
      useBuildIdVersioning: options.useVersioning ?? false,
      maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions,
      maxConcurrentActivityTaskExecutions: positiveInteger(
        options,
        'maxConcurrentActivityTaskExecutions',
        WORKER_DEFAULTS.maxConcurrentActivityTaskExecutions,
        1,
        WORKER_LIMITS.maxConcurrentExecutions,
      ),
      maxConcurrentLocalActivityExecutions: positiveInteger(
        options,
        'maxConcurrentLocalActivityExecutions',
        WORKER_DEFAULTS.maxConcurrentLocalActivityExecutions,
        1,
        WORKER_LIMITS.maxConcurrentExecutions,
      ),
      workflowTaskPollerMaximum: positiveInteger(
        options,
        'maxConcurrentWorkflowTaskPolls',
        WORKER_DEFAULTS.maxConcurrentWorkflowTaskPolls,
        stickyMinimum,
        WORKER_LIMITS.maxConcurrentPolls,
      ),
      activityTaskPollerMaximum: positiveInteger(
        options,
        'maxConcurrentActivityTaskPolls',
        WORKER_DEFAULTS.maxConcurrentActivityTaskPolls,
        1,
        WORKER_LIMITS.maxConcurrentPolls,
      ),
      nonstickyToStickyPollRatio: ratio,
      stickyQueueScheduleToStartTimeoutMs: durationMs(
        options,
        'stickyQueueScheduleToStartTimeout',
        WORKER_DEFAULTS.stickyQueueScheduleToStartTimeoutMs,
      ),
      maxHeartbeatThrottleIntervalMs: durationMs(options, 'maxHeartbeatThrottleInterval', WORKER_DEFAULTS.maxHeartbeatThrottleIntervalMs),
      defaultHeartbeatThrottleIntervalMs: durationMs(
        options,
        'defaultHeartbeatThrottleInterval',
        WORKER_DEFAULTS.defaultHeartbeatThrottleIntervalMs,
      ),
      maxActivitiesPerSecond: optionalRate(options, 'maxActivitiesPerSecond'),
      maxTaskQueueActivitiesPerSecond: optionalRate(options, 'maxTaskQueueActivitiesPerSecond'),
      enableWorkflows: hasWorkflows,
      enableNonLocalActivities: enableActivities && options.activities !== undefined,
      // Shutdown grace is enforced by the worker (ShutdownController), so core never cancels on its own.
      gracefulShutdownPeriodMs: 0,
    },
  };
}
