/**
 * Replay: run recorded workflow histories against workflow code, to check that a code change is
 * still compatible with workflows already running (the official SDK's `Worker.runReplayHistory`).
 *
 * The histories go to sdk-core's replayer (a NativeReplayer), which hands out activations like a
 * worker; they run through the same WorkflowIsolateManager and WorkflowTaskLoop as live workflows.
 * sdk-core decides: when the code's commands do not match the history it evicts the run with
 * reason `NONDETERMINISM` (a protobuf enum, never text), and the replay rejects with a
 * `DeterminismViolationError` carrying core's message. The verdict reads only that reason, the
 * workflow task's own failure and the bridge's structured errors (`rejectedCompletion`), so a
 * change in how sdk-core words its messages cannot change it.
 *
 * @example
 * const history = await client.workflowService('GetWorkflowExecutionHistory', { namespace, execution });
 * await runReplayHistory({ workflowsPath: require.resolve('./workflows') }, history.history!);
 */
import { loadWorkflowBundle, type WorkflowBundleOption } from '../workflow/prebuilt-bundle';
import { type DataConverter, noopMetricMeter } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import type { coresdk, temporal } from '@temporalio/proto';
import { protos } from '../common/worker-protos';
import { DeterminismViolationError } from '@temporalio/workflow/lib/errors';
import { NativeError, NativeReplayer, type NativeRuntime } from '../native';
import {
  type ReusableWorkflowBundle,
  type WorkflowBundle,
  bundleSharedContextWorkflowCode,
  bundleWorkflowCode,
} from '../workflow/bundler';
import { WorkflowIsolateManager } from '../workflow/isolate-manager';
import type { InjectedSinks } from '../workflow/sinks';
import { sharedNativeRuntime } from '../connection';
import type { Logger } from '../common/logger';
import { MetricsEmitter } from './metrics';
import { WORKER_DEFAULTS } from './options';
import type { TaskLoopContext } from './task-loop-context';
import { WorkflowTaskLoop } from './workflow-task-loop';
import { DEFAULT_NAMESPACE } from '../common/defaults';
import { errorMessage } from '../common/error-message';
import { applyAsyncConfigureHooks } from '../common/plugins';
import { checkWorkerPlugins } from './options';
import type { WorkerPlugin } from './plugins';

type History = temporal.api.history.v1.History;
type RemoveFromCache = coresdk.workflow_activation.IRemoveFromCache;
/**
 * A history to replay: a `temporal.api.history.v1.History` (message or plain object), its
 * protobuf encoding, or the JSON that `temporal workflow show --output json` prints (object or
 * string).
 */
export type ReplayHistoryInput =
  | History
  | temporal.api.history.v1.IHistory
  | Uint8Array
  | string
  | { events: unknown[] };

export interface ReplayOptions {
  /** The workflows to replay against (bundled once). One of `workflowsPath`, `bundle` and `workflowBundle` is required. */
  workflowsPath?: string;
  /** A bundle made earlier with `bundleWorkflowCode` (use the same interceptors and converters as the worker). */
  bundle?: WorkflowBundle;
  /** A prebuilt bundle, in `createWorker`'s `workflowBundle` shapes (`{ code }` or `{ codePath }` of `temporal-bun bundle`'s file). */
  workflowBundle?: WorkflowBundleOption;
  /**
   * Replay in the sandbox layout of a worker with this `reuseV8Context`, so that determinism is
   * checked where the workflows run. Default: the worker's default (one context shared by runs).
   * A history replays the same whichever layout recorded it.
   */
  reuseV8Context?: boolean;
  /** Bundling options, as for the worker (ignored with `bundle`). */
  workflowInterceptorModules?: string[];
  /**
   * The official `ReplayWorkerOptions`' name for interceptors: `workflowModules` are bundled as
   * {@link workflowInterceptorModules} are (after them); the other kinds do not run in replay.
   */
  interceptors?: { workflowModules?: string[]; [kind: string]: unknown };
  /**
   * Plugins, as for `createWorker`: their `configureReplayWorker` hooks change these options in
   * order, and they configure the bundler of `workflowsPath`. Default none.
   */
  plugins?: WorkerPlugin[];
  /** Payload codecs, and the converters used for failures outside the sandbox. */
  dataConverter?: DataConverter;
  /** Sinks; only functions with `callDuringReplay: true` are called during replay. */
  sinks?: InjectedSinks;
  /** Default: a logger that drops everything (replay is usually run from tests and CI). */
  logger?: Logger;
  /** The bridge runtime to replay on. Default: the process-wide runtime. */
  runtime?: NativeRuntime;
  /** Namespace the replayed runs believe they are in. Default `"default"`. */
  namespace?: string;
  /** Task queue the replayed runs believe they are on. Default `"replay"`. */
  taskQueue?: string;
}

/** One history's replay outcome; `error` is set when it failed. */
export interface ReplayResult {
  workflowId: string;
  runId: string;
  error?: DeterminismViolationError | ReplayError;
}

/** Replay failed for a reason other than non-determinism (a failing workflow task, a bad history, an SDK problem). */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

/**
 * Replays one history. Resolves when the code is compatible with it; rejects with a
 * `DeterminismViolationError` when it is not, with a {@link ReplayError} for any other failure.
 *
 * @param workflowId Histories do not carry the workflow id; pass it if the workflow reads it.
 */
export async function runReplayHistory(
  options: ReplayOptions,
  history: ReplayHistoryInput,
  workflowId?: string,
): Promise<void> {
  for await (const result of runReplayHistories(options, [{ history, workflowId }])) {
    if (result.error) throw result.error;
    return;
  }
  throw new ReplayError('the replayer produced no result for the history');
}

/**
 * Replays histories one after the other on one replayer, yielding a result per history (failures
 * are results, not exceptions). Rejects only if the replayer itself fails.
 */
export async function* runReplayHistories(
  givenOptions: ReplayOptions,
  histories:
    | Iterable<{ history: ReplayHistoryInput; workflowId?: string }>
    | AsyncIterable<{ history: ReplayHistoryInput; workflowId?: string }>,
): AsyncGenerator<ReplayResult, void, undefined> {
  const options = await configureReplayOptions(givenOptions);
  const logger = options.logger ?? silentLogger;
  // Determinism is checked in the sandbox layout the worker runs, and only that layout is bundled.
  const reuseV8Context = options.reuseV8Context ?? WORKER_DEFAULTS.reuseV8Context;
  const workflows: { bundle?: WorkflowBundle; reusable?: ReusableWorkflowBundle } =
    options.bundle !== undefined
      ? { bundle: options.bundle }
      : options.workflowBundle !== undefined
        ? loadWorkflowBundle(options.workflowBundle)
        : await bundleForReplay(options, logger, reuseV8Context);
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const taskQueue = options.taskQueue ?? 'replay';
  const runtime = options.runtime ?? (await sharedNativeRuntime());
  const dataConverter = loadDataConverter(options.dataConverter);
  const manager = await WorkflowIsolateManager.create({
    bundle: workflows.bundle,
    reusable: workflows.reusable,
    reuseV8Context,
    logger,
    failureConverter: dataConverter.failureConverter,
    payloadConverter: dataConverter.payloadConverter,
  });

  const replayer = NativeReplayer.create(runtime, { namespace, taskQueue, identity: null });
  let current: HistoryReplay | undefined;
  const loop = new WorkflowTaskLoop(
    {
      native: replayer,
      namespace,
      taskQueue,
      dataConverter,
      logger,
      metrics: new MetricsEmitter(),
      // Workflow metrics are never emitted on replay.
      metricMeter: noopMetricMeter,
    } satisfies TaskLoopContext,
    manager,
    {
      sinks: options.sinks,
      isReplayWorker: true,
      observer: {
        onActivation: (activation) => {
          if (current && current.runId === undefined) current.runId = activation.runId;
        },
        onActivationFailed: (runId, failure) => {
          if (current?.runId === runId) current.taskFailure ??= failure;
        },
        onCompletionRejected: (runId, error) => {
          if (current?.runId === runId) current.rejectedCompletion ??= error;
        },
        onEviction: (runId, eviction) => {
          if (current && (current.runId === undefined || current.runId === runId)) {
            current.runId ??= runId;
            current.evicted(eviction);
          }
        },
      },
    },
  );
  const running = loop.run();
  // The loop only ends early if the replayer fails; that must fail whatever history is waiting.
  const stoppedEarly = running.then(
    () => {
      throw new ReplayError('the replayer stopped before the history finished replaying');
    },
    (cause: unknown) => {
      throw new ReplayError(`the replayer failed: ${errorMessage(cause)}`, { cause });
    },
  );
  stoppedEarly.catch(() => undefined);

  let closed = false;
  try {
    let index = 0;
    for await (const { history, workflowId: givenWorkflowId } of histories) {
      const workflowId = givenWorkflowId ?? `replay-${++index}`;
      const parsed = historyFromInput(history);
      current = new HistoryReplay();
      await replayer.pushHistory(workflowId, parsed);
      const eviction = await Promise.race([current.done, stoppedEarly]);
      yield { workflowId, runId: current.runId ?? '', error: current.outcome(eviction) };
    }
    closed = true;
    replayer.close();
    await running;
  } finally {
    if (!closed) {
      replayer.close();
      replayer.initiateShutdown();
      await running.catch(() => undefined);
    }
    await replayer
      .finalizeShutdown()
      .catch((error: unknown) => logger.warn('Finalizing the replayer failed', { error }));
    replayer.free();
  }
}

/** What happened to the history being replayed. */
class HistoryReplay {
  runId: string | undefined;
  taskFailure: unknown;
  rejectedCompletion: unknown;
  readonly done: Promise<RemoveFromCache>;
  evicted: (eviction: RemoveFromCache) => void = () => undefined;

  constructor() {
    this.done = new Promise((resolve) => (this.evicted = resolve));
  }

  outcome(eviction: RemoveFromCache): DeterminismViolationError | ReplayError | undefined {
    const EvictionReason = protos.coresdk.workflow_activation.RemoveFromCache.EvictionReason;
    const evictionMessage = eviction.message ?? '';
    if (eviction.reason === EvictionReason.NONDETERMINISM) {
      // Core found the commands at odds with the history, or the workflow itself reported a
      // determinism violation (then its own failure says more than core's summary of it).
      const details = this.taskFailure === undefined ? evictionMessage : errorMessage(this.taskFailure);
      return new DeterminismViolationError(
        'Replay failed with a nondeterminism error: the workflow code is not compatible with the history. ' +
          `Details: ${details}`,
        { cause: this.taskFailure ?? this.rejectedCompletion },
      );
    }
    if (this.rejectedCompletion !== undefined) {
      const what =
        this.taskFailure === undefined ? 'core refused a workflow task completion' : 'a workflow task failed';
      const reason =
        this.taskFailure === undefined ? rejectionReason(this.rejectedCompletion) : errorMessage(this.taskFailure);
      return new ReplayError(`Replay failed because ${what}: ${reason}`, {
        cause: this.taskFailure ?? this.rejectedCompletion,
      });
    }
    const taskFailure = this.taskFailure === undefined ? undefined : errorMessage(this.taskFailure);
    switch (eviction.reason) {
      case EvictionReason.LANG_REQUESTED:
      case EvictionReason.CACHE_FULL:
        // Core evicts a run once its history has been replayed to the end.
        return taskFailure === undefined
          ? undefined
          : new ReplayError(`Replay failed due to a workflow task failure: ${taskFailure}`, {
              cause: this.taskFailure,
            });
      case EvictionReason.LANG_FAIL:
        return new ReplayError(`Replay failed due to a workflow task failure: ${taskFailure ?? evictionMessage}`, {
          cause: this.taskFailure,
        });
      default:
        return new ReplayError(
          `Replay failed: core evicted the run with reason ${EvictionReason[eviction.reason ?? 0] ?? eviction.reason}: ${evictionMessage}`,
          { cause: this.taskFailure },
        );
    }
  }
}

/** Core's reason for refusing a completion, from the bridge's structured error. */
function rejectionReason(error: unknown): string {
  if (error instanceof NativeError && error.details.rejectedCompletion !== undefined) {
    const { kind, reason } = error.details.rejectedCompletion;
    return `${reason} (${kind})`;
  }
  return errorMessage(error);
}

/** `@temporalio/common`'s JSON history reader, loaded on first use (it loads all of `@temporalio/proto`). */
function historyFromJSON(history: unknown): temporal.api.history.v1.IHistory {
  const { historyFromJSON: read } =
    require('@temporalio/common/lib/proto-utils') as typeof import('@temporalio/common/lib/proto-utils');
  return read(history);
}

/**
 * Accepts a history as a protobuf message or plain object, its encoding, or the JSON of
 * `temporal workflow show --output json` (enums as names, int64 as strings).
 */
export function historyFromInput(history: ReplayHistoryInput): temporal.api.history.v1.IHistory {
  if (history instanceof Uint8Array) {
    try {
      return protos.temporal.api.history.v1.History.decode(history);
    } catch (cause) {
      throw new ReplayError(`the history bytes are not a temporal.api.history.v1.History: ${errorMessage(cause)}`, {
        cause,
      });
    }
  }
  if (typeof history === 'string') {
    try {
      return historyFromInput(JSON.parse(history) as { events: unknown[] });
    } catch (cause) {
      throw new ReplayError(`the history is not valid JSON: ${errorMessage(cause)}`, { cause });
    }
  }
  if (
    typeof history !== 'object' ||
    history === null ||
    !Array.isArray(history.events) ||
    history.events.length === 0
  ) {
    throw new ReplayError(
      'expected a history with events (a History message, its bytes, or the JSON of `temporal workflow show -o json`)',
    );
  }
  const first = history.events[0] as { eventId?: unknown; eventType?: unknown };
  // JSON renders int64 event ids as strings and enums as names; protobuf objects use Long/number.
  if (typeof first.eventId === 'string' || typeof first.eventType === 'string') {
    try {
      return historyFromJSON(history);
    } catch (cause) {
      throw new ReplayError(`the history JSON could not be read: ${errorMessage(cause)}`, { cause });
    }
  }
  // A History message or an object of its shape: encoded as is when pushed to the replayer.
  return history as temporal.api.history.v1.IHistory;
}

/** `options` after its plugins' `configureReplayWorker` hooks, in order. */
async function configureReplayOptions(options: ReplayOptions): Promise<ReplayOptions> {
  if (options.plugins === undefined) return options;
  checkWorkerPlugins(options.plugins);
  return applyAsyncConfigureHooks(options.plugins, 'configureReplayWorker', options, 'runReplayHistory');
}

async function bundleForReplay(
  options: ReplayOptions,
  logger: Logger,
  reuseV8Context: boolean,
): Promise<{ bundle?: WorkflowBundle; reusable?: ReusableWorkflowBundle }> {
  if (options.workflowsPath === undefined)
    throw new ReplayError('runReplayHistory needs workflowsPath, bundle or workflowBundle');
  const bundleOptions = {
    workflowsPath: options.workflowsPath,
    workflowInterceptorModules: [
      ...(options.workflowInterceptorModules ?? []),
      ...(options.interceptors?.workflowModules ?? []),
    ],
    payloadConverterPath: options.dataConverter?.payloadConverterPath,
    failureConverterPath: options.dataConverter?.failureConverterPath,
    logger,
    plugins: options.plugins,
  };
  return reuseV8Context
    ? { reusable: await bundleSharedContextWorkflowCode(bundleOptions) }
    : { bundle: await bundleWorkflowCode(bundleOptions) };
}

const ignore = () => undefined;
const silentLogger: Logger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };
