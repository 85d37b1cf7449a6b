/**
 * Test harness for the activity task loop against a real dev server.
 *
 * Workflows are driven by hand, like tests/native.integration.test.ts: a raw workflow driver polls
 * activations on the same native worker the ActivityTaskLoop polls activities from (local
 * activities need that: core runs them on the workflow's worker) and answers with commands:
 * - `initializeWorkflow` → schedule one activity (or local activity) with seq 1;
 * - a `cancel-activity` signal → request its cancellation;
 * - `resolveActivity` → hand the resolution to the test and complete the workflow.
 *
 * Scripts are kept by workflow id in a {@link WorkflowScripts} that several workers may share, so a
 * second worker can pick up (and replay) a workflow the first one left.
 */
import {
  defaultFailureConverter,
  defaultPayloadConverter,
  type LoadedDataConverter,
  type LogLevel,
  type LogMetadata,
  type Logger,
  type MetricMeter,
  noopMetricMeter,
  type PayloadCodec,
} from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/internal-non-workflow';
import { coresdk, type temporal } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { createActivityRegistry, type ActivitiesInput } from '../../../src/activity';
import { ActivityTaskLoop, type ActivityTaskLoopOptions } from '../../../src/worker/activity-task-loop';
import {
  NativeClient,
  NativeRuntime,
  NativeWorker,
  isShutdownError,
  type NativeWorkerOptions,
} from '../../../src/native';
import { withMetadata } from '../../../src/common/logger';
import { MetricsEmitter, type WorkerMetricEvent } from '../../../src/worker/metrics';
import type { TaskLoopContext } from '../../../src/worker/task-loop-context';
import { startDevServer, type DevServer } from '../../helpers/dev-server';
import { nativeWorkerOptions } from '../../helpers/native-worker-options';

type Payload = temporal.api.common.v1.Payload.$Properties;
type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;
type WorkflowCommand = coresdk.workflow_commands.WorkflowCommand.$Properties;
export type ActivityResolution = coresdk.activity_result.ActivityResolution.$Properties;

export const CANCEL_SIGNAL = 'cancel-activity';
export const FINISH_SIGNAL = 'finish';
const WORKFLOW_TYPE = 'activityRunner';

export interface TestEnvironment {
  server: DevServer;
  runtime: NativeRuntime;
  client: NativeClient;
  stop(): Promise<void>;
}

export async function startEnvironment(): Promise<TestEnvironment> {
  const server = await startDevServer();
  const runtime = await NativeRuntime.create();
  const client = await NativeClient.connect(runtime, {
    address: server.address,
    identity: 'activity-loop-test',
  });
  return {
    server,
    runtime,
    client,
    async stop() {
      if (!client.freed) client.free();
      if (!runtime.freed) runtime.free();
      await server.stop();
    },
  };
}

export function durationMs(ms: number): { seconds: Long; nanos: number } {
  return { seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** What the workflow asks for. Durations in milliseconds. */
export interface ActivityCall {
  activityType: string;
  args?: unknown[];
  /** Sent as the activity's input instead of `args`, unencoded (to test bad input). */
  rawArguments?: Payload[];
  local?: boolean;
  startToCloseMs?: number;
  scheduleToCloseMs?: number;
  heartbeatTimeoutMs?: number;
  /** Default: one attempt. */
  retry?: { maximumAttempts: number; initialIntervalMs?: number };
  cancellationType?: 'TRY_CANCEL' | 'WAIT_CANCELLATION_COMPLETED';
  /**
   * When the workflow completes: as soon as the activity resolves (default), or on the `finish`
   * signal (so a cancelled activity's workflow stays open and the server keeps the activity).
   */
  completeOn?: 'resolution' | 'finishSignal';
  /** The workflow task timeout; core keeps a task open for a running local activity until 80% of it. Default 10 s. */
  workflowTaskTimeoutMs?: number;
}

interface WorkflowScript {
  call: ActivityCall;
  /** Activity arguments, encoded (codecs included) once, so replays schedule identical commands. */
  arguments: Payload[];
  resolve(resolution: ActivityResolution): void;
}

/** Scripts by workflow id, shared by the drivers of every worker on a task queue. */
export class WorkflowScripts {
  readonly byWorkflowId = new Map<string, WorkflowScript>();
  readonly byRunId = new Map<string, WorkflowScript>();
}

export interface StartedWorkflow {
  workflowId: string;
  runId: string;
  /** How the activity resolved in the workflow. */
  resolution: Promise<ActivityResolution>;
  /** Signals the workflow to request the activity's cancellation. */
  requestCancel(): Promise<void>;
  /** Signals the workflow to complete (with `completeOn: 'finishSignal'`). */
  finish(): Promise<void>;
}

export interface ActivityWorkerOptions {
  activities: ActivitiesInput;
  taskQueue?: string;
  /** Shared with other workers on the same task queue. Default: a new one. */
  scripts?: WorkflowScripts;
  payloadCodecs?: PayloadCodec[];
  loop?: Omit<ActivityTaskLoopOptions, 'activities'>;
  native?: Partial<NativeWorkerOptions>;
  /** Base of `Context.metricMeter`. Default: a no-op meter. */
  metricMeter?: MetricMeter;
}

export interface LogRecord {
  level: LogLevel;
  message: string;
  meta: LogMetadata;
}

/** A native worker with an ActivityTaskLoop and a raw workflow driver on one task queue. */
export class ActivityWorker {
  readonly taskQueue: string;
  readonly native: NativeWorker;
  readonly loop: ActivityTaskLoop;
  readonly events: WorkerMetricEvent[] = [];
  readonly logs: LogRecord[] = [];
  readonly scripts: WorkflowScripts;
  readonly dataConverter: LoadedDataConverter;
  readonly loopDone: Promise<void>;
  readonly #driverDone: Promise<void>;
  readonly #environment: TestEnvironment;
  #stopped: Promise<void> | undefined;

  constructor(environment: TestEnvironment, options: ActivityWorkerOptions) {
    this.#environment = environment;
    this.taskQueue = options.taskQueue ?? `activity-${randomUUID()}`;
    this.scripts = options.scripts ?? new WorkflowScripts();
    this.dataConverter = {
      payloadConverter: defaultPayloadConverter,
      failureConverter: defaultFailureConverter,
      payloadCodecs: options.payloadCodecs ?? [],
    };
    this.native = NativeWorker.create(
      environment.runtime,
      environment.client,
      nativeWorkerOptions({
        namespace: environment.server.namespace,
        taskQueue: this.taskQueue,
        // Heartbeats reach the server quickly, so server cancels reach activities quickly.
        maxHeartbeatThrottleIntervalMs: 100,
        defaultHeartbeatThrottleIntervalMs: 100,
        ...options.native,
      }),
    );
    const capture: Logger = {
      log: (level, message, meta) => {
        this.logs.push({ level, message, meta: meta ?? {} });
        if (process.env.ACTIVITY_TEST_LOGS) console.log(`[${level}] ${message}`, meta ?? '');
      },
      trace: (message, meta) => capture.log('TRACE', message, meta),
      debug: (message, meta) => capture.log('DEBUG', message, meta),
      info: (message, meta) => capture.log('INFO', message, meta),
      warn: (message, meta) => capture.log('WARN', message, meta),
      error: (message, meta) => capture.log('ERROR', message, meta),
    };
    const metrics = new MetricsEmitter({ onEvent: (event) => this.events.push(event) });
    const context: TaskLoopContext = {
      native: this.native,
      namespace: environment.server.namespace,
      taskQueue: this.taskQueue,
      dataConverter: this.dataConverter,
      logger: withMetadata(capture, { sdkComponent: 'worker', taskQueue: this.taskQueue }),
      metrics,
      metricMeter: options.metricMeter ?? noopMetricMeter,
    };
    this.loop = new ActivityTaskLoop(context, {
      activities: createActivityRegistry(options.activities),
      ...options.loop,
    });
    this.loopDone = this.loop.run();
    this.loopDone.catch(() => {}); // observed by stop()
    this.#driverDone = this.#driveWorkflows();
  }

  /** Starts a workflow that runs `call` once and completes when the activity resolves. */
  async start(call: ActivityCall): Promise<StartedWorkflow> {
    const { client, server } = this.#environment;
    const workflowId = `wf-${call.activityType}-${randomUUID()}`;
    let resolve!: (resolution: ActivityResolution) => void;
    const resolution = new Promise<ActivityResolution>((done) => {
      resolve = done;
    });
    const payloads = (call.args ?? []).map((arg) => defaultPayloadConverter.toPayload(arg));
    this.scripts.byWorkflowId.set(workflowId, {
      call,
      arguments: call.rawArguments ?? (await encode(this.dataConverter.payloadCodecs, payloads)),
      resolve,
    });
    const { runId } = await client.workflowService('StartWorkflowExecution', {
      namespace: server.namespace,
      workflowId,
      workflowType: { name: WORKFLOW_TYPE },
      taskQueue: { name: this.taskQueue },
      workflowTaskTimeout: durationMs(call.workflowTaskTimeoutMs ?? 10_000),
      requestId: randomUUID(),
      identity: 'activity-loop-test',
    });
    const signal = async (signalName: string) => {
      await client.workflowService('SignalWorkflowExecution', {
        namespace: server.namespace,
        workflowExecution: { workflowId, runId },
        signalName,
        requestId: randomUUID(),
        identity: 'activity-loop-test',
      });
    };
    return {
      workflowId,
      runId,
      resolution,
      requestCancel: () => signal(CANCEL_SIGNAL),
      finish: () => signal(FINISH_SIGNAL),
    };
  }

  /** Decodes a completed resolution's result (codecs, then the payload converter). */
  async resultOf(resolution: ActivityResolution): Promise<unknown> {
    const payload = resolution.completed?.result;
    if (!payload) throw new Error(`the activity did not complete: ${JSON.stringify(resolution)}`);
    const [decoded] = await decode(this.dataConverter.payloadCodecs, [payload]);
    return defaultPayloadConverter.fromPayload(decoded!);
  }

  /** The failure of a failed (or cancelled) resolution as an Error (`ActivityFailure` with its cause). */
  failureOf(resolution: ActivityResolution): Error {
    const failure = resolution.failed?.failure ?? resolution.cancelled?.failure;
    if (!failure) throw new Error(`the activity did not fail: ${JSON.stringify(resolution)}`);
    return defaultFailureConverter.failureToError(failure, defaultPayloadConverter);
  }

  /** Shuts the worker down the way the worker runtime does: initiate, drain both loops, finalize, free. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.native.initiateShutdown();
      await Promise.all([this.loopDone, this.#driverDone]);
      await this.native.finalizeShutdown();
      this.native.free();
    })();
    return this.#stopped;
  }

  async #driveWorkflows(): Promise<void> {
    for (;;) {
      let activation: WorkflowActivation;
      try {
        activation = await this.native.nextWorkflowActivation();
      } catch (error) {
        if (isShutdownError(error)) return;
        throw error;
      }
      const commands: WorkflowCommand[] = [];
      for (const job of activation.jobs) {
        if (job.initializeWorkflow) {
          const script = this.scripts.byWorkflowId.get(job.initializeWorkflow.workflowId ?? '');
          if (!script) throw new Error(`no script for workflow ${job.initializeWorkflow.workflowId}`);
          this.scripts.byRunId.set(activation.runId, script);
          commands.push(scheduleCommand(script, this.taskQueue));
          continue;
        }
        const script = this.scripts.byRunId.get(activation.runId);
        if (job.signalWorkflow?.signalName === CANCEL_SIGNAL && script) {
          commands.push(
            script.call.local ? { requestCancelLocalActivity: { seq: 1 } } : { requestCancelActivity: { seq: 1 } },
          );
        } else if (job.signalWorkflow?.signalName === FINISH_SIGNAL) {
          commands.push({ completeWorkflowExecution: {} });
        } else if (job.resolveActivity && script) {
          if (!activation.isReplaying) script.resolve(job.resolveActivity.result ?? {});
          if (script.call.completeOn !== 'finishSignal') commands.push({ completeWorkflowExecution: {} });
        }
      }
      await this.native.completeWorkflowActivation({ runId: activation.runId, successful: { commands } });
    }
  }
}

function scheduleCommand(script: WorkflowScript, taskQueue: string): WorkflowCommand {
  const { call } = script;
  const retryPolicy = {
    maximumAttempts: call.retry?.maximumAttempts ?? 1,
    initialInterval: durationMs(call.retry?.initialIntervalMs ?? 200),
    backoffCoefficient: 1,
    maximumInterval: durationMs(1_000),
  };
  const cancellationType =
    call.cancellationType === 'WAIT_CANCELLATION_COMPLETED'
      ? coresdk.workflow_commands.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
      : coresdk.workflow_commands.ActivityCancellationType.TRY_CANCEL;
  const common = {
    seq: 1,
    activityId: 'activity-1',
    activityType: call.activityType,
    arguments: script.arguments,
    startToCloseTimeout: durationMs(call.startToCloseMs ?? 10_000),
    scheduleToCloseTimeout: call.scheduleToCloseMs ? durationMs(call.scheduleToCloseMs) : undefined,
    retryPolicy,
    cancellationType,
  };
  if (call.local) return { scheduleLocalActivity: { ...common, attempt: 1 } };
  return {
    scheduleActivity: {
      ...common,
      taskQueue,
      heartbeatTimeout: call.heartbeatTimeoutMs ? durationMs(call.heartbeatTimeoutMs) : undefined,
    },
  };
}

/** Resolves once `predicate` holds, polling every 20 ms; fails after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

/** A promise with its resolve function, for activities that report to the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
