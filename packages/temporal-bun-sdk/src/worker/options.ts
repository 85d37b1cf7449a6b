/**
 * `createWorker` options: names follow the official SDK's `WorkerOptions` where the concept is the
 * same, so existing worker code ports by changing one import. Every default lives in
 * {@link WORKER_DEFAULTS}; durations accept milliseconds or strings such as `'10s'`.
 */
import { existsSync, statSync } from 'node:fs';
import type { DataConverter, Duration, VersioningBehavior, WorkerDeploymentVersion } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_NAMESPACE } from '../common/defaults';
import type { NativeWorkerOptions } from '../native';
import type { ActivityInterceptorsFactory } from '../activity/interceptors';
import type { InjectedSinks } from '../workflow/sinks';
import type { WorkflowBundleOption } from '../workflow/prebuilt-bundle';
import type { NativeConnection, NativeConnectionOptions } from '../connection';
import type { Logger } from '../common/logger';
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
   * options to open one that the worker owns and closes at shutdown. Its settings resolve as the
   * client's do: these options, then `TEMPORAL_*` and the `temporal.toml` profile, then
   * `localhost:7233` (see `NativeConnectionOptions`). Default: `{}`.
   */
  connection?: NativeConnection | NativeConnectionOptions;
  /**
   * Default: the connection's namespace (`TEMPORAL_NAMESPACE` / the profile's, or the one its
   * options name), else `'default'`.
   */
  namespace?: string;
  /** Required. The task queue polled for both workflow and activity tasks. */
  taskQueue: string;
  /** Path to a `.ts` or `.js` file exporting workflow functions. Bundled once at start with `Bun.build`. */
  workflowsPath?: string;
  /**
   * The workflows bundled ahead of time, instead of `workflowsPath`: `{ code }` (the text of a file
   * written by `temporal-bun bundle`, for example imported `with { type: 'text' }` into a
   * single-file worker), `{ codePath }` (that file), or the result of `bundleWorkflowCode`. The
   * worker then bundles nothing and needs no `node_modules` for its workflows. Workflow interceptor
   * modules and the sandbox's converters are bundled into it (`temporal-bun bundle` flags), so
   * `interceptors.workflowModules` is refused with it; `dataConverter.payloadConverterPath` still
   * applies on the worker's side, which decodes outside the sandbox.
   */
  workflowBundle?: WorkflowBundleOption;
  /**
   * What the bundler of `workflowsPath` does differently. `ignoreModules`: modules to replace by a
   * stub without a warning, for imports that workflow code never uses at run time (e.g.
   * `@grpc/grpc-js` reached through a shared module). The official SDK's webpack hooks have no
   * equivalent here: workflows are bundled with `Bun.build`.
   */
  bundlerOptions?: WorkflowBundlerOptions;
  /** Activity implementations: an object of functions, or an array of functions / objects of functions. */
  activities?: object | ReadonlyArray<object | ((...args: never[]) => unknown)>;
  /** Default `${process.pid}@${hostname}` (from the connection). */
  identity?: string;
  /**
   * Identifies the worker's code to the server. Default none. With {@link workerDeploymentOptions},
   * set `version.buildId` instead (a different `buildId` is refused).
   */
  buildId?: string;
  /**
   * Legacy build-id-based versioning; requires `buildId`. Default false.
   *
   * @deprecated as in the official SDK: use {@link workerDeploymentOptions}.
   */
  useVersioning?: boolean;
  /**
   * Worker deployment versioning (the official SDK's option): the worker polls as `version` of its
   * deployment, and with `useWorkerVersioning` receives only the tasks the server routes to that
   * version. Each workflow's versioning behaviour (`'PINNED'` or `'AUTO_UPGRADE'`) comes from
   * `defineWorkflowWithOptions` / `setWorkflowOptions`, else from `defaultVersioningBehavior`.
   * Not with `useVersioning`. Default none.
   *
   * @example
   * createWorker({
   *   taskQueue: 'orders',
   *   workflowsPath,
   *   workerDeploymentOptions: {
   *     version: { deploymentName: 'orders', buildId: '2026-12-07.1' },
   *     useWorkerVersioning: true,
   *     defaultVersioningBehavior: 'PINNED',
   *   },
   * });
   */
  workerDeploymentOptions?: WorkerDeploymentOptions;
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
  /**
   * How long an activity cancelled because nobody wants its result any more (its start-to-close
   * timeout passed, the server no longer knows it, or the worker is shutting down) may keep running
   * before its task is completed without it. The function is not stopped (JavaScript cannot stop
   * it), only no longer waited for, so an activity that ignores its cancellation cannot hold a slot
   * or the worker's shutdown forever. `0` completes the task as soon as the cancellation is
   * delivered. Default `'2s'`.
   */
  abandonAfterCancelTime?: Duration;
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

/**
 * `createWorker({ workerDeploymentOptions })`, shaped like the official SDK's
 * `WorkerDeploymentOptions` (whose values it accepts unchanged).
 */
export type WorkerDeploymentOptions = {
  /** This worker's version: its deployment's name and its build id, both non-empty. */
  version: WorkerDeploymentVersion;
  /**
   * Opt in to worker versioning: the worker receives only tasks routed to its version (once the
   * version is made current or ramping, e.g. with `client.workerDeployment.setCurrentVersion`).
   * `false` only reports the version to the server.
   */
  useWorkerVersioning: boolean;
  /**
   * The versioning behaviour of workflows that declare none. Only with `useWorkerVersioning: true`.
   * Without it, a workflow that declares no behaviour fails its workflow tasks with an error that
   * says how to declare one (the server would not know whether to pin it). Default none.
   */
  defaultVersioningBehavior?: VersioningBehavior;
} & (
  | { useWorkerVersioning: true; defaultVersioningBehavior?: VersioningBehavior }
  | { useWorkerVersioning: false; defaultVersioningBehavior?: never }
);

export interface WorkflowBundlerOptions {
  /** Modules (`name` or `name/sub/path`) to stub without a warning. */
  ignoreModules?: string[];
}

/**
 * The defaults, one place: the bridge takes fully specified options (`NativeWorkerOptions`) and
 * has no defaults of its own.
 */
export const WORKER_DEFAULTS = {
  namespace: DEFAULT_NAMESPACE,
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
  abandonAfterCancelTimeMs: 2_000,
  reuseV8Context: true,
} as const;

/**
 * Upper bounds, one place. A larger value could only exhaust memory (sdk-core sizes its sticky
 * cache up front), overflow the engine's semaphores or a timer: it is refused here with the option
 * and the bound named. The bridge refuses the same values on its own, as defence at the FFI
 * boundary (`limits` in `crates/bridge/src/worker_options.rs`; `tests/worker/worker-limits.test.ts`
 * checks that the numbers agree).
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
  /** `bundlerOptions.ignoreModules`, checked. */
  ignoreModules: string[];
  shutdownGraceTimeMs: number;
  /** See {@link WorkerOptions.abandonAfterCancelTime}. */
  abandonAfterCancelMs: number;
  /**
   * Worker versioning is on and has no default behaviour: a workflow that declares no versioning
   * behaviour has its workflow tasks failed (by the workflow task loop).
   */
  requireVersioningBehavior: boolean;
  /** What the bridge's worker receives. */
  native: NativeWorkerOptions;
}

function positiveInteger(
  options: WorkerOptions,
  option: keyof WorkerOptions,
  fallback: number,
  minimum: number,
  maximum: number,
): number {
  const value = options[option] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw new WorkerOptionsError(
      option,
      `must be an integer in [${minimum}, ${maximum.toLocaleString('en-US')}], got ${describeValue(value)}`,
    );
  }
  return value;
}

function durationMs(
  options: WorkerOptions,
  option: keyof WorkerOptions,
  fallbackMs: number,
  allowZero = false,
): number {
  const value = options[option];
  if (value === undefined) return fallbackMs;
  let ms: number;
  try {
    ms = msToNumber(value as Duration);
  } catch (cause) {
    throw new WorkerOptionsError(option, `is not a duration (milliseconds or a string like '10s'): ${String(cause)}`);
  }
  if (!Number.isFinite(ms) || ms < 0 || (!allowZero && ms === 0)) {
    throw new WorkerOptionsError(
      option,
      `must be a ${allowZero ? 'non-negative' : 'positive'} duration, got ${describeValue(value)}`,
    );
  }
  if (ms > WORKER_LIMITS.durationMs) {
    throw new WorkerOptionsError(
      option,
      `must be at most ${WORKER_LIMITS.durationMs} ms (about 24.8 days), got ${describeValue(value)}`,
    );
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

/** Every option `createWorker` takes; a test of the compiler's checks that none is missing. */
const WORKER_OPTION_NAMES = [
  'connection',
  'namespace',
  'taskQueue',
  'workflowsPath',
  'workflowBundle',
  'bundlerOptions',
  'activities',
  'identity',
  'buildId',
  'useVersioning',
  'workerDeploymentOptions',
  'maxCachedWorkflows',
  'maxConcurrentWorkflowTaskExecutions',
  'maxConcurrentActivityTaskExecutions',
  'maxConcurrentLocalActivityExecutions',
  'maxConcurrentWorkflowTaskPolls',
  'maxConcurrentActivityTaskPolls',
  'nonStickyToStickyPollRatio',
  'stickyQueueScheduleToStartTimeout',
  'maxHeartbeatThrottleInterval',
  'defaultHeartbeatThrottleInterval',
  'maxActivitiesPerSecond',
  'maxTaskQueueActivitiesPerSecond',
  'enableNonLocalActivities',
  'shutdownGraceTime',
  'abandonAfterCancelTime',
  'dataConverter',
  'interceptors',
  'sinks',
  'reuseV8Context',
  'logger',
  'metrics',
] as const satisfies readonly (keyof WorkerOptions)[];

// Fails to compile when WorkerOptions gains an option the list above lacks.
const everyOptionListed: [Exclude<keyof WorkerOptions, (typeof WORKER_OPTION_NAMES)[number]>] extends [never]
  ? true
  : never = true;
void everyOptionListed;

/** Official SDK options that this SDK does not take, with what to do instead. */
const UNSUPPORTED_OFFICIAL_OPTIONS: Record<string, string> = {
  shutdownForceTime: 'use shutdownGraceTime; after it, activities are cancelled and the worker stops',
  tuner: 'worker tuners are not supported yet; set the maxConcurrent* options',
  workflowTaskPollerBehavior: 'poller autoscaling is not supported yet; set maxConcurrentWorkflowTaskPolls',
  activityTaskPollerBehavior: 'poller autoscaling is not supported yet; set maxConcurrentActivityTaskPolls',
  nexusServices: 'Nexus is not supported',
  maxConcurrentNexusTaskExecutions: 'Nexus is not supported',
  maxConcurrentNexusTaskPolls: 'Nexus is not supported',
  nexusTaskPollerBehavior: 'Nexus is not supported',
  plugins: 'plugins are not supported yet',
  workflowThreadPoolSize:
    'workflows run on the JavaScript thread, in node:vm contexts: there is no thread pool to size',
  debugMode: 'not needed: workflows already run on the main thread, where a debugger reaches them',
  showStackTraceSources: 'not supported',
  enableSDKTracing: 'not supported',
  workflowFailureErrorTypes: 'not supported',
  disablePayloadErrorLimit: 'not supported',
  maxEagerActivityReservationsPerWorkflowTask: 'not supported',
  patchActivationCallback: 'not supported',
};

/** Refuses an option `createWorker` does not know, suggesting the closest known name. */
function checkOptionNames(options: object): void {
  const known: ReadonlySet<string> = new Set(WORKER_OPTION_NAMES);
  for (const name of Object.keys(options)) {
    if (known.has(name)) continue;
    const unsupported = UNSUPPORTED_OFFICIAL_OPTIONS[name];
    if (unsupported !== undefined) {
      throw new WorkerOptionsError(
        name,
        `is an official SDK option that temporal-bun-sdk does not take: ${unsupported}`,
      );
    }
    const suggestion = closestName(name, WORKER_OPTION_NAMES);
    throw new WorkerOptionsError(
      name,
      `is not a createWorker option${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`,
    );
  }
}

/** The candidate nearest to `name` in edits (case ignored), if it is near enough to be a typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.max(2, Math.floor(name.length / 4)) ? best.candidate : undefined;
}

function editDistance(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let i = 1; i <= from.length; i++) {
    const current = [i];
    for (let j = 1; j <= to.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (from[i - 1] === to[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[to.length]!;
}

/** Options whose type is checked here (the rest are checked where they are used, naming them too). */
function checkOptionTypes(options: WorkerOptions): void {
  const expect = (
    name: keyof WorkerOptions,
    type: 'string' | 'boolean' | 'object' | 'function-or-object',
    what: string,
  ) => {
    const value = options[name];
    if (value === undefined) return;
    const ok =
      type === 'object'
        ? typeof value === 'object' && value !== null
        : type === 'function-or-object'
          ? (typeof value === 'object' && value !== null) || typeof value === 'function'
          : typeof value === type;
    if (!ok) throw new WorkerOptionsError(name, `must be ${what}, got ${describeValue(value)}`);
  };
  expect('identity', 'string', 'a string');
  expect('buildId', 'string', 'a string');
  expect('useVersioning', 'boolean', 'true or false');
  expect('enableNonLocalActivities', 'boolean', 'true or false');
  expect('reuseV8Context', 'boolean', 'true or false');
  expect('connection', 'object', 'a NativeConnection or connection options ({ address, tls, apiKey, … })');
  expect('activities', 'function-or-object', 'an object of activity functions, or an array of them');
  expect('dataConverter', 'object', 'a DataConverter object');
  expect('interceptors', 'object', 'an object ({ activity, workflowModules })');
  expect('sinks', 'object', 'an object of sinks');
  expect('logger', 'object', 'a Logger (an object with log, trace, debug, info, warn and error)');
  expect('metrics', 'object', 'an object ({ onEvent })');
  expect('bundlerOptions', 'object', 'an object ({ ignoreModules })');
  expect(
    'workerDeploymentOptions',
    'object',
    'an object ({ version: { deploymentName, buildId }, useWorkerVersioning, defaultVersioningBehavior })',
  );
}

/** `VersioningBehavior` values as the bridge names them. */
const NATIVE_VERSIONING_BEHAVIORS = {
  PINNED: 'pinned',
  AUTO_UPGRADE: 'autoUpgrade',
} as const satisfies Record<VersioningBehavior, NativeWorkerOptions['defaultVersioningBehavior']>;

/** The bridge's versioning keys, from `buildId`, `useVersioning` and `workerDeploymentOptions`. */
function compileVersioning(
  options: WorkerOptions,
): Pick<
  NativeWorkerOptions,
  'buildId' | 'useBuildIdVersioning' | 'deploymentName' | 'useWorkerVersioning' | 'defaultVersioningBehavior'
> & { requireVersioningBehavior: boolean } {
  const deployment = options.workerDeploymentOptions as Record<string, unknown> | undefined;
  if (deployment === undefined) {
    if (options.useVersioning && !options.buildId) {
      throw new WorkerOptionsError('buildId', 'is required when useVersioning is true');
    }
    return {
      buildId: options.buildId ?? '',
      useBuildIdVersioning: options.useVersioning ?? false,
      deploymentName: null,
      useWorkerVersioning: null,
      defaultVersioningBehavior: null,
      requireVersioningBehavior: false,
    };
  }
  for (const key of Object.keys(deployment)) {
    if (key !== 'version' && key !== 'useWorkerVersioning' && key !== 'defaultVersioningBehavior') {
      throw new WorkerOptionsError(
        `workerDeploymentOptions.${key}`,
        'is not an option here; the options are version, useWorkerVersioning and defaultVersioningBehavior',
      );
    }
  }
  const version = deployment['version'] as Record<string, unknown> | null | undefined;
  if (version === null || typeof version !== 'object') {
    throw new WorkerOptionsError(
      'workerDeploymentOptions.version',
      `must be { deploymentName, buildId }, got ${describeValue(version)}`,
    );
  }
  for (const key of ['deploymentName', 'buildId'] as const) {
    const value = version[key];
    if (typeof value !== 'string' || value.length === 0) {
      throw new WorkerOptionsError(
        `workerDeploymentOptions.version.${key}`,
        `must be a non-empty string, got ${describeValue(value)}`,
      );
    }
  }
  const deploymentName = version['deploymentName'] as string;
  const buildId = version['buildId'] as string;
  const useWorkerVersioning = deployment['useWorkerVersioning'];
  if (typeof useWorkerVersioning !== 'boolean') {
    throw new WorkerOptionsError(
      'workerDeploymentOptions.useWorkerVersioning',
      `must be true or false, got ${describeValue(useWorkerVersioning)}`,
    );
  }
  const behavior = deployment['defaultVersioningBehavior'];
  if (behavior !== undefined && !Object.hasOwn(NATIVE_VERSIONING_BEHAVIORS, String(behavior))) {
    throw new WorkerOptionsError(
      'workerDeploymentOptions.defaultVersioningBehavior',
      `must be 'PINNED' or 'AUTO_UPGRADE', got ${describeValue(behavior)}`,
    );
  }
  if (behavior !== undefined && !useWorkerVersioning) {
    throw new WorkerOptionsError(
      'workerDeploymentOptions.defaultVersioningBehavior',
      'applies only with useWorkerVersioning: true (without versioning, workflows have no versioning behaviour)',
    );
  }
  if (options.useVersioning) {
    throw new WorkerOptionsError(
      'useVersioning',
      'is legacy build-id versioning and cannot be combined with workerDeploymentOptions: remove it',
    );
  }
  if (options.buildId !== undefined && options.buildId !== buildId) {
    throw new WorkerOptionsError(
      'buildId',
      `differs from workerDeploymentOptions.version.buildId (${JSON.stringify(options.buildId)} and ${JSON.stringify(buildId)}): set only version.buildId`,
    );
  }
  return {
    buildId,
    useBuildIdVersioning: false,
    deploymentName,
    useWorkerVersioning,
    defaultVersioningBehavior:
      behavior === undefined ? null : NATIVE_VERSIONING_BEHAVIORS[behavior as VersioningBehavior],
    requireVersioningBehavior: useWorkerVersioning && behavior === undefined,
  };
}

/** `bundlerOptions`: `ignoreModules` is taken; the official SDK's webpack hooks are refused. */
function checkBundlerOptions(options: WorkerOptions): string[] {
  const bundlerOptions = options.bundlerOptions as Record<string, unknown> | undefined;
  if (bundlerOptions === undefined) return [];
  for (const key of Object.keys(bundlerOptions)) {
    if (key === 'ignoreModules') continue;
    const why =
      key === 'webpackConfigHook'
        ? 'workflows are bundled with Bun.build, not webpack: use bundlerOptions.ignoreModules, or bundle ahead of time with `temporal-bun bundle` and pass workflowBundle'
        : key === 'preloadModules'
          ? 'with reuseV8Context the SDK library is already evaluated once per context; other modules are instantiated per run'
          : 'it is not a bundler option here; the one option is ignoreModules';
    throw new WorkerOptionsError(`bundlerOptions.${key}`, `is not supported: ${why}`);
  }
  const ignoreModules = bundlerOptions['ignoreModules'];
  if (ignoreModules === undefined) return [];
  if (
    !Array.isArray(ignoreModules) ||
    !ignoreModules.every((module) => typeof module === 'string' && module.length > 0)
  ) {
    throw new WorkerOptionsError(
      'bundlerOptions.ignoreModules',
      `must be an array of module names, got ${describeValue(ignoreModules)}`,
    );
  }
  if (options.workflowBundle !== undefined && ignoreModules.length > 0) {
    throw new WorkerOptionsError(
      'bundlerOptions.ignoreModules',
      'applies to workflowsPath; a prebuilt workflowBundle was bundled already (`temporal-bun bundle --ignore-module`)',
    );
  }
  return [...ignoreModules] as string[];
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
  if ((options.interceptors?.workflowModules?.length ?? 0) > 0) {
    throw new WorkerOptionsError(
      'interceptors.workflowModules',
      'does not apply to a prebuilt workflowBundle: bundle the interceptors into it (`temporal-bun bundle --workflow-interceptors <module>`)',
    );
  }
  if ('code' in bundle) {
    if (typeof bundle.code !== 'string' || bundle.code.length === 0) {
      throw new WorkerOptionsError(
        'workflowBundle',
        'code must be the non-empty text of a bundle written by `temporal-bun bundle`',
      );
    }
    return bundle;
  }
  if ('codePath' in bundle) {
    if (typeof bundle.codePath !== 'string' || !existsSync(bundle.codePath) || !statSync(bundle.codePath).isFile()) {
      throw new WorkerOptionsError('workflowBundle', `codePath points to no file: ${JSON.stringify(bundle.codePath)}`);
    }
    return bundle;
  }
  throw new WorkerOptionsError('workflowBundle', "must have `code` (the bundle's text) or `codePath` (its file)");
}

/** Validates `options` and applies the defaults. Throws {@link WorkerOptionsError} naming the option. */
export function compileWorkerOptions(options: WorkerOptions): CompiledWorkerOptions {
  if (options === null || typeof options !== 'object') {
    throw new WorkerOptionsError('options', 'must be an object');
  }
  checkOptionNames(options);
  checkOptionTypes(options);
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
      throw new WorkerOptionsError(
        'workflowsPath',
        `points to nothing: ${JSON.stringify(workflowsPath)} does not exist`,
      );
    }
    if (!statSync(workflowsPath).isFile()) {
      throw new WorkerOptionsError('workflowsPath', `must be a .ts or .js file, got the directory ${workflowsPath}`);
    }
  }
  const workflowBundle = checkWorkflowBundle(options);
  const ignoreModules = checkBundlerOptions(options);
  const hasWorkflows = workflowsPath !== undefined || workflowBundle !== undefined;
  const enableActivities = options.enableNonLocalActivities ?? true;
  if (!hasWorkflows && (options.activities === undefined || !enableActivities)) {
    throw new WorkerOptionsError(
      'workflowsPath',
      'is required when the worker has no activities to run (set workflowsPath or workflowBundle, activities, or both)',
    );
  }
  const { requireVersioningBehavior, ...versioning } = compileVersioning(options);

  const maxCachedWorkflows = positiveInteger(
    options,
    'maxCachedWorkflows',
    WORKER_DEFAULTS.maxCachedWorkflows,
    0,
    WORKER_LIMITS.maxCachedWorkflows,
  );
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
    ignoreModules,
    shutdownGraceTimeMs: durationMs(options, 'shutdownGraceTime', WORKER_DEFAULTS.shutdownGraceTimeMs, true),
    abandonAfterCancelMs: durationMs(options, 'abandonAfterCancelTime', WORKER_DEFAULTS.abandonAfterCancelTimeMs, true),
    requireVersioningBehavior,
    native: {
      namespace,
      taskQueue: options.taskQueue,
      identity: options.identity ?? null,
      ...versioning,
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
      maxHeartbeatThrottleIntervalMs: durationMs(
        options,
        'maxHeartbeatThrottleInterval',
        WORKER_DEFAULTS.maxHeartbeatThrottleIntervalMs,
      ),
      defaultHeartbeatThrottleIntervalMs: durationMs(
        options,
        'defaultHeartbeatThrottleInterval',
        WORKER_DEFAULTS.defaultHeartbeatThrottleIntervalMs,
      ),
      maxActivitiesPerSecond: optionalRate(options, 'maxActivitiesPerSecond') ?? null,
      maxTaskQueueActivitiesPerSecond: optionalRate(options, 'maxTaskQueueActivitiesPerSecond') ?? null,
      enableWorkflows: hasWorkflows,
      enableNonLocalActivities: enableActivities && options.activities !== undefined,
      // Shutdown grace is enforced by the worker (ShutdownController), so core never cancels on its own.
      gracefulShutdownPeriodMs: 0,
    },
  };
}
