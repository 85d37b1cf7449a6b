/**
 * The activity task loop: poll → decode → run → encode → complete, for activities and local
 * activities alike (core hands both out on the activity poll).
 *
 * Each start task runs its function with an `@temporalio/activity` `Context`; each cancel task
 * cancels the matching running activity with core's reason. The loop also cancels, on its own:
 * - an activity still running at its start-to-close deadline (reason `TIMED_OUT`), and
 * - every running activity when the worker gives up waiting for them (`cancelAll`).
 * An activity that was cancelled because nobody wants its result any more (timed out, not found,
 * worker shutdown) and keeps running anyway is abandoned after `abandonAfterCancelMs`: its task is
 * completed without it, so it cannot hold a slot (or the worker's shutdown) forever.
 */
import {
  ApplicationFailure,
  ApplicationFailureCategory,
  CompleteAsyncError,
  isActivityFunctionWithOptions,
  type MetricMeter,
} from '@temporalio/common';
import {
  decodeArrayFromPayloads,
  decodeFromPayloadsAtIndex,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { externalStorageInbound } from './external-storage';
import { payloadVisitor } from '../common/payload-visitor';
import { optionalTsToMs } from '../common/proto-values';
import type { coresdk } from '@temporalio/proto';
import { logLevelEnabled } from '../common/logger';
import {
  ActivityCancellation,
  cancelRequestFromCore,
  workerCancelRequest,
  type ActivityCancelReason,
  type ActivityCancelRequest,
} from '../activity/cancellation';
import {
  cancellationResult,
  encodeActivityResult,
  resultKind,
  type ActivityExecutionResult,
  type ActivityOutcome,
  type ActivityResultEncoder,
} from '../activity/completion';
import { ActivityExecutionContext, type ActivityContextClient } from '../activity/context';
import { ActivityHeartbeater } from '../activity/heartbeat';
import {
  activityInfoFromStart,
  activityLogAttributes,
  activitySerializationContext,
  base64TaskToken,
  type ActivityTaskInfo,
} from '../activity/info';
import type { ActivityExecuteInput, ActivityInterceptorsFactory, Headers } from '../activity/interceptors';
import type { ActivityImplementation } from '../activity/registry';
import { WORKER_DEFAULTS } from './options';
import { createPollingLoop, type PollingLoop } from './polling-loop';
import type { TaskLoopContext } from './task-loop-context';

type ActivityTask = coresdk.activity_task.ActivityTask;

/**
 * The local start-to-close deadline fires this long after the timeout itself, so the server's (or,
 * for local activities, core's) own timeout normally wins and the workflow sees its timeout failure.
 */
export const LOCAL_DEADLINE_SLACK_MS = 100;

/** Activity type that, when registered, handles every type that has no function of its own. */
export const DEFAULT_ACTIVITY_NAME = 'default';

export interface ActivityTaskLoopOptions {
  /** The registry (see `createActivityRegistry`). */
  activities: ReadonlyMap<string, ActivityImplementation>;
  /** Interceptor factories, called per execution in order (the first is outermost). Default none. */
  interceptors?: readonly ActivityInterceptorsFactory[];
  /**
   * Exposed as `Context.client` (`createWorker` passes a client over the worker's connection).
   * Default none: `Context.client` throws `IllegalStateError`.
   */
  client?: ActivityContextClient;
  /**
   * How long an activity cancelled because its result is no longer wanted (timed out, not found,
   * worker shutdown) may keep running before its task is completed without it: the worker's
   * `abandonAfterCancelTime`, in milliseconds. Default: that option's default.
   */
  abandonAfterCancelMs?: number;
}

/** Reasons after which the result is unwanted, so a stuck activity may be abandoned. */
const ABANDONABLE_REASONS: ReadonlySet<ActivityCancelReason> = new Set(['TIMED_OUT', 'NOT_FOUND', 'WORKER_SHUTDOWN']);

/** One running activity execution, registered from the moment its start task arrives. */
interface RunningActivity {
  readonly cancellation: ActivityCancellation;
  readonly local: boolean;
  readonly activityType: string;
  /** Set once the context exists (after decoding), for logs. */
  execution?: ActivityExecutionContext;
  /** Resolves when the activity should be abandoned. */
  readonly abandoned: Promise<void>;
  armAbandonTimer(): void;
  dispose(): void;
}

/**
 * Polls activity tasks from a native worker and runs them. One per worker.
 *
 * @example
 * const loop = new ActivityTaskLoop(taskLoopContext, { activities: createActivityRegistry(activities) });
 * const done = loop.run();   // resolves after the native worker shut down and every task completed
 * native.initiateShutdown();
 * await done;
 */
export class ActivityTaskLoop {
  readonly #context: TaskLoopContext;
  readonly #activities: ReadonlyMap<string, ActivityImplementation>;
  readonly #interceptors: readonly ActivityInterceptorsFactory[];
  readonly #metricMeter: MetricMeter;
  readonly #client: ActivityContextClient;
  readonly #abandonAfterCancelMs: number;
  readonly #running = new Map<string, RunningActivity>();
  #pollingLoop: PollingLoop | undefined;
  #done: Promise<void> | undefined;
  /** Set by `cancelAll`: tasks that start afterwards are cancelled at once with this message. */
  #shutdownMessage: string | undefined;

  constructor(context: TaskLoopContext, options: ActivityTaskLoopOptions) {
    this.#context = context;
    this.#activities = options.activities;
    this.#interceptors = options.interceptors ?? [];
    // Base of `Context.metricMeter`, tagged there with namespace, task queue and activity type.
    this.#metricMeter = context.metricMeter;
    this.#client = options.client;
    this.#abandonAfterCancelMs = Math.max(0, options.abandonAfterCancelMs ?? WORKER_DEFAULTS.abandonAfterCancelTimeMs);
  }

  /** True when the worker has activities to run (each of their tasks goes through the payload visitor). */
  get hasActivities(): boolean {
    return this.#activities.size > 0;
  }

  /** Number of activity executions (local ones included) whose task is not yet completed. */
  get inFlight(): number {
    return this.#running.size;
  }

  /**
   * Polls until the native worker shuts down, and resolves once every task it handed out was
   * completed. Rejects if polling fails for good. Calling it again returns the same promise.
   */
  run(): Promise<void> {
    this.#done ??= this.#start();
    return this.#done;
  }

  /**
   * Cancels every running activity with reason `WORKER_SHUTDOWN` and `message` as the
   * `CancelledFailure` message (the shutdown controller passes `"worker shutdown"`); activities
   * that start afterwards are cancelled at once. Their tasks are reported as retryable failures so
   * the server retries them on another worker.
   */
  cancelAll(message: string): void {
    this.#shutdownMessage = message;
    for (const running of this.#running.values())
      this.#cancel(running, workerCancelRequest('WORKER_SHUTDOWN', message));
  }

  async #start(): Promise<void> {
    const { native, metrics, logger } = this.#context;
    this.#pollingLoop = createPollingLoop<ActivityTask>({
      name: 'activity',
      poll: async () => {
        const started = performance.now();
        const task = await native.nextActivityTask();
        metrics.emit({ type: 'pollWait', taskKind: 'activity', durationMs: performance.now() - started });
        return task;
      },
      handler: (task) => this.#handle(task),
      onHandlerError: (error) => logger.error('Activity task handling failed', { error }),
    });
    await this.#pollingLoop.done;
    logger.debug('Activity task loop stopped');
  }

  #handle(task: ActivityTask): Promise<void> {
    if (task.start) return this.#runTask(task.taskToken, task.start, task);
    if (task.cancel) {
      const running = this.#running.get(base64TaskToken(task.taskToken));
      if (!running) {
        this.#context.logger.debug('Cancel for an activity that is not running', {
          taskToken: base64TaskToken(task.taskToken),
        });
      } else {
        this.#cancel(running, cancelRequestFromCore(task.cancel));
      }
      return Promise.resolve();
    }
    this.#context.logger.warn('Activity task with neither start nor cancel ignored', {
      taskToken: base64TaskToken(task.taskToken),
    });
    return Promise.resolve();
  }

  #cancel(running: RunningActivity, request: ActivityCancelRequest): void {
    const apply = () => running.cancellation.cancel(request);
    // Abort listeners run synchronously: inside the activity's context they can use Context.current().
    if (!(running.execution ? running.execution.enter(apply) : apply())) return;
    const logger = running.execution?.workerLogger ?? this.#context.logger;
    logger.debug('Activity cancelled', {
      reason: request.reason,
      origin: request.origin,
      ...(running.execution ? {} : { activityType: running.activityType }),
    });
    if (ABANDONABLE_REASONS.has(request.reason)) running.armAbandonTimer();
  }

  /** Runs one start task to its completion. Never rejects: failures are reported to core. */
  async #runTask(
    taskToken: Uint8Array,
    start: coresdk.activity_task.Start.$Properties,
    task: ActivityTask,
  ): Promise<void> {
    const { metrics, logger } = this.#context;
    const receivedAt = performance.now();
    const key = base64TaskToken(taskToken);
    const local = start.isLocal ?? false;
    const activityType = start.activityType ?? '';
    const running = this.#register(key, local, activityType);
    metrics.emit({ type: 'activityTask', phase: 'started', activityType, local });

    let result: ActivityExecutionResult;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    try {
      const startToCloseMs = optionalTsToMs(start.startToCloseTimeout) ?? 0;
      if (startToCloseMs > 0) {
        deadline = setTimeout(() => {
          this.#cancel(
            running,
            workerCancelRequest(
              'TIMED_OUT',
              `activity did not complete within its start-to-close timeout of ${startToCloseMs} ms`,
            ),
          );
        }, startToCloseMs + LOCAL_DEADLINE_SLACK_MS);
      }
      if (this.#shutdownMessage !== undefined)
        this.#cancel(running, workerCancelRequest('WORKER_SHUTDOWN', this.#shutdownMessage));
      result = await this.#execute(taskToken, start, task, running);
    } catch (error) {
      // Only a bug in this loop gets here; the task must still be completed.
      logger.error('Activity task failed inside the worker', { error, activityType });
      result = {
        failed: { failure: { message: `worker error: ${error instanceof Error ? error.message : String(error)}` } },
      };
    } finally {
      clearTimeout(deadline);
    }

    // Reported when the outcome is known, before core hears of it: by the time the workflow sees
    // the result, the event has been emitted.
    metrics.emit({
      type: 'activityTask',
      phase: resultKind(result),
      activityType,
      local,
      durationMs: performance.now() - receivedAt,
    });
    // The task is done once its completion is sent; a successful answer comes with the JS
    // thread's next wake-up (deferAck), a refusal is logged when it arrives.
    const acknowledged = this.#context.native.completeActivityTask({ taskToken, result }, { deferAck: true });
    running.dispose();
    this.#running.delete(key);
    try {
      await acknowledged;
    } catch (error) {
      (running.execution?.workerLogger ?? logger).error('Failed to complete an activity task', { error, activityType });
    }
  }

  #register(key: string, local: boolean, activityType: string): RunningActivity {
    const cancellation = new ActivityCancellation();
    const abandonAfterMs = this.#abandonAfterCancelMs;
    let abandonTimer: ReturnType<typeof setTimeout> | undefined;
    let resolveAbandoned!: () => void;
    const abandoned = new Promise<void>((resolve) => {
      resolveAbandoned = resolve;
    });
    const running: RunningActivity = {
      cancellation,
      local,
      activityType,
      abandoned,
      armAbandonTimer() {
        abandonTimer ??= setTimeout(resolveAbandoned, abandonAfterMs);
      },
      dispose() {
        clearTimeout(abandonTimer);
      },
    };
    if (this.#running.has(key)) {
      this.#context.logger.warn('Start for an activity task that is already running', { taskToken: key, activityType });
    }
    this.#running.set(key, running);
    return running;
  }

  async #execute(
    taskToken: Uint8Array,
    start: coresdk.activity_task.Start.$Properties,
    task: ActivityTask,
    running: RunningActivity,
  ): Promise<ActivityExecutionResult> {
    const { dataConverter, namespace, taskQueue, native } = this.#context;
    const serializationContext = activitySerializationContext(start, namespace);
    const encoder: ActivityResultEncoder = { dataConverter, serializationContext };
    const activityType = start.activityType ?? '';

    // Decode: heartbeat details and arguments (external-storage references resolved first).
    const fn = this.#activities.get(activityType) ?? this.#activities.get(DEFAULT_ACTIVITY_NAME);
    const typeInfo = fn && isActivityFunctionWithOptions(fn) ? fn.activityDefinitionOptions.typeInfo : undefined;
    encoder.outputTypeInfo = typeInfo?.outputType;
    let heartbeatDetails: unknown;
    let args: unknown[];
    try {
      const { visit, walkActivityTask } = payloadVisitor();
      await visit(task, walkActivityTask, externalStorageInbound(dataConverter));
      heartbeatDetails = await decodeFromPayloadsAtIndex(
        dataConverter,
        0,
        start.heartbeatDetails,
        serializationContext,
      );
      args = fn
        ? await decodeArrayFromPayloads(dataConverter, start.input, serializationContext, typeInfo?.inputTypes)
        : [];
    } catch (error) {
      this.#context.logger.warn('Activity input could not be decoded', {
        error,
        activityType,
        activityId: start.activityId,
      });
      return encodeActivityResult(
        encoder,
        {
          returned: false,
          error: ApplicationFailure.fromError(error, {
            message: `the input of activity ${activityType} could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
          }),
        },
        running.cancellation,
      );
    }

    const info = activityInfoFromStart({ taskToken, start, namespace, taskQueue, heartbeatDetails });
    if (!fn) {
      const registered = [...this.#activities.keys()];
      this.#context.logger.warn('Activity type not registered', { ...activityLogAttributes(info), registered });
      return encodeActivityResult(
        encoder,
        { returned: false, error: notRegisteredFailure(activityType, registered) },
        running.cancellation,
      );
    }

    const execution = new ActivityExecutionContext({
      info,
      cancellation: running.cancellation,
      heartbeat: (details) => heartbeater.heartbeat(details),
      logger: this.#context.logger,
      metricMeter: this.#metricMeter,
      client: this.#client,
      interceptors: this.#interceptors,
    });
    const heartbeater = new ActivityHeartbeater({
      native,
      dataConverter,
      taskToken,
      serializationContext,
      isLocal: info.isLocal,
      logger: execution.workerLogger,
      onEncodeError: () => this.#cancel(running, workerCancelRequest('HEARTBEAT_DETAILS_CONVERSION_FAILED')),
    });
    running.execution = execution;

    const outcome = await this.#runFunction(
      execution,
      fn,
      { args, headers: (start.headerFields ?? {}) as Headers },
      running,
      info,
    );
    if (outcome === 'abandoned') {
      await heartbeater.close({ flush: false });
      execution.workerLogger.warn('Activity ignored its cancellation; its task was completed without it', {
        reason: running.cancellation.request?.reason,
        abandonAfterCancelMs: this.#abandonAfterCancelMs,
      });
      return cancellationResult(encoder, running.cancellation);
    }
    const result = await encodeActivityResult(encoder, outcome, running.cancellation);
    // A failure report carries the last heartbeat, so the retry sees it in info.heartbeatDetails.
    await heartbeater.close({ flush: result.failed !== undefined && result.failed !== null });
    return result;
  }

  async #runFunction(
    execution: ActivityExecutionContext,
    fn: ActivityImplementation,
    input: ActivityExecuteInput,
    running: RunningActivity,
    info: ActivityTaskInfo,
  ): Promise<ActivityOutcome | 'abandoned'> {
    const logger = execution.workerLogger;
    // Each record computes the activity's log attributes: skipped when the logger drops DEBUG.
    const debug = logLevelEnabled(this.#context.logger, 'DEBUG');
    if (debug) logger.debug('Activity started');
    const started = performance.now();
    const outcome: Promise<ActivityOutcome> = execution.execute(fn, input).then(
      (value): ActivityOutcome => ({ returned: true, value }),
      (error: unknown): ActivityOutcome => ({ returned: false, error }),
    );
    const settled = await Promise.race([outcome, running.abandoned.then(() => 'abandoned' as const)]);
    const durationMs = performance.now() - started;
    if (settled === 'abandoned') return settled;
    if (settled.returned) {
      if (debug) logger.debug('Activity completed', { durationMs });
    } else if (settled.error instanceof CompleteAsyncError) {
      if (debug) logger.debug('Activity will complete asynchronously', { durationMs });
    } else if (running.cancellation.isCancelled) {
      if (debug)
        logger.debug('Activity ended after cancellation', { durationMs, reason: running.cancellation.request?.reason });
    } else {
      const benign =
        settled.error instanceof ApplicationFailure && settled.error.category === ApplicationFailureCategory.BENIGN;
      logger[benign ? 'debug' : 'warn']('Activity failed', { error: settled.error, durationMs, attempt: info.attempt });
    }
    return settled;
  }
}

function notRegisteredFailure(activityType: string, registered: string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'NotFoundError',
    message:
      `Activity function ${activityType} is not registered on this worker; registered activities: ` +
      `${JSON.stringify(registered)}. Register it in the worker's activities option.`,
    nonRetryable: false,
  });
}
