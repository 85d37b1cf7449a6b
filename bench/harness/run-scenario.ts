/**
 * One run: a fresh worker process of one kind on a fresh task queue, its cold start (scenario C),
 * then a client process running one scenario's phases against it, then the worker's peak memory,
 * then the worker stopped by PID.
 */
import { join } from 'node:path';
import type { Connection } from 'temporal-bun-sdk/client';
import type { ClientPhase, ClientReport, ClientSpec, ServerTimeline, WindowReport } from '../client';
import { RUST_WORKER_BINARY, rustWorkerSpec } from '../workers/rust-spec';
import { READY_PREFIX, WORKER_ENV, type WorkerTarget } from '../workers/worker-settings';
import type { BaselineBuild } from './baseline';
import { waitForFirstPoll, type FirstPoll } from './first-poll';
import { childPids, loadAverage, memoryStatus, type MemoryStatus } from './proc-stats';
import { type BenchProcess, runBun, spawnBun, spawnProcess } from './processes';
import type { BenchSettings, ScenarioName, WorkerKind } from './settings';

export interface RunResult {
  kind: WorkerKind;
  scenario: ScenarioName;
  round: number;
  taskQueue: string;
  workerPid: number;
  /** Scenario C for this worker process. */
  firstPoll: FirstPoll;
  /** From spawn to the worker's ready line (created and running, as the harness saw it). */
  readyMs: number;
  /** From process start to the worker object existing, as the worker measured it. */
  createdMs: number;
  window: WindowReport;
  latencyMs: number[] | undefined;
  latencyTimelines: ServerTimeline[] | undefined;
  /** Worker memory once it was ready, before any workflow. */
  memoryWhenReady: MemoryStatus;
  /** Worker memory after the client finished (VmHWM is the peak of the whole run). */
  memory: MemoryStatus;
  /** Child processes the worker had at the end (expected: none). */
  workerChildren: number;
  /** How the worker ended when stopped (SIGTERM, SIGKILL after 10 s). */
  workerStop?: { exitCode: number | null; signal: string | null; stopMs: number };
  /** The worker's CPU profile (BENCH_PROFILE=1). */
  profilePath?: string;
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
}

const READY_TIMEOUT_MS = 60_000;

function phasesFor(scenario: ScenarioName, settings: BenchSettings): ClientPhase[] {
  if (scenario === 'A') {
    // The idle latency comes first, after a few sequential workflows (JIT, caches): once a task
    // queue has been busy (a burst, or some ten workflows in quick succession) the dev server
    // dispatches each workflow task about 30 ms later, for either worker, for some 15 s. The
    // client also splits each sample into time with the worker and time waiting for dispatch.
    return [
      ...(settings.latencyWarmup > 0
        ? [{ kind: 'warmup', workflow: 'oneActivity', count: settings.latencyWarmup, sequential: true } as const]
        : []),
      { kind: 'latency', count: settings.latencySamples },
      ...(settings.warmup > 0 ? [{ kind: 'warmup', workflow: 'oneActivity', count: settings.warmup } as const] : []),
      { kind: 'A', count: settings.workflows },
    ];
  }
  if (scenario === 'D') {
    // A's concurrent warm-up (the workflow code loaded, the task paths run): those workflows
    // complete, so they leave the cache before the first RSS sample.
    return [
      ...(settings.warmup > 0 ? [{ kind: 'warmup', workflow: 'oneActivity', count: settings.warmup } as const] : []),
      { kind: 'D', count: settings.parkedWorkflows },
    ];
  }
  return [
    ...(settings.heavyWarmup > 0 ? [{ kind: 'warmup', workflow: 'heavy', count: settings.heavyWarmup } as const] : []),
    { kind: 'B', count: settings.heavyWorkflows },
  ];
}

/**
 * Starts one worker of `kind` on `target`: the TypeScript workers with Bun (under the CPU profiler
 * with BENCH_PROFILE=1), the Rust worker's binary with its spec, the baseline's `workers/ours.ts`
 * from its worktree with its own bridge.
 */
function startWorker(
  kind: WorkerKind,
  target: WorkerTarget,
  options: { benchDirectory: string; baseline: BaselineBuild | undefined; profileArguments: string[] },
): BenchProcess {
  const env = {
    [WORKER_ENV.address]: target.address,
    [WORKER_ENV.namespace]: target.namespace,
    [WORKER_ENV.taskQueue]: target.taskQueue,
  };
  switch (kind) {
    case 'ours':
    case 'official':
      return spawnBun(join('workers', `${kind}.ts`), [], {
        cwd: options.benchDirectory,
        env,
        bunArguments: options.profileArguments,
      });
    case 'prometheus':
      return spawnBun(join('workers', 'ours.ts'), [], {
        cwd: options.benchDirectory,
        env: { ...env, BENCH_PROMETHEUS: '1' },
        bunArguments: options.profileArguments,
      });
    case 'rust':
      return spawnProcess([RUST_WORKER_BINARY, JSON.stringify(rustWorkerSpec(target))], {
        cwd: options.benchDirectory,
        name: 'the Rust worker',
      });
    case 'baseline': {
      const baseline = options.baseline;
      if (baseline === undefined) throw new Error('the baseline worker was not built (BENCH_BASELINE)');
      return spawnBun(join('workers', 'ours.ts'), [], {
        cwd: baseline.benchDirectory,
        env: { ...env, ...baseline.env },
        bunArguments: options.profileArguments,
      });
    }
  }
}

export async function runScenario(options: {
  benchDirectory: string;
  connection: Connection;
  address: string;
  namespace: string;
  kind: WorkerKind;
  scenario: ScenarioName;
  round: number;
  settings: BenchSettings;
  invocationId: string;
  /** The baseline worker's build (BENCH_BASELINE), when it runs. */
  baseline?: BaselineBuild;
  /** Where BENCH_PROFILE=1 writes the workers' CPU profiles. */
  profileDirectory: string;
}): Promise<RunResult> {
  const { benchDirectory, connection, address, namespace, kind, scenario, round, settings } = options;
  const taskQueue = `bench-${options.invocationId}-${scenario}-${kind}-${round}`;
  const loadBefore = loadAverage();
  const profileName = `${taskQueue}.cpuprofile`;
  // The Rust worker has no JS thread to profile (use perf for it).
  const profiled = settings.profile && kind !== 'rust';
  const worker = startWorker(
    kind,
    { address, namespace, taskQueue },
    {
      benchDirectory,
      baseline: options.baseline,
      profileArguments: profiled
        ? [
            '--cpu-prof',
            `--cpu-prof-interval=${settings.profileIntervalUs}`,
            `--cpu-prof-dir=${options.profileDirectory}`,
            `--cpu-prof-name=${profileName}`,
          ]
        : [],
    },
  );
  let result: RunResult | undefined;
  try {
    const died: Promise<never> = worker.exited.then(async (code) => {
      await worker.stdoutDone;
      throw new Error(`the ${kind} worker exited (${code}) during the run\n${worker.stderrTail()}`);
    });
    died.catch(() => undefined);
    const [firstPoll, readyLine] = await Promise.all([
      waitForFirstPoll({
        connection,
        namespace,
        taskQueue,
        spawnedAt: worker.spawnedAt,
        intervalMs: settings.pollIntervalMs,
        timeoutMs: READY_TIMEOUT_MS,
        abort: died,
      }),
      worker.lineStartingWith(READY_PREFIX, READY_TIMEOUT_MS).then((line) => ({ line, at: performance.now() })),
    ]);
    const ready = JSON.parse(readyLine.line) as { createdMs: number };
    const memoryWhenReady = memoryStatus(worker.pid);

    const spec: ClientSpec = {
      address,
      namespace,
      taskQueue,
      workerPid: worker.pid,
      idPrefix: taskQueue,
      phases: phasesFor(scenario, settings),
    };
    const lines = await Promise.race([
      runBun('client.ts', [JSON.stringify(spec)], { cwd: benchDirectory, timeoutMs: settings.clientTimeoutMs }),
      died,
    ]);
    const report = JSON.parse(lines.at(-1) ?? '') as ClientReport;
    const window = report.windows[0];
    if (!window) throw new Error('the client reported no measured window');
    const memory = memoryStatus(worker.pid);
    const workerChildren = childPids(worker.pid).length;
    result = {
      kind,
      scenario,
      round,
      taskQueue,
      workerPid: worker.pid,
      firstPoll,
      readyMs: readyLine.at - worker.spawnedAt,
      createdMs: ready.createdMs,
      window,
      latencyMs: report.latencyMs,
      latencyTimelines: report.latencyTimelines,
      memoryWhenReady,
      memory,
      workerChildren,
      loadBefore,
      loadAfter: loadAverage(),
      ...(profiled ? { profilePath: join(options.profileDirectory, profileName) } : {}),
    };
  } finally {
    const stopped = await worker.stop();
    if (result) result.workerStop = stopped;
  }
  return result;
}
