/**
 * The benchmark's client process, the same for both workers: temporal-bun-sdk's client (Rust gRPC
 * stack over bun:ffi). Started by bench/run.ts with one JSON argument ({@link ClientSpec}); runs
 * the phases in order against a worker that is already polling, and prints one JSON line
 * ({@link ClientReport}) on stdout.
 *
 * Measured windows (phases `A` and `B`) run from just before the first start to just after the last
 * result. The worker's CPU time is read from `/proc/<workerPid>/stat` at both ends of the window
 * (here, in this process, so no inter-process delay is added to the window). Phase `D` parks
 * workflows in the worker's cache and reads the worker's RSS (`/proc/<workerPid>/smaps_rollup`)
 * before and after; it terminates them at the end.
 */
import { limit } from '@temporalio/common/lib/concurrency/limit';
import { Client, Connection, type WorkflowHandle } from 'temporal-bun-sdk/client';
import { memoryStatus, processCpuMs, residentKiB, threadDelta, threadSamples } from './harness/proc-stats';
import { heavyWorkflow, oneActivityWorkflow, parkedWorkflow, proceedSignal, progressQuery } from './workload/workflows';

export type ClientPhase =
  /** `count` workflows, all at once (or one after the other with `sequential`); not measured. */
  | { kind: 'warmup'; workflow: 'oneActivity' | 'heavy'; count: number; sequential?: boolean }
  /** `count` one-activity workflows one after the other, each timed from start to result. */
  | { kind: 'latency'; count: number }
  /** Scenario A: `count` one-activity workflows started at once, all results awaited. */
  | { kind: 'A'; count: number }
  /** Scenario B: `count` heavy workflows at once; each is queried, then signalled, then awaited. */
  | { kind: 'B'; count: number }
  /**
   * Scenario D: `count` workflows parked on a long timer, each started and queried until it
   * answers (bounded concurrency); the worker's RSS before and after; then all terminated.
   */
  | { kind: 'D'; count: number };

export interface ClientSpec {
  address: string;
  namespace: string;
  taskQueue: string;
  workerPid: number;
  /** Workflow ids start with this (unique per run). */
  idPrefix: string;
  phases: ClientPhase[];
}

/** Scenario D's memory samples of the worker (`Rss` of `/proc/<pid>/smaps_rollup`, KiB). */
export interface ParkedMemory {
  /** After the warm-up and a settling pause, before the first parked workflow is started. */
  rssBeforeKiB: number;
  /** Once every parked workflow has answered its query, after the same settling pause. */
  rssAfterKiB: number;
  /** The settling pause before each sample, ms. */
  settleMs: number;
  /** How many of them the client terminated after the samples (all, unless the server refused). */
  terminated?: number;
}

export interface WindowReport {
  phase: 'A' | 'B' | 'D';
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
  /** Scenarios B and D: queries that had to be retried because the workflow had not run its first task yet. */
  queryRetries?: number;
  /** Scenario D: the worker's RSS without and with the parked workflows in its cache. */
  parked?: ParkedMemory;
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

/**
 * Queries `progress` until the workflow answers (a query sent before its first workflow task has
 * completed is refused by the server); returns the answer and the retries.
 */
async function queryProgress(
  handle: WorkflowHandle<typeof heavyWorkflow> | WorkflowHandle<typeof parkedWorkflow>,
  maxRetries: number,
): Promise<{ progress: number; retries: number }> {
  let retries = 0;
  for (;;) {
    try {
      const progress = await handle.query(progressQuery);
      if (typeof progress !== 'number') throw new Error(`query answered ${JSON.stringify(progress)}`);
      return { progress, retries };
    } catch (error) {
      if (
        retries >= maxRetries ||
        !/not ready|first workflow task|workflow task|FAILED_PRECONDITION/i.test(String(error))
      )
        throw error;
      retries++;
      await Bun.sleep(10);
    }
  }
}

/** Start, query (until the workflow answers), signal, await the result. Returns the query retries. */
async function runHeavy(label: string): Promise<number> {
  const id = nextId(label);
  const handle: WorkflowHandle<typeof heavyWorkflow> = await client.workflow.start(heavyWorkflow, {
    taskQueue: spec.taskQueue,
    workflowId: id,
    args: [id],
  });
  const { retries } = await queryProgress(handle, 200);
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

/** Scenario D: parked workflows started and queried at once, at most this many at a time. */
const PARK_CONCURRENCY = 50;
/** Scenario D: the pause before each RSS sample, for the worker's trailing work (acknowledgements, GC). */
const PARK_SETTLE_MS = 1_000;
/** Scenario D's workflows, terminated when the client ends (they would sit on the dev server for an hour). */
const parkedIds: string[] = [];

/** Runs `task(0)` … `task(count - 1)`, at most `concurrency` at a time. */
function bounded<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const permit = limit(concurrency);
  return Promise.all(Array.from({ length: count }, (_, index) => permit(() => task(index))));
}

/** Scenario D: the worker's RSS, then `count` workflows parked in its cache, then its RSS again. */
async function parked(count: number): Promise<WindowReport> {
  await Bun.sleep(PARK_SETTLE_MS);
  const rssBeforeKiB = residentKiB(spec.workerPid);
  const threadsBefore = threadSamples(spec.workerPid);
  const clientBefore = process.cpuUsage();
  const workerBefore = processCpuMs(spec.workerPid);
  const started = performance.now();
  const retries = await bounded(count, PARK_CONCURRENCY, async () => {
    const id = nextId('d');
    const handle = await client.workflow.start(parkedWorkflow, {
      taskQueue: spec.taskQueue,
      workflowId: id,
      args: [id],
    });
    parkedIds.push(id);
    // Answered by the worker: the first task has run and the workflow is in the sticky cache.
    const answer = await queryProgress(handle, 1000);
    if (answer.progress !== 0) throw new Error(`parked workflow ${id} answered ${answer.progress}`);
    return answer.retries;
  });
  const wallMs = performance.now() - started;
  const workerCpuMs = processCpuMs(spec.workerPid) - workerBefore;
  const threadsAfter = threadSamples(spec.workerPid);
  const clientCpu = process.cpuUsage(clientBefore);
  await Bun.sleep(PARK_SETTLE_MS);
  const rssAfterKiB = residentKiB(spec.workerPid);
  return {
    phase: 'D',
    workflows: count,
    wallMs,
    workerCpuMs,
    workerCpuByThread: threadDelta(threadsBefore, threadsAfter),
    workerSwitchesByThread: threadDelta(threadsBefore, threadsAfter, 'switches'),
    clientCpuMs: (clientCpu.user + clientCpu.system) / 1000,
    queryRetries: retries.reduce((sum, value) => sum + value, 0),
    parked: { rssBeforeKiB, rssAfterKiB, settleMs: PARK_SETTLE_MS },
  };
}

/** Terminates scenario D's workflows (after the measurement, or after a failure); returns how many. */
async function terminateParked(): Promise<number> {
  const ids = parkedIds.splice(0);
  const failed = (
    await bounded(ids.length, PARK_CONCURRENCY, async (index) => {
      try {
        await client.workflow.getHandle(ids[index]!).terminate('bench scenario D measured');
        return 0;
      } catch {
        return 1;
      }
    })
  ).reduce<number>((sum, value) => sum + value, 0);
  if (failed > 0) process.stderr.write(`[client] ${failed} of ${ids.length} parked workflows were not terminated\n`);
  return ids.length - failed;
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
      case 'D': {
        const window = await parked(phase.count);
        if (window.parked) window.parked.terminated = await terminateParked();
        report.windows.push(window);
        break;
      }
    }
  }
  report.workerMemory = memoryStatus(spec.workerPid);
} finally {
  if (parkedIds.length > 0) await terminateParked();
  await connection.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
