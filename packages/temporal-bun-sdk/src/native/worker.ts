/**
 * An sdk-core worker (and the replay worker) behind the bridge: poll, complete, heartbeat, shut down.
 *
 * Messages are the coresdk protobufs. Tasks arrive on two streams (one poll loop per task kind in
 * the bridge); the completion calls have a `*Bytes` variant that sends the encoded message
 * unchanged (tests send malformed bytes).
 */
import type { coresdk, temporal } from '@temporalio/proto';
import { protos } from '../common/worker-protos';
import { encodeJson, encodeUtf8, inputBytes } from './buffers';
import { NativeError, checkStatus, takeLastError } from './errors';
import type { NativeClient } from './client';
import { expectNothing, type NativeRuntime, type StreamSink } from './runtime';
import { nativeSymbols } from './symbols';

/**
 * Options of {@link NativeWorker.create}: the bridge's worker options JSON. Every key is required
 * (`null` where a value is optional): the defaults and the friendly validation live in one place,
 * `createWorker`'s options (`src/worker/options.ts`, `WORKER_DEFAULTS`), which builds this object.
 * The bridge refuses only what would crash or hang it (`WORKER_LIMITS`) and what sdk-core's own
 * config check refuses, as `INVALID_ARGUMENT` naming the key. Durations in ms.
 */
export interface NativeWorkerOptions {
  namespace: string;
  taskQueue: string;
  /** `null`: the connection's identity. */
  identity: string | null;
  /** Identifies the worker's code; `""` for none. No versioning unless a versioning option is set. */
  buildId: string;
  /** Legacy build-id-based versioning (needs `buildId`). */
  useBuildIdVersioning: boolean;
  /** Worker-deployment versioning with `buildId`; `null` for none. */
  deploymentName: string | null;
  /** Required (true or false) with `deploymentName`; must be `null` without it. */
  useWorkerVersioning: boolean | null;
  /** With `deploymentName` and `useWorkerVersioning: true`; `null` for none. */
  defaultVersioningBehavior: 'pinned' | 'autoUpgrade' | null;
  /** Sticky cache size; 0 disables sticky queues. */
  maxCachedWorkflows: number;
  /** The three slot counts: numbers without a `tuner`, `null` with one. */
  maxConcurrentWorkflowTaskExecutions: number | null;
  maxConcurrentActivityTaskExecutions: number | null;
  maxConcurrentLocalActivityExecutions: number | null;
  /** Slot suppliers per slot kind; `null`: the `maxConcurrent*` counts. */
  tuner: NativeWorkerTuner | null;
  workflowTaskPollerBehavior: NativePollerBehavior;
  activityTaskPollerBehavior: NativePollerBehavior;
  /** In (0, 1]. */
  nonstickyToStickyPollRatio: number;
  stickyQueueScheduleToStartTimeoutMs: number;
  /** After shutdown starts, core cancels outstanding activities after this long; 0 = never. */
  gracefulShutdownPeriodMs: number;
  /** Poll workflow tasks. */
  enableWorkflows: boolean;
  /** Poll activity tasks. */
  enableNonLocalActivities: boolean;
  maxHeartbeatThrottleIntervalMs: number;
  /** Used when an activity has no heartbeat timeout. */
  defaultHeartbeatThrottleIntervalMs: number;
  /** Per-worker activity rate limit; `null` for none. */
  maxActivitiesPerSecond: number | null;
  /** Server-side task-queue activity rate limit; `null` for none. */
  maxTaskQueueActivitiesPerSecond: number | null;
}

/** sdk-core's tuner: one slot supplier per slot kind, and the resource controller they share. */
export interface NativeWorkerTuner {
  workflowTaskSlotSupplier: NativeSlotSupplier;
  activityTaskSlotSupplier: NativeSlotSupplier;
  localActivityTaskSlotSupplier: NativeSlotSupplier;
  /** Required when a supplier is resource-based, `null` otherwise. Each in (0, 1]. */
  resourceBasedOptions: { targetMemoryUsage: number; targetCpuUsage: number } | null;
}

export type NativeSlotSupplier =
  | { type: 'fixed-size'; numSlots: number }
  | { type: 'resource-based'; minimumSlots: number; maximumSlots: number; rampThrottleMs: number };

export type NativePollerBehavior =
  | { type: 'simple-maximum'; maximum: number }
  | { type: 'autoscaling'; minimum: number; maximum: number; initial: number };

/** Options of {@link NativeReplayer.create}; every key is required (`runReplayHistory` holds the defaults). */
export interface NativeReplayerOptions {
  namespace: string;
  taskQueue: string;
  /** `null`: core's default identity. */
  identity: string | null;
}

type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;
type WorkflowActivationCompletion = coresdk.workflow_completion.WorkflowActivationCompletion.$Properties;
type ActivityTask = coresdk.activity_task.ActivityTask;
type ActivityTaskCompletion = coresdk.ActivityTaskCompletion.$Properties;
type ActivityHeartbeat = coresdk.ActivityHeartbeat.$Properties;

/** Options of the completion calls. */
export interface CompleteOptions {
  /**
   * Let a successful answer wait for the next wake-up of the JS thread while a poll is
   * outstanding, instead of waking it just for this. Errors still arrive at once. The task loops
   * set it: they wait for the answer only to log a refusal and to know the task is done at
   * shutdown, when the polls' own answers come. Default false.
   */
  deferAck?: boolean;
}

const decodeActivation = (bytes: Uint8Array): WorkflowActivation =>
  protos.coresdk.workflow_activation.WorkflowActivation.decode(bytes);
const decodeActivityTask = (bytes: Uint8Array): ActivityTask => protos.coresdk.activity_task.ActivityTask.decode(bytes);

/** `flags` of the bridge's completion calls (`TBS_COMPLETE_DEFER_ACK`). */
const COMPLETE_DEFER_ACK = 1;

/**
 * What workers and replayers share: the task streams and completions, heartbeats, eviction and
 * shutdown.
 * Create one with {@link NativeWorker.create} or {@link NativeReplayer.create}.
 */
export abstract class NativeWorkerBase {
  readonly runtime: NativeRuntime;
  readonly #handle: number;
  #freed = false;
  readonly #activations = new TaskStream(
    (sink) => this.#stream('tbs_worker_stream_workflow_activations', sink),
    decodeActivation,
  );
  readonly #activityTasks = new TaskStream(
    (sink) => this.#stream('tbs_worker_stream_activity_tasks', sink),
    decodeActivityTask,
  );

  protected constructor(runtime: NativeRuntime, handle: number) {
    this.runtime = runtime;
    this.#handle = handle;
  }

  /** The raw worker handle (kept after free, so tests can probe the bridge with a stale handle). */
  get handle(): number {
    return this.#handle;
  }

  get freed(): boolean {
    return this.#freed;
  }

  /** Asks the server about the worker's namespace; rejects with `WORKER_ERROR` when it is unusable. */
  validate(): Promise<void> {
    return this.#asyncCall(
      'tbs_worker_validate',
      (symbols, requestId) => symbols.tbs_worker_validate(this.#handle, requestId),
      expectNothing,
    );
  }

  /**
   * Next workflow activation from the worker's activation stream: the bridge polls core in a loop
   * of its own and queues what it gets, so taking the next one costs no call into the bridge.
   * Rejects with `SHUT_DOWN` once the worker is shutting down (after the activations before it);
   * a poll error ends the stream and rejects one call, and the next call starts a new stream.
   */
  nextWorkflowActivation(): Promise<WorkflowActivation> {
    return this.#activations.next();
  }

  /** Next activity task from the worker's task stream, as {@link nextWorkflowActivation}. */
  nextActivityTask(): Promise<ActivityTask> {
    return this.#activityTasks.next();
  }

  /** Rejects (never throws) when the completion cannot be encoded, like any other failure. */
  completeWorkflowActivation(
    completion: WorkflowActivationCompletion | Uint8Array,
    options?: CompleteOptions,
  ): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes =
        completion instanceof Uint8Array
          ? completion
          : protos.coresdk.workflow_completion.WorkflowActivationCompletion.encode(completion).finish();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.completeWorkflowActivationBytes(bytes, options);
  }

  /** Sends an encoded `coresdk.workflow_completion.WorkflowActivationCompletion` as is. */
  completeWorkflowActivationBytes(completion: Uint8Array, options?: CompleteOptions): Promise<void> {
    const input = inputBytes(completion);
    const flags = completeFlags(options);
    return this.#asyncCall(
      'tbs_worker_complete_workflow_activation',
      (symbols, requestId) =>
        symbols.tbs_worker_complete_workflow_activation(this.#handle, input.pointer, input.length, requestId, flags),
      expectNothing,
    );
  }

  /** Rejects (never throws) when the completion cannot be encoded, like any other failure. */
  completeActivityTask(completion: ActivityTaskCompletion | Uint8Array, options?: CompleteOptions): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes =
        completion instanceof Uint8Array
          ? completion
          : protos.coresdk.ActivityTaskCompletion.encode(completion).finish();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.completeActivityTaskBytes(bytes, options);
  }

  /** Sends an encoded `coresdk.ActivityTaskCompletion` as is. */
  completeActivityTaskBytes(completion: Uint8Array, options?: CompleteOptions): Promise<void> {
    const input = inputBytes(completion);
    const flags = completeFlags(options);
    return this.#asyncCall(
      'tbs_worker_complete_activity_task',
      (symbols, requestId) =>
        symbols.tbs_worker_complete_activity_task(this.#handle, input.pointer, input.length, requestId, flags),
      expectNothing,
    );
  }

  /** Records a heartbeat; sdk-core throttles it and sends it in the background. */
  recordActivityHeartbeat(heartbeat: ActivityHeartbeat | Uint8Array): void {
    const bytes =
      heartbeat instanceof Uint8Array ? heartbeat : protos.coresdk.ActivityHeartbeat.encode(heartbeat).finish();
    this.#assertLive('recordActivityHeartbeat');
    const input = inputBytes(bytes);
    checkStatus(
      nativeSymbols().tbs_worker_record_activity_heartbeat(this.#handle, input.pointer, input.length),
      'tbs_worker_record_activity_heartbeat',
    );
  }

  /** Asks core to evict a run from the cache; an eviction activation follows. */
  requestWorkflowEviction(runId: string): void {
    this.#assertLive('requestWorkflowEviction');
    const input = inputBytes(encodeUtf8(runId));
    checkStatus(
      nativeSymbols().tbs_worker_request_workflow_eviction(this.#handle, input.pointer, input.length),
      'tbs_worker_request_workflow_eviction',
    );
  }

  /** Stops polling; both task streams end with `SHUT_DOWN` once their work is done. Idempotent. */
  initiateShutdown(): void {
    this.#assertLive('initiateShutdown');
    checkStatus(nativeSymbols().tbs_worker_initiate_shutdown(this.#handle), 'tbs_worker_initiate_shutdown');
  }

  /**
   * Waits for core's shutdown and releases the engine. Rejects with `ILLEGAL_STATE` while polls or
   * completions are still outstanding. The worker must still be freed afterwards.
   */
  finalizeShutdown(): Promise<void> {
    return this.#asyncCall(
      'tbs_worker_finalize_shutdown',
      (symbols, requestId) => symbols.tbs_worker_finalize_shutdown(this.#handle, requestId),
      expectNothing,
    );
  }

  /** Releases the handle (finalizing in the background if needed). A second call throws `INVALID_HANDLE`. */
  free(): void {
    this.#assertLive('free');
    this.#freed = true;
    checkStatus(nativeSymbols().tbs_worker_free(this.#handle), 'tbs_worker_free');
  }

  protected assertLive(operation: string): void {
    this.#assertLive(operation);
  }

  #assertLive(operation: string): void {
    if (this.#freed) throw new NativeError('INVALID_HANDLE', `${operation}: the worker was freed`);
  }

  #stream(call: 'tbs_worker_stream_workflow_activations' | 'tbs_worker_stream_activity_tasks', sink: StreamSink): void {
    if (this.#freed) {
      sink.end(new NativeError('INVALID_HANDLE', `${call}: the worker was freed`));
      return;
    }
    const symbols = nativeSymbols();
    this.runtime.stream(call, (requestId) => symbols[call](this.#handle, requestId), sink);
  }

  #asyncCall<T>(
    call: string,
    start: (symbols: ReturnType<typeof nativeSymbols>, requestId: number) => number,
    decode: (value: undefined | Uint8Array | number) => T,
  ): Promise<T> {
    if (this.#freed) return Promise.reject(new NativeError('INVALID_HANDLE', `${call}: the worker was freed`));
    const symbols = nativeSymbols();
    return this.runtime.call(call, (requestId) => start(symbols, requestId), decode);
  }
}

/**
 * Tasks the bridge streams (one long-lived poll loop on its side), handed out one `next()` at a
 * time: in arrival order, buffered while nobody waits, decoded when taken. The stream starts at
 * the first `next()`; its end (an error) reaches one caller after the buffered tasks, and the
 * call after that starts a new stream.
 */
class TaskStream<T> {
  readonly #start: (sink: StreamSink) => void;
  readonly #decode: (bytes: Uint8Array) => T;
  readonly #buffered: Uint8Array[] = [];
  readonly #waiting: { resolve: (task: T) => void; reject: (error: Error) => void }[] = [];
  #end: Error | undefined;
  #open = false;

  constructor(start: (sink: StreamSink) => void, decode: (bytes: Uint8Array) => T) {
    this.#start = start;
    this.#decode = decode;
  }

  next(): Promise<T> {
    const bytes = this.#buffered.shift();
    if (bytes !== undefined) {
      try {
        return Promise.resolve(this.#decode(bytes));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const end = this.#end;
    if (end !== undefined) {
      this.#end = undefined;
      return Promise.reject(end);
    }
    const task = new Promise<T>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    if (!this.#open) {
      this.#open = true;
      this.#start({ item: (item) => this.#onItem(item), end: (error) => this.#onEnd(error) });
    }
    return task;
  }

  #onItem(bytes: Uint8Array): void {
    const waiter = this.#waiting.shift();
    if (waiter === undefined) {
      this.#buffered.push(bytes);
      return;
    }
    let task: T;
    try {
      task = this.#decode(bytes);
    } catch (error) {
      waiter.reject(error as Error);
      return;
    }
    waiter.resolve(task);
  }

  #onEnd(error: Error): void {
    this.#open = false;
    // Someone waits only when nothing is buffered, so the end comes after every task either way.
    const waiting = this.#waiting.splice(0);
    if (waiting.length === 0) this.#end = error;
    for (const waiter of waiting) waiter.reject(error);
  }
}

function completeFlags(options: CompleteOptions | undefined): number {
  return options?.deferAck ? COMPLETE_DEFER_ACK : 0;
}

/** A worker polling one task queue on a server. Take tasks from its streams, complete them, then shut it down. */
export class NativeWorker extends NativeWorkerBase {
  /**
   * Creates a worker (synchronously: no I/O). Invalid options throw `INVALID_ARGUMENT` naming the
   * option; call {@link validate} to check the namespace with the server.
   */
  static create(runtime: NativeRuntime, client: NativeClient, options: NativeWorkerOptions): NativeWorker {
    const json = inputBytes(encodeJson(options));
    const handle = nativeSymbols().tbs_worker_new(runtime.handle, client.handle, json.pointer, json.length) as number;
    if (handle === 0) throw takeLastError(0, 'tbs_worker_new');
    return new NativeWorker(runtime, handle);
  }
}

/**
 * A worker that replays histories instead of polling a server: push histories, drive the
 * activations like a normal worker, close when done. Non-determinism shows up as an eviction
 * (`removeFromCache` with reason `NONDETERMINISM`) in the next activation.
 */
export class NativeReplayer extends NativeWorkerBase {
  static create(runtime: NativeRuntime, options: NativeReplayerOptions): NativeReplayer {
    const json = inputBytes(encodeJson(options));
    const handle = nativeSymbols().tbs_replayer_new(runtime.handle, json.pointer, json.length) as number;
    if (handle === 0) throw takeLastError(0, 'tbs_replayer_new');
    return new NativeReplayer(runtime, handle);
  }

  /** Feeds one workflow's history; resolves once the replayer accepted it (it waits while its feed is full). */
  pushHistory(workflowId: string, history: temporal.api.history.v1.History.$Properties | Uint8Array): Promise<void> {
    if (this.freed) return Promise.reject(new NativeError('INVALID_HANDLE', 'pushHistory: the replayer was freed'));
    const symbols = nativeSymbols();
    const id = inputBytes(encodeUtf8(workflowId));
    const historyBytes = inputBytes(
      history instanceof Uint8Array ? history : protos.temporal.api.history.v1.History.encode(history).finish(),
    );
    return this.runtime.call(
      'tbs_replayer_push_history',
      (requestId) =>
        symbols.tbs_replayer_push_history(
          this.handle,
          id.pointer,
          id.length,
          historyBytes.pointer,
          historyBytes.length,
          requestId,
        ),
      expectNothing,
    );
  }

  /** No more histories: once the pushed ones have replayed, polls reject with `SHUT_DOWN`. */
  close(): void {
    this.assertLive('close');
    checkStatus(nativeSymbols().tbs_replayer_close(this.handle), 'tbs_replayer_close');
  }
}
