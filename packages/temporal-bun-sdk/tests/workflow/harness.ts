/**
 * Test harness for the workflow runtime: a dev server, a native client for the RPCs a test drives
 * workflows with, and workers made of a NativeWorker + WorkflowIsolateManager + WorkflowTaskLoop
 * (no activity polling). Payloads are encoded with `@temporalio/common`'s default converter.
 *
 * The workers run workflows as `createWorker` does by default: in one context shared between runs
 * (`reuseV8Context`). `TEMPORAL_TEST_REUSE_V8_CONTEXT=0` gives each run a context of its own, so the
 * same suites cover both modes (`make test` runs them both ways):
 *
 *   TEMPORAL_TEST_REUSE_V8_CONTEXT=0 bun test tests/workflow
 */
import {
  defaultPayloadConverter,
  type DataConverter,
  noopMetricMeter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { randomUUID } from 'node:crypto';
import { NativeClient, NativeRuntime, NativeWorker, type NativeWorkerOptions } from '../../src/native';
import type { Logger } from '../../src/common/logger';
import { MetricsEmitter, type WorkerMetricEvent } from '../../src/worker/metrics';
import { WORKER_DEFAULTS } from '../../src/worker/options';
import type { TaskLoopContext } from '../../src/worker/task-loop-context';
import { WorkflowTaskLoop } from '../../src/worker/workflow-task-loop';
import { bundleWorkflowCode, type WorkflowBundle } from '../../src/workflow/bundler';
import { WorkflowIsolateManager } from '../../src/workflow/isolate-manager';
import type { InjectedSinks } from '../../src/workflow/sinks';
import { startDevServer, type DevServer } from '../helpers/dev-server';
import { nativeWorkerOptions } from '../helpers/native-worker-options';
import { RecordingLogger } from '../helpers/recording-logger';

export { RecordingLogger, type RecordedLog } from '../helpers/recording-logger';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.History;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Whether test workers share one context between runs (see the file comment). */
export const reuseV8Context =
  process.env.TEMPORAL_TEST_REUSE_V8_CONTEXT === undefined
    ? WORKER_DEFAULTS.reuseV8Context
    : process.env.TEMPORAL_TEST_REUSE_V8_CONTEXT === '1';

export interface TestWorkerOptions {
  taskQueue?: string;
  bundle: WorkflowBundle;
  sinks?: InjectedSinks;
  native?: Partial<NativeWorkerOptions>;
  /** Payload codecs and converters of the worker. Default: none (the default converter). */
  dataConverter?: DataConverter;
}

export interface TestWorker {
  taskQueue: string;
  bundle: WorkflowBundle;
  native: NativeWorker;
  manager: WorkflowIsolateManager;
  logger: RecordingLogger;
  metricEvents: WorkerMetricEvent[];
  /** The loop's `run()`. */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

export type WorkflowOutcome =
  | { status: 'completed'; result: unknown; runId: string }
  | { status: 'failed'; failure: temporal.api.failure.v1.IFailure; runId: string }
  | { status: 'cancelled'; runId: string }
  | { status: 'terminated' | 'timedOut'; runId: string };

export interface StartedWorkflow {
  workflowId: string;
  runId: string;
}

export class WorkflowTestHarness {
  readonly #workers = new Set<TestWorker>();

  private constructor(
    readonly server: DevServer,
    readonly runtime: NativeRuntime,
    readonly client: NativeClient,
  ) {}

  static async start(): Promise<WorkflowTestHarness> {
    const server = await startDevServer();
    const runtime = await NativeRuntime.create();
    const client = await NativeClient.connect(runtime, {
      address: server.address,
      identity: 'workflow-tests',
    });
    return new WorkflowTestHarness(server, runtime, client);
  }

  get namespace(): string {
    return this.server.namespace;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#workers].map((worker) => worker.shutdown()));
    if (!this.client.freed) this.client.free();
    if (!this.runtime.freed) this.runtime.free();
    await this.server.stop();
  }

  async startWorker(options: TestWorkerOptions): Promise<TestWorker> {
    const taskQueue = options.taskQueue ?? `workflow-tests-${randomUUID()}`;
    const logger = new RecordingLogger();
    const metricEvents: WorkerMetricEvent[] = [];
    const native = NativeWorker.create(
      this.runtime,
      this.client,
      nativeWorkerOptions({
        namespace: this.namespace,
        taskQueue,
        enableNonLocalActivities: false,
        maxCachedWorkflows: 50,
        maxConcurrentWorkflowTaskExecutions: 10,
        workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 2 },
        ...options.native,
      }),
    );
    const context: TaskLoopContext = {
      native,
      namespace: this.namespace,
      taskQueue,
      dataConverter: loadDataConverter(options.dataConverter),
      logger,
      metrics: new MetricsEmitter({ onEvent: (event) => metricEvents.push(event) }),
      metricMeter: noopMetricMeter,
    };
    const manager = await WorkflowIsolateManager.create({ bundle: options.bundle, logger, reuseV8Context });
    const loop = new WorkflowTaskLoop(context, manager, { sinks: options.sinks });
    const running = loop.run();
    let stopped: Promise<void> | undefined;
    const worker: TestWorker = {
      taskQueue,
      bundle: options.bundle,
      native,
      manager,
      logger,
      metricEvents,
      running,
      shutdown: () =>
        (stopped ??= (async () => {
          native.initiateShutdown();
          await running;
          await native.finalizeShutdown();
          native.free();
          this.#workers.delete(worker);
        })()),
    };
    this.#workers.add(worker);
    return worker;
  }

  async startWorkflow(
    taskQueue: string,
    workflowType: string,
    args: unknown[] = [],
    options: { workflowId?: string; codec?: PayloadCodec; memo?: Record<string, unknown> } = {},
  ): Promise<StartedWorkflow> {
    const workflowId = options.workflowId ?? `${workflowType}-${randomUUID()}`;
    const input = options.codec ? await options.codec.encode(payloads(args) as Payload[]) : payloads(args);
    const memo =
      options.memo === undefined
        ? undefined
        : {
            fields: Object.fromEntries(
              Object.entries(options.memo).map(([key, value]) => [key, payloads([value])[0] as Payload]),
            ),
          };
    const response = await this.client.workflowService('StartWorkflowExecution', {
      namespace: this.namespace,
      workflowId,
      workflowType: { name: workflowType },
      taskQueue: { name: taskQueue },
      input: { payloads: input as temporal.api.common.v1.IPayload[] },
      memo,
      workflowTaskTimeout: { seconds: Long.fromNumber(10) },
      requestId: randomUUID(),
      identity: 'workflow-tests',
    });
    return { workflowId, runId: response.runId };
  }

  async signal(workflowId: string, signalName: string, args: unknown[] = []): Promise<void> {
    await this.client.workflowService('SignalWorkflowExecution', {
      namespace: this.namespace,
      workflowExecution: { workflowId },
      signalName,
      input: { payloads: payloads(args) },
      identity: 'workflow-tests',
      requestId: randomUUID(),
    });
  }

  /** Runs a query; resolves with its decoded answer, rejects when the query failed. */
  async query(workflowId: string, queryType: string, args: unknown[] = []): Promise<unknown> {
    const response = await this.client.workflowService(
      'QueryWorkflow',
      {
        namespace: this.namespace,
        execution: { workflowId },
        query: { queryType, queryArgs: { payloads: payloads(args) } },
      },
      { timeoutMs: 15_000 },
    );
    if (response.queryRejected) throw new Error(`query rejected: status ${response.queryRejected.status}`);
    const payload = response.queryResult?.payloads?.[0];
    return payload ? defaultPayloadConverter.fromPayload(payload as Payload) : undefined;
  }

  /** Sends an update and waits for its outcome. */
  async update(
    workflowId: string,
    name: string,
    args: unknown[] = [],
  ): Promise<{ accepted: true; result: unknown } | { accepted: false; failure: temporal.api.failure.v1.IFailure }> {
    const response = await this.client.workflowService(
      'UpdateWorkflowExecution',
      {
        namespace: this.namespace,
        workflowExecution: { workflowId },
        request: {
          meta: { updateId: randomUUID(), identity: 'workflow-tests' },
          input: { name, args: { payloads: payloads(args) } },
        },
        waitPolicy: {
          lifecycleStage:
            temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
              .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
        },
      },
      { timeoutMs: 15_000 },
    );
    const outcome = response.outcome;
    if (outcome?.failure) return { accepted: false, failure: outcome.failure };
    const payload = outcome?.success?.payloads?.[0];
    return { accepted: true, result: payload ? defaultPayloadConverter.fromPayload(payload as Payload) : undefined };
  }

  async requestCancel(workflowId: string): Promise<void> {
    await this.client.workflowService('RequestCancelWorkflowExecution', {
      namespace: this.namespace,
      workflowExecution: { workflowId },
      identity: 'workflow-tests',
      requestId: randomUUID(),
    });
  }

  async terminate(workflowId: string): Promise<void> {
    await this.client.workflowService('TerminateWorkflowExecution', {
      namespace: this.namespace,
      workflowExecution: { workflowId },
      reason: 'test cleanup',
      identity: 'workflow-tests',
    });
  }

  async describe(workflowId: string, runId?: string) {
    return this.client.workflowService('DescribeWorkflowExecution', {
      namespace: this.namespace,
      execution: { workflowId, runId },
    });
  }

  async history(workflowId: string, runId?: string): Promise<History> {
    const events: HistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const response = await this.client.workflowService('GetWorkflowExecutionHistory', {
        namespace: this.namespace,
        execution: { workflowId, runId },
        maximumPageSize: 1000,
        nextPageToken,
      });
      events.push(...(response.history?.events ?? []));
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
    } while (nextPageToken);
    return temporal.api.history.v1.History.create({ events: events as temporal.api.history.v1.HistoryEvent[] });
  }

  /**
   * Waits for the workflow to close and returns how. With `followRuns` (default), a run that
   * continued as new is followed to the last run.
   */
  async outcome(
    workflowId: string,
    options: { runId?: string; timeoutMs?: number; followRuns?: boolean; codec?: PayloadCodec } = {},
  ): Promise<WorkflowOutcome> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    let runId = options.runId;
    for (;;) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`workflow ${workflowId} did not close in time`);
      const response = await this.client
        .workflowService(
          'GetWorkflowExecutionHistory',
          {
            namespace: this.namespace,
            execution: { workflowId, runId },
            waitNewEvent: true,
            historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
          },
          { timeoutMs: Math.min(remainingMs, 10_000) },
        )
        .catch((error: unknown) => {
          // A long poll that hits its own deadline: poll again.
          if (
            String((error as Error).message)
              .toLowerCase()
              .includes('deadline')
          )
            return undefined;
          throw error;
        });
      const event = response?.history?.events?.[0];
      if (!event) continue;
      const closedRunId = runId ?? (await this.describe(workflowId)).workflowExecutionInfo?.execution?.runId ?? '';
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
          let payload = event.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0] as Payload | undefined;
          if (payload && options.codec) payload = (await options.codec.decode([payload]))[0];
          return {
            status: 'completed',
            result: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
            runId: closedRunId,
          };
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
          return {
            status: 'failed',
            failure: event.workflowExecutionFailedEventAttributes?.failure ?? {},
            runId: closedRunId,
          };
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
          return { status: 'cancelled', runId: closedRunId };
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
          return { status: 'terminated', runId: closedRunId };
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
          return { status: 'timedOut', runId: closedRunId };
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
          if (options.followRuns === false) throw new Error(`workflow ${workflowId} continued as new`);
          runId = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
          continue;
        default:
          throw new Error(`unexpected close event ${event.eventType}`);
      }
    }
  }

  /** Waits until the workflow's history has an event of `eventType` (e.g. the first task completed). */
  async waitForEvent(
    workflowId: string,
    eventType: temporal.api.enums.v1.EventType,
    timeoutMs = 10_000,
  ): Promise<HistoryEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const history = await this.history(workflowId);
      const event = history.events.find((candidate) => candidate.eventType === eventType);
      if (event) return event;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${temporal.api.enums.v1.EventType[eventType]} event in ${workflowId} within ${timeoutMs} ms`,
        );
      }
      await Bun.sleep(50);
    }
  }
}

export function payloads(values: unknown[]): temporal.api.common.v1.IPayload[] {
  return values.map((value) => defaultPayloadConverter.toPayload(value) as temporal.api.common.v1.IPayload);
}

export function decodePayload(payload: temporal.api.common.v1.IPayload | null | undefined): unknown {
  return payload ? defaultPayloadConverter.fromPayload(payload as Payload) : undefined;
}

export async function bundleFixture(path: string, logger?: Logger): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: path, logger });
}
