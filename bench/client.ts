/**
 * The benchmark's client process, the same for both workers: temporal-bun-sdk's client (Rust gRPC
 * stack over bun:ffi). Started by bench/run.ts with one JSON argument ({@link ClientSpec}); runs
 * the phases in order against a worker that is already polling, and prints one JSON line
 * ({@link ClientReport}) on stdout.
 *
 * Measured windows (phases `A` and `B`) run from just before the first start to just after the last
 * result. The worker's CPU time is read from `/proc/<workerPid>/stat` at both ends of the window
 * (here, in this process, so no inter-process delay is added to the window).
 */
import { Client, Connection, type WorkflowHandle } from 'temporal-bun-sdk/client';
import { memoryStatus, processCpuMs, threadDelta, threadSamples } from './harness/proc-stats';
import { heavyWorkflow, oneActivityWorkflow, proceedSignal, progressQuery } from './workload/workflows';

export type ClientPhase =
  /** `count` workflows, all at once (or one after the other with `sequential`); not measured. */
  | { kind: 'warmup'; workflow: 'oneActivity' | 'heavy'; count: number; sequential?: boolean }
  /** `count` one-activity workflows one after the other, each timed from start to result. */
  | { kind: 'latency'; count: number }
  /** Scenario A: `count` one-activity workflows started at once, all results awaited. */
  | { kind: 'A'; count: number }
  /** Scenario B: `count` heavy workflows at once; each is queried, then signalled, then awaited. */
  | { kind: 'B'; count: number };

export interface ClientSpec {
  address: string;
  namespace: string;
  taskQueue: string;
  workerPid: number;
  /** Workflow ids start with this (unique per run). */
  idPrefix: string;
  phases: ClientPhase[];
}

export interface WindowReport {
  phase: 'A' | 'B';
  workflows: number;
  wallMs: number;
  /** Worker process CPU (user + system, all threads) over the window. */
  workerCpuMs: number;
  /** The same window's worker CPU by thread name (live threads only). */
  workerCpuByThread: Record<string, number>;
  /** The same window's context switches (voluntary + involuntary) by thread name (live threads only). */
  workerSwitchesByThread?: Record<string, number>;
  /** This client process's own CPU over the window. */
  clientCpuMs: number;
  /** Scenario B: queries that had to be retried because the workflow had not run its first task yet. */
  queryRetries?: number;
}

/** Where one workflow's time went, from its history's event timestamps (server clock, ms resolution). */
export interface ServerTimeline {
  /** Workflow and activity tasks between their STARTED and COMPLETED events: time with the worker. */
  withWorkerMs: number;
  /** Workflow and activity tasks between their SCHEDULED and STARTED events: waiting for dispatch. */
  dispatchMs: number;
  /** First event to last event. */
  totalMs: number;
}

export interface ClientReport {
  latencyMs?: number[];
  /** The latency samples' timelines, in the same order. */
  latencyTimelines?: ServerTimeline[];
  windows: WindowReport[];
  /** Worker memory right after the last phase. */
  workerMemory: ReturnType<typeof memoryStatus>;
}

const spec = JSON.parse(process.argv[2] ?? '') as ClientSpec;
const connection = await Connection.connect({ address: spec.address, namespace: spec.namespace, envConfig: false });
const client = new Client({ connection, namespace: spec.namespace });
let sequence = 0;
const nextId = (label: string) => `${spec.idPrefix}-${label}-${sequence++}`;

async function runOneActivity(label: string): Promise<string> {
  const id = nextId(label);
  const result = await client.workflow.execute(oneActivityWorkflow, {
    taskQueue: spec.taskQueue,
    workflowId: id,
    args: [id],
  });
  if (result !== id) throw new Error(`workflow ${id} returned ${JSON.stringify(result)}`);
  return id;
}

// temporal.api.enums.v1.EventType values.
const WORKFLOW_TASK_SCHEDULED = 5;
const WORKFLOW_TASK_STARTED = 6;
const WORKFLOW_TASK_COMPLETED = 7;
const ACTIVITY_TASK_SCHEDULED = 10;
const ACTIVITY_TASK_STARTED = 11;
const ACTIVITY_TASK_COMPLETED = 12;

async function serverTimeline(workflowId: string): Promise<ServerTimeline> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number => {
    const seconds = time?.seconds;
    const wholeSeconds =
      typeof seconds === 'object' && seconds !== null && 'toNumber' in seconds
        ? (seconds as { toNumber(): number }).toNumber()
        : Number(seconds ?? 0);
    return wholeSeconds * 1000 + (time?.nanos ?? 0) / 1e6;
  };
  let withWorkerMs = 0;
  let dispatchMs = 0;
  let workflowTaskScheduledAt = 0;
  let workflowTaskStartedAt = 0;
  const activityScheduledAt = new Map<string, number>();
  const activityStartedAt = new Map<string, number>();
  for (const event of events) {
    const at = millis(event.eventTime);
    const id = String(event.eventId);
    switch (event.eventType) {
      case WORKFLOW_TASK_SCHEDULED:
        workflowTaskScheduledAt = at;
        break;
      case WORKFLOW_TASK_STARTED:
        dispatchMs += at - workflowTaskScheduledAt;
        workflowTaskStartedAt = at;
        break;
      case WORKFLOW_TASK_COMPLETED:
        withWorkerMs += at - workflowTaskStartedAt;
        break;
      case ACTIVITY_TASK_SCHEDULED:
        activityScheduledAt.set(id, at);
        break;
      case ACTIVITY_TASK_STARTED: {
        const scheduledId = String(event.activityTaskStartedEventAttributes?.scheduledEventId);
        dispatchMs += at - (activityScheduledAt.get(scheduledId) ?? at);
        activityStartedAt.set(scheduledId, at);
        break;
      }
      case ACTIVITY_TASK_COMPLETED: {
        const scheduledId = String(event.activityTaskCompletedEventAttributes?.scheduledEventId);
        withWorkerMs += at - (activityStartedAt.get(scheduledId) ?? at);
        break;
      }
    }
  }
  const totalMs = events.length ? millis(events.at(-1)?.eventTime) - millis(events[0]?.eventTime) : 0;
  return { withWorkerMs, dispatchMs, totalMs };
}

/** Start, query (until the workflow answers), signal, await the result. Returns the query retries. */
async function runHeavy(label: string): Promise<number> {
  const id = nextId(label);
  const handle: WorkflowHandle<typeof heavyWorkflow> = await client.workflow.start(heavyWorkflow, {
    taskQueue: spec.taskQueue,
    workflowId: id,
    args: [id],
  });
  let retries = 0;
  for (;;) {
    try {
      const progress = await handle.query(progressQuery);
      if (typeof progress !== 'number') throw new Error(`query answered ${JSON.stringify(progress)}`);
      break;
    } catch (error) {
      // A query sent before the workflow's first task completed is refused by the server.
      if (retries >= 200 || !/not ready|first workflow task|workflow task|FAILED_PRECONDITION/i.test(String(error)))
        throw error;
      retries++;
      await Bun.sleep(10);
    }
  }
  await handle.signal(proceedSignal);
  const result = await handle.result();
  if (result !== `${id}:9`) throw new Error(`workflow ${id} returned ${JSON.stringify(result)}`);
  return retries;
}

/** `runOne` resolves with the query retries in B (anything else is ignored). */
async function measured(
  phase: 'A' | 'B',
  count: number,
  runOne: (index: number) => Promise<unknown>,
): Promise<WindowReport> {
  const threadsBefore = threadSamples(spec.workerPid);
  const clientBefore = process.cpuUsage();
  const workerBefore = processCpuMs(spec.workerPid);
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: count }, (_, index) => runOne(index)));
  const wallMs = performance.now() - started;
  const workerCpuMs = processCpuMs(spec.workerPid) - workerBefore;
  const threadsAfter = threadSamples(spec.workerPid);
  const client = process.cpuUsage(clientBefore);
  const report: WindowReport = {
    phase,
    workflows: count,
    wallMs,
    workerCpuMs,
    workerCpuByThread: threadDelta(threadsBefore, threadsAfter),
    workerSwitchesByThread: threadDelta(threadsBefore, threadsAfter, 'switches'),
    clientCpuMs: (client.user + client.system) / 1000,
  };
  if (phase === 'B')
    report.queryRetries = outcomes.reduce<number>(
      (sum, retries) => sum + (typeof retries === 'number' ? retries : 0),
      0,
    );
  return report;
}

const report: ClientReport = { windows: [], workerMemory: memoryStatus(spec.workerPid) };
try {
  for (const phase of spec.phases) {
    switch (phase.kind) {
      case 'warmup': {
        const runOne = (): Promise<unknown> =>
          phase.workflow === 'heavy' ? runHeavy('warmup') : runOneActivity('warmup');
        if (phase.sequential) for (let i = 0; i < phase.count; i++) await runOne();
        else await Promise.all(Array.from({ length: phase.count }, runOne));
        break;
      }
      case 'latency': {
        const latencyMs: number[] = [];
        const workflowIds: string[] = [];
        for (let i = 0; i < phase.count; i++) {
          const started = performance.now();
          workflowIds.push(await runOneActivity('latency'));
          latencyMs.push(performance.now() - started);
        }
        report.latencyMs = latencyMs;
        // Read afterwards, so that the samples stay back to back.
        report.latencyTimelines = [];
        for (const workflowId of workflowIds) report.latencyTimelines.push(await serverTimeline(workflowId));
        break;
      }
      case 'A':
        report.windows.push(await measured('A', phase.count, () => runOneActivity('a')));
        break;
      case 'B':
        report.windows.push(await measured('B', phase.count, () => runHeavy('b')));
        break;
    }
  }
  report.workerMemory = memoryStatus(spec.workerPid);
} finally {
  await connection.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
