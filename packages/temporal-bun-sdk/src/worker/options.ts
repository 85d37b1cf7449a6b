/**
 * `createWorker` options: names follow the official SDK's `WorkerOptions` where the concept is the
 * same, so existing worker code ports by changing one import. Every default lives in
 * {@link WORKER_DEFAULTS}; durations accept milliseconds or strings such as `'10s'`.
 */
import { existsSync, statSync } from 'node:fs';
import type { DataConverter, Duration, VersioningBehavior, WorkerDeploymentVersion } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_NAMESPACE, MAX_TIMER_MS } from '../common/defaults';
import type { NativePollerBehavior, NativeSlotSupplier, NativeWorkerOptions, NativeWorkerTuner } from '../native';
import type { ActivityInterceptorsFactory } from '../activity/interceptors';
import type { InjectedSinks } from '../workflow/sinks';
import type { WorkflowBundleOption } from '../workflow/prebuilt-bundle';
import type { NativeConnection, NativeConnectionOptions } from '../connection';
import type { Logger } from '../common/logger';
import type { WorkerMetricsOptions } from './metrics';
import type { ClientInterceptors } from '../client/interceptors';
import { findPluginProblem } from '../common/plugins';
import { WORKER_PLUGIN_HOOKS, type WorkerPlugin } from './plugins';

export interface WorkerInterceptors {
  /** Activity inbound/outbound interceptor factories, applied in order. */
  activity?: ActivityInterceptorsFactory[];
  /** Modules (paths) bundled into the workflow sandbox that export `interceptors()`. */
  workflowModules?: string[];
  /** Interceptors of the client that activities reach as `Context.current().client`. */
  client?: ClientInterceptors;
  /**
   * Accepted for the official shape (plugins such as `OpenTelemetryPlugin` add Nexus interceptors);
   * unused, as this SDK runs no Nexus tasks.
   */
  nexus?: unknown[];
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
  /** Workflow activations processed at once. Default 40. Not with {@link tuner}. */
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Activities executed at once. Default 100. Not with {@link tuner}. */
  maxConcurrentActivityTaskExecutions?: number;
  /** Local activities executed at once. Default 100. Not with {@link tuner}. */
  maxConcurrentLocalActivityExecutions?: number;
  /**
   * How task slots are handed out, per slot kind, as in the official SDK: a resource-based tuner
   * (`{ tunerOptions: { targetMemoryUsage, targetCpuUsage }, workflowTaskSlotOptions?, … }`, which
   * hands out slots while the host's memory and CPU use stay under the targets), or one supplier per
   * slot kind (`{ workflowTaskSlotSupplier, activityTaskSlotSupplier, localActivityTaskSlotSupplier }`,
   * each `{ type: 'fixed-size', numSlots }` or `{ type: 'resource-based', tunerOptions, … }`).
   * Custom (JavaScript) slot suppliers are refused ({@link UnsupportedSlotSupplierError}). Not with
   * the `maxConcurrent*Executions` options. Default: those options' fixed-size slots.
   *
   * @example
   * createWorker({
   *   taskQueue: 'orders',
   *   workflowsPath,
   *   activities,
   *   tuner: { tunerOptions: { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 } },
   * });
   */
  tuner?: WorkerTuner;
  /** Concurrent workflow-task long polls. Default 10 (at least 2 while caching). Not with {@link workflowTaskPollerBehavior}. */
  maxConcurrentWorkflowTaskPolls?: number;
  /** Concurrent activity-task long polls. Default 10. Not with {@link activityTaskPollerBehavior}. */
  maxConcurrentActivityTaskPolls?: number;
  /**
   * How workflow-task polls are made: `{ type: 'simple-maximum', maximum }` (as
   * `maxConcurrentWorkflowTaskPolls`), or `{ type: 'autoscaling', minimum, maximum, initial }`
   * (defaults 1, 100, 5): the number of pollers follows the server's feedback. Not with
   * `maxConcurrentWorkflowTaskPolls`. Default `{ type: 'simple-maximum', maximum: 10 }`.
   */
  workflowTaskPollerBehavior?: PollerBehavior;
  /** As {@link workflowTaskPollerBehavior}, for activity tasks. Not with `maxConcurrentActivityTaskPolls`. */
  activityTaskPollerBehavior?: PollerBehavior;
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
  /**
   * Plugins (`@temporalio/plugin`'s `SimplePlugin`, `OpenTelemetryPlugin`, or any
   * {@link WorkerPlugin}): their `configureWorker` hooks change these options, in order, before
   * they are validated; they configure the bundler too and wrap `worker.run()`. The plugins of a
   * `NativeConnection` passed as `connection` follow these. Default none.
   */
  plugins?: WorkerPlugin[];
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

/** `createWorker({ tuner })`, shaped like the official SDK's `WorkerTuner`. */
export type WorkerTuner = ResourceBasedTuner | TunerHolder;

/** One slot supplier per slot kind (the official `TunerHolder`). */
export interface TunerHolder {
  workflowTaskSlotSupplier: SlotSupplier;
  activityTaskSlotSupplier: SlotSupplier;
  localActivityTaskSlotSupplier: SlotSupplier;
  /** Accepted for the official shape and checked; unused, as this SDK runs no Nexus tasks. */
  nexusTaskSlotSupplier?: SlotSupplier;
}

export type SlotSupplier = FixedSizeSlotSupplier | ResourceBasedSlotsForType | CustomSlotSupplier;

/** A fixed number of slots. */
export interface FixedSizeSlotSupplier {
  type: 'fixed-size';
  numSlots: number;
}

/** The targets the resource-based suppliers of a worker share, each in (0, 1]. */
export interface ResourceBasedTunerOptions {
  /** The share of the host's memory to keep in use, e.g. 0.8. */
  targetMemoryUsage: number;
  /** The share of the host's CPU to keep in use, e.g. 0.9. */
  targetCpuUsage: number;
}

export interface ResourceBasedSlotOptions {
  /** Slots handed out whatever the resources. Default 2 for workflow tasks, 1 for activities. */
  minimumSlots?: number;
  /** At most this many slots. Default 1000 for workflow tasks, 2000 for activities. */
  maximumSlots?: number;
  /** The least time between two slots past the minimum. Default 10 ms for workflow tasks, 50 ms for activities. */
  rampThrottle?: Duration;
}

/** A resource-based supplier for one slot kind; every one of a worker must share `tunerOptions`. */
export type ResourceBasedSlotsForType = ResourceBasedSlotOptions & {
  type: 'resource-based';
  tunerOptions: ResourceBasedTunerOptions;
};

/** Resource-based slots for every slot kind (the official `ResourceBasedTuner`). */
export interface ResourceBasedTuner {
  tunerOptions: ResourceBasedTunerOptions;
  workflowTaskSlotOptions?: ResourceBasedSlotOptions;
  activityTaskSlotOptions?: ResourceBasedSlotOptions;
  localActivityTaskSlotOptions?: ResourceBasedSlotOptions;
}

/** The official SDK's JavaScript slot supplier: typed so that such code compiles, refused at run time. */
export interface CustomSlotSupplier {
  type: 'custom';
  reserveSlot(...args: never[]): unknown;
  tryReserveSlot(...args: never[]): unknown;
  markSlotUsed(...args: never[]): unknown;
  releaseSlot(...args: never[]): unknown;
}

/** `workflowTaskPollerBehavior` / `activityTaskPollerBehavior`, as in the official SDK. */
export type PollerBehavior = PollerBehaviorSimpleMaximum | PollerBehaviorAutoscaling;

export interface PollerBehaviorSimpleMaximum {
  type: 'simple-maximum';
  /** Default 10. */
  maximum?: number;
}

export interface PollerBehaviorAutoscaling {
  type: 'autoscaling';
  /** At least this many polls (while slots are free). Default 1. */
  minimum?: number;
  /** At most this many polls. Default 100. */
  maximum?: number;
  /** Polls before scaling starts. Default 5. */
  initial?: number;
}

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
  /** Autoscaling pollers, as in the official SDK. */
  pollerAutoscaling: { minimum: 1, maximum: 100, initial: 5 },
  /** Resource-based slots, as in the official SDK. */
  resourceBasedWorkflowSlots: { minimumSlots: 2, maximumSlots: 1000, rampThrottleMs: 10 },
  resourceBasedActivitySlots: { minimumSlots: 1, maximumSlots: 2000, rampThrottleMs: 50 },
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
  /** Every duration option: the longest timer a JavaScript runtime sets. */
  durationMs: MAX_TIMER_MS,
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

/** A custom (JavaScript) slot supplier was given to `tuner`: not supported yet. */
export class UnsupportedSlotSupplierError extends WorkerOptionsError {
  constructor(option: string) {
    super(
      option,
      "is a custom slot supplier ({ type: 'custom' }), which temporal-bun-sdk does not support yet: use { type: 'fixed-size', numSlots } or { type: 'resource-based', tunerOptions }",
    );
    Object.defineProperty(this, 'name', { value: 'UnsupportedSlotSupplierError' });
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
  return integerIn(option, options[option] ?? fallback, minimum, maximum);
}

function durationMs(
  options: WorkerOptions,
  option: keyof WorkerOptions,
  fallbackMs: number,
  allowZero = false,
): number {
  const value = options[option];
  return value === undefined ? fallbackMs : durationValueMs(option, value, allowZero);
}

/** A duration in milliseconds, in [0 or 1, WORKER_LIMITS.durationMs], or the error naming `option`. */
function durationValueMs(option: string, value: unknown, allowZero: boolean): number {
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
  'tuner',
  'maxConcurrentWorkflowTaskPolls',
  'maxConcurrentActivityTaskPolls',
  'workflowTaskPollerBehavior',
  'activityTaskPollerBehavior',
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
  'plugins',
] as const satisfies readonly (keyof WorkerOptions)[];

// Fails to compile when WorkerOptions gains an option the list above lacks.
const everyOptionListed: [Exclude<keyof WorkerOptions, (typeof WORKER_OPTION_NAMES)[number]>] extends [never]
  ? true
  : never = true;
void everyOptionListed;

/** Official SDK options that this SDK does not take, with what to do instead. */
const UNSUPPORTED_OFFICIAL_OPTIONS: Record<string, string> = {
  shutdownForceTime: 'use shutdownGraceTime; after it, activities are cancelled and the worker stops',
  nexusServices: 'Nexus is not supported',
  maxConcurrentNexusTaskExecutions: 'Nexus is not supported',
  maxConcurrentNexusTaskPolls: 'Nexus is not supported',
  nexusTaskPollerBehavior: 'Nexus is not supported',
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
    // Plugins spread options into new objects, leaving `nexusServices: undefined` and the like.
    if ((options as Record<string, unknown>)[name] === undefined && name in UNSUPPORTED_OFFICIAL_OPTIONS) continue;
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
  expect('interceptors', 'object', 'an object ({ activity, workflowModules, client })');
  expect('sinks', 'object', 'an object of sinks');
  expect('logger', 'object', 'a Logger (an object with log, trace, debug, info, warn and error)');
  expect('metrics', 'object', 'an object ({ onEvent })');
  expect('bundlerOptions', 'object', 'an object ({ ignoreModules })');
  expect('tuner', 'object', 'a WorkerTuner ({ tunerOptions, … } or { workflowTaskSlotSupplier, … })');
  expect('workflowTaskPollerBehavior', 'object', "a PollerBehavior ({ type: 'simple-maximum' | 'autoscaling', … })");
  expect('activityTaskPollerBehavior', 'object', "a PollerBehavior ({ type: 'simple-maximum' | 'autoscaling', … })");
  expect(
    'workerDeploymentOptions',
    'object',
    'an object ({ version: { deploymentName, buildId }, useWorkerVersioning, defaultVersioningBehavior })',
  );
}

/** Throws a {@link WorkerOptionsError} naming the first malformed plugin of `plugins`, or its bad hook. */
export function checkWorkerPlugins(plugins: unknown): void {
  const problem = findPluginProblem(plugins, WORKER_PLUGIN_HOOKS);
  if (problem !== undefined) throw new WorkerOptionsError(problem.option, problem.problem);
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
  checkKeys('workerDeploymentOptions', deployment, ['version', 'useWorkerVersioning', 'defaultVersioningBehavior']);
  const version = asObject('workerDeploymentOptions.version', deployment['version'], '{ deploymentName, buildId }');
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

/** An integer in [minimum, maximum], or the error naming `option`. */
function integerIn(option: string, value: unknown, minimum: number, maximum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw new WorkerOptionsError(
      option,
      `must be an integer in [${minimum}, ${maximum.toLocaleString('en-US')}], got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Refuses keys of `value` (an object) other than `known`. */
function checkKeys(option: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new WorkerOptionsError(`${option}.${key}`, `is not an option here; the options are ${known.join(', ')}`);
    }
  }
}

function asObject(option: string, value: unknown, shape: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object') {
    throw new WorkerOptionsError(option, `must be ${shape}, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** `workflowTaskPollerBehavior` / `activityTaskPollerBehavior`, or the `maxConcurrent*TaskPolls` it conflicts with. */
function compilePollerBehavior(
  options: WorkerOptions,
  option: 'workflowTaskPollerBehavior' | 'activityTaskPollerBehavior',
  pollsOption: 'maxConcurrentWorkflowTaskPolls' | 'maxConcurrentActivityTaskPolls',
  minimum: number,
): NativePollerBehavior {
  const behavior = options[option];
  const maximumPolls = WORKER_LIMITS.maxConcurrentPolls;
  if (behavior === undefined) {
    const fallback = WORKER_DEFAULTS[pollsOption];
    return { type: 'simple-maximum', maximum: positiveInteger(options, pollsOption, fallback, minimum, maximumPolls) };
  }
  if (options[pollsOption] !== undefined) {
    throw new WorkerOptionsError(option, `and ${pollsOption} cannot both be set: ${option} replaces it`);
  }
  const value = asObject(
    option,
    behavior,
    "{ type: 'simple-maximum', maximum } or { type: 'autoscaling', minimum, maximum, initial }",
  );
  if (value['type'] === 'simple-maximum') {
    checkKeys(option, value, ['type', 'maximum']);
    const maximum = value['maximum'] ?? WORKER_DEFAULTS[pollsOption];
    return { type: 'simple-maximum', maximum: integerIn(`${option}.maximum`, maximum, minimum, maximumPolls) };
  }
  if (value['type'] === 'autoscaling') {
    checkKeys(option, value, ['type', 'minimum', 'maximum', 'initial']);
    const defaults = WORKER_DEFAULTS.pollerAutoscaling;
    const min = integerIn(`${option}.minimum`, value['minimum'] ?? defaults.minimum, 1, maximumPolls);
    const max = integerIn(`${option}.maximum`, value['maximum'] ?? defaults.maximum, min, maximumPolls);
    const initial = integerIn(
      `${option}.initial`,
      value['initial'] ?? Math.min(Math.max(defaults.initial, min), max),
      min,
      max,
    );
    return { type: 'autoscaling', minimum: min, maximum: max, initial };
  }
  throw new WorkerOptionsError(
    `${option}.type`,
    `must be 'simple-maximum' or 'autoscaling', got ${describeValue(value['type'])}`,
  );
}

/** Target memory and CPU usage, each in (0, 1]. */
function checkTunerOptions(option: string, value: unknown): { targetMemoryUsage: number; targetCpuUsage: number } {
  const tunerOptions = asObject(option, value, '{ targetMemoryUsage, targetCpuUsage }');
  checkKeys(option, tunerOptions, ['targetMemoryUsage', 'targetCpuUsage']);
  for (const key of ['targetMemoryUsage', 'targetCpuUsage'] as const) {
    const usage = tunerOptions[key];
    if (typeof usage !== 'number' || !(usage > 0 && usage <= 1)) {
      throw new WorkerOptionsError(`${option}.${key}`, `must be a number in (0, 1], got ${describeValue(usage)}`);
    }
  }
  return {
    targetMemoryUsage: tunerOptions['targetMemoryUsage'] as number,
    targetCpuUsage: tunerOptions['targetCpuUsage'] as number,
  };
}

function resourceBasedSlots(
  option: string,
  value: Record<string, unknown>,
  defaults: { minimumSlots: number; maximumSlots: number; rampThrottleMs: number },
  leastMaximum: number,
): NativeSlotSupplier {
  const limit = WORKER_LIMITS.maxConcurrentExecutions;
  const minimumSlots = integerIn(`${option}.minimumSlots`, value['minimumSlots'] ?? defaults.minimumSlots, 0, limit);
  const maximumSlots = integerIn(
    `${option}.maximumSlots`,
    value['maximumSlots'] ?? defaults.maximumSlots,
    Math.max(1, leastMaximum, minimumSlots),
    limit,
  );
  const rampThrottleMs =
    value['rampThrottle'] === undefined
      ? defaults.rampThrottleMs
      : durationValueMs(`${option}.rampThrottle`, value['rampThrottle'], true);
  return { type: 'resource-based', minimumSlots, maximumSlots, rampThrottleMs };
}

/** `tuner`, or `null` for the `maxConcurrent*Executions` counts (which it excludes). */
function compileTuner(options: WorkerOptions, workflowSlotsMinimum: number): NativeWorkerTuner | null {
  if (options.tuner === undefined) return null;
  for (const count of [
    'maxConcurrentWorkflowTaskExecutions',
    'maxConcurrentActivityTaskExecutions',
    'maxConcurrentLocalActivityExecutions',
  ] as const) {
    if (options[count] !== undefined) {
      throw new WorkerOptionsError('tuner', `and ${count} cannot both be set: the tuner hands out the slots`);
    }
  }
  const tuner = asObject(
    'tuner',
    options.tuner,
    '{ tunerOptions, … } (resource-based) or { workflowTaskSlotSupplier, activityTaskSlotSupplier, localActivityTaskSlotSupplier }',
  );
  const workflowDefaults = WORKER_DEFAULTS.resourceBasedWorkflowSlots;
  const activityDefaults = WORKER_DEFAULTS.resourceBasedActivitySlots;
  if (Object.hasOwn(tuner, 'tunerOptions')) {
    const kinds = ['workflowTaskSlotOptions', 'activityTaskSlotOptions', 'localActivityTaskSlotOptions'] as const;
    checkKeys('tuner', tuner, ['tunerOptions', ...kinds]);
    const resourceBasedOptions = checkTunerOptions('tuner.tunerOptions', tuner['tunerOptions']);
    const slots = (
      kind: (typeof kinds)[number],
      defaults: typeof workflowDefaults | typeof activityDefaults,
      least: number,
    ) => {
      const option = `tuner.${kind}`;
      const value = asObject(option, tuner[kind] ?? {}, '{ minimumSlots, maximumSlots, rampThrottle }');
      checkKeys(option, value, ['minimumSlots', 'maximumSlots', 'rampThrottle']);
      return resourceBasedSlots(option, value, defaults, least);
    };
    return {
      workflowTaskSlotSupplier: slots('workflowTaskSlotOptions', workflowDefaults, workflowSlotsMinimum),
      activityTaskSlotSupplier: slots('activityTaskSlotOptions', activityDefaults, 1),
      localActivityTaskSlotSupplier: slots('localActivityTaskSlotOptions', activityDefaults, 1),
      resourceBasedOptions,
    };
  }
  const kinds = [
    'workflowTaskSlotSupplier',
    'activityTaskSlotSupplier',
    'localActivityTaskSlotSupplier',
    'nexusTaskSlotSupplier',
  ] as const;
  checkKeys('tuner', tuner, [...kinds]);
  let resourceBasedOptions: NativeWorkerTuner['resourceBasedOptions'] = null;
  let sharedTunerOptions: unknown;
  const supplier = (
    kind: (typeof kinds)[number],
    defaults: typeof workflowDefaults | typeof activityDefaults,
    least: number,
  ): NativeSlotSupplier => {
    const option = `tuner.${kind}`;
    const value = asObject(
      option,
      tuner[kind],
      "{ type: 'fixed-size', numSlots } or { type: 'resource-based', tunerOptions, minimumSlots, maximumSlots, rampThrottle }",
    );
    switch (value['type']) {
      case 'fixed-size':
        checkKeys(option, value, ['type', 'numSlots']);
        return {
          type: 'fixed-size',
          numSlots: integerIn(`${option}.numSlots`, value['numSlots'], least, WORKER_LIMITS.maxConcurrentExecutions),
        };
      case 'resource-based': {
        checkKeys(option, value, ['type', 'tunerOptions', 'minimumSlots', 'maximumSlots', 'rampThrottle']);
        const tunerOptions = checkTunerOptions(`${option}.tunerOptions`, value['tunerOptions']);
        // Core runs one resource controller per worker, as the official SDK does.
        if (sharedTunerOptions !== undefined && sharedTunerOptions !== value['tunerOptions']) {
          throw new WorkerOptionsError(
            `${option}.tunerOptions`,
            "must be the same object as the other resource-based suppliers' tunerOptions: a worker has one resource-based tuner",
          );
        }
        sharedTunerOptions = value['tunerOptions'];
        resourceBasedOptions = tunerOptions;
        return resourceBasedSlots(option, value, defaults, least);
      }
      case 'custom':
        throw new UnsupportedSlotSupplierError(option);
      default:
        throw new WorkerOptionsError(
          `${option}.type`,
          `must be 'fixed-size' or 'resource-based', got ${describeValue(value['type'])}`,
        );
    }
  };
  const workflowTaskSlotSupplier = supplier('workflowTaskSlotSupplier', workflowDefaults, workflowSlotsMinimum);
  const activityTaskSlotSupplier = supplier('activityTaskSlotSupplier', activityDefaults, 1);
  const localActivityTaskSlotSupplier = supplier('localActivityTaskSlotSupplier', activityDefaults, 1);
  // Checked for the official shape; no Nexus tasks are polled, so it is not passed on.
  if (tuner['nexusTaskSlotSupplier'] !== undefined) supplier('nexusTaskSlotSupplier', activityDefaults, 1);
  return { workflowTaskSlotSupplier, activityTaskSlotSupplier, localActivityTaskSlotSupplier, resourceBasedOptions };
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
  checkWorkerPlugins(options.plugins);
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
  const tuner = compileTuner(options, stickyMinimum);
  const slotCount = (
    option:
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentLocalActivityExecutions',
    minimum: number,
  ) =>
    tuner === null
      ? positiveInteger(options, option, WORKER_DEFAULTS[option], minimum, WORKER_LIMITS.maxConcurrentExecutions)
      : null;
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
      maxConcurrentWorkflowTaskExecutions: slotCount('maxConcurrentWorkflowTaskExecutions', stickyMinimum),
      maxConcurrentActivityTaskExecutions: slotCount('maxConcurrentActivityTaskExecutions', 1),
      maxConcurrentLocalActivityExecutions: slotCount('maxConcurrentLocalActivityExecutions', 1),
      tuner,
      workflowTaskPollerBehavior: compilePollerBehavior(
        options,
        'workflowTaskPollerBehavior',
        'maxConcurrentWorkflowTaskPolls',
        stickyMinimum,
      ),
      activityTaskPollerBehavior: compilePollerBehavior(
        options,
        'activityTaskPollerBehavior',
        'maxConcurrentActivityTaskPolls',
        1,
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
