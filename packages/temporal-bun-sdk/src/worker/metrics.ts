/**
 * Worker metrics hooks: task counts and latencies, as typed events.
 *
 * Pass `metrics: { onEvent }` to `createWorker` to receive every event (forward them to Prometheus,
 * StatsD, OpenTelemetry…), or read `worker.getMetrics()` for running totals.
 *
 * @example
 * createWorker({ ..., metrics: { onEvent: (e) => { if (e.type === 'activityTask') histogram.observe(e.durationMs ?? 0) } } });
 */

export type TaskQueueKind = 'workflow' | 'activity';

/** One workflow activation ran in the sandbox and its completion was sent. */
export interface WorkflowActivationEvent {
  type: 'workflowActivation';
  workflowType: string;
  /** Number of jobs in the activation. */
  jobCount: number;
  /** Time from receiving the activation to sending its completion, codecs included. */
  durationMs: number;
  /** `failed` when the activation failed (a failed workflow *task*, not a failed workflow). */
  outcome: 'completed' | 'failed';
}

/** An activity task started, or finished with one of the outcomes. */
export interface ActivityTaskEvent {
  type: 'activityTask';
  phase: 'started' | 'completed' | 'failed' | 'cancelled';
  activityType: string;
  /** True for local activities. */
  local: boolean;
  /** Execution time, present on every phase but `started`. */
  durationMs?: number;
}

/** A poll returned a task: how long the poll waited for it. */
export interface PollWaitEvent {
  type: 'pollWait';
  taskKind: TaskQueueKind;
  durationMs: number;
}

export type WorkerMetricEvent = WorkflowActivationEvent | ActivityTaskEvent | PollWaitEvent;

export interface WorkerMetricsOptions {
  /** Called synchronously for every event. Exceptions it throws are logged and swallowed. */
  onEvent?: (event: WorkerMetricEvent) => void;
}

/** Count, total and maximum of a latency, in milliseconds. */
export interface LatencySummary {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** Running totals since the worker was created. */
export interface WorkerMetricsSnapshot {
  workflowActivations: { completed: number; failed: number };
  activityTasks: { started: number; completed: number; failed: number; cancelled: number };
  latency: {
    workflowActivationMs: LatencySummary;
    activityExecutionMs: LatencySummary;
    workflowPollWaitMs: LatencySummary;
    activityPollWaitMs: LatencySummary;
  };
}

const emptyLatency = (): LatencySummary => ({ count: 0, totalMs: 0, maxMs: 0 });

function observe(summary: LatencySummary, ms: number): void {
  summary.count++;
  summary.totalMs += ms;
  if (ms > summary.maxMs) summary.maxMs = ms;
}

/** Keeps the totals and fans events out to the user's hook. One per worker. */
export class MetricsEmitter {
  readonly #onEvent: ((event: WorkerMetricEvent) => void) | undefined;
  readonly #onHookError: (error: unknown) => void;
  readonly #totals: WorkerMetricsSnapshot = {
    workflowActivations: { completed: 0, failed: 0 },
    activityTasks: { started: 0, completed: 0, failed: 0, cancelled: 0 },
    latency: {
      workflowActivationMs: emptyLatency(),
      activityExecutionMs: emptyLatency(),
      workflowPollWaitMs: emptyLatency(),
      activityPollWaitMs: emptyLatency(),
    },
  };

  constructor(options: WorkerMetricsOptions = {}, onHookError: (error: unknown) => void = () => {}) {
    this.#onEvent = options.onEvent;
    this.#onHookError = onHookError;
  }

  emit(event: WorkerMetricEvent): void {
    const totals = this.#totals;
    switch (event.type) {
      case 'workflowActivation':
        totals.workflowActivations[event.outcome]++;
        observe(totals.latency.workflowActivationMs, event.durationMs);
        break;
      case 'activityTask':
        totals.activityTasks[event.phase]++;
        if (event.phase !== 'started' && event.durationMs !== undefined) {
          observe(totals.latency.activityExecutionMs, event.durationMs);
        }
        break;
      case 'pollWait':
        observe(
          event.taskKind === 'workflow' ? totals.latency.workflowPollWaitMs : totals.latency.activityPollWaitMs,
          event.durationMs,
        );
        break;
    }
    if (this.#onEvent) {
      try {
        this.#onEvent(event);
      } catch (error) {
        this.#onHookError(error);
      }
    }
  }

  snapshot(): WorkerMetricsSnapshot {
    return structuredClone(this.#totals);
  }
}
