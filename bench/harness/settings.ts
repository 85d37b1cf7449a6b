/** The benchmark's parameters: every environment variable it reads, with its default, in one place. */
import { SHARED_WORKER_OPTIONS } from '../workers/worker-settings';

/**
 * The workers a run can compare: temporal-bun-sdk (`ours`), the official @temporalio/worker on Bun,
 * the crates.io Rust SDK on the same sdk-core (`rust`, the floor), and temporal-bun-sdk built from
 * another git revision (`baseline`, BENCH_BASELINE), and ours exporting metrics on a Prometheus
 * endpoint (`prometheus`: what metrics cost).
 */
export type WorkerKind = 'ours' | 'official' | 'rust' | 'baseline' | 'prometheus';
export const WORKER_KINDS: readonly WorkerKind[] = ['ours', 'prometheus', 'baseline', 'official', 'rust'];
export type ScenarioName = 'A' | 'B' | 'D';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['A', 'B', 'D'];

export interface BenchSettings {
  /** BENCH_RUNS: rounds; each round runs every scenario once per worker (order flipped every round). */
  runs: number;
  /** BENCH_WORKFLOWS: scenario A's workflows (one no-op activity each). */
  workflows: number;
  /** BENCH_WARMUP: one-activity workflows run before scenario A's window, not measured. */
  warmup: number;
  /** BENCH_LATENCY_WARMUP: sequential one-activity workflows run before the latency samples, not measured. */
  latencyWarmup: number;
  /** BENCH_LATENCY_SAMPLES: sequential one-activity workflows timed on the idle worker (before A's warm-up). */
  latencySamples: number;
  /** BENCH_HEAVY_WORKFLOWS: scenario B's workflows (10 activities, a timer, a signal and a query each). */
  heavyWorkflows: number;
  /** BENCH_HEAVY_WARMUP: heavy workflows run before scenario B's window, not measured. */
  heavyWarmup: number;
  /**
   * BENCH_PARKED_WORKFLOWS: scenario D's workflows, parked on a long timer in the worker's sticky
   * cache; at most the workers' cache size (`maxCachedWorkflows` in workers/worker-settings.ts).
   */
  parkedWorkflows: number;
  /** BENCH_SCENARIOS: which of A,B,D to run (C, the cold start, is measured for every worker started). */
  scenarios: ScenarioName[];
  /** BENCH_WORKERS: which of ours,official,rust,baseline,prometheus to run (in the order given; flipped every round). */
  workers: WorkerKind[];
  /**
   * BENCH_BASELINE: the git revision the `baseline` worker is built from (in a temporary worktree);
   * required with `baseline` in BENCH_WORKERS, refused without it.
   */
  baseline: string | undefined;
  /** BENCH_POLL_INTERVAL_MS: how often scenario C asks the server for pollers. */
  pollIntervalMs: number;
  /** BENCH_FFI_RUNS: runs of the FFI channel micro-benchmark (bench/ffi-channel); 0 skips it. */
  ffiRuns: number;
  /**
   * BENCH_TIMER_GAP_RUNS: runs of the JS timer gap measurement in an idle worker
   * (bench/ffi-channel/timer-gaps.bench.ts); 0 skips it.
   */
  timerGapRuns: number;
  /** BENCH_WRITE_README: 0 leaves bench/README.md alone (the results still go to bench/results/). */
  writeReadme: boolean;
  /** BENCH_CLIENT_TIMEOUT_MS: a client process taking longer fails the run. */
  clientTimeoutMs: number;
  /**
   * BENCH_PROFILE: 1 runs every worker under `bun --cpu-prof` (main JS thread only) and writes the
   * profiles to bench/results/profiles/; the figures are then not comparable and the README is left alone.
   */
  profile: boolean;
  /** BENCH_PROFILE_INTERVAL_US: the profiler's sampling interval with BENCH_PROFILE=1, in µs. */
  profileIntervalUs: number;
  /**
   * BENCH_STDERR_DIR: a directory that receives the whole stderr of every process the harness starts
   * (`<program>-<pid>.stderr.log`), e.g. for JavaScriptCore's logs (`BUN_JSC_reportCompileTimes=1`,
   * `BUN_JSC_logGC=1`). Unset: only the last few kilobytes are kept, for error messages.
   */
  stderrDirectory: string | undefined;
}

export const SETTINGS_ENV: Record<keyof BenchSettings, string> = {
  runs: 'BENCH_RUNS',
  workflows: 'BENCH_WORKFLOWS',
  warmup: 'BENCH_WARMUP',
  latencyWarmup: 'BENCH_LATENCY_WARMUP',
  latencySamples: 'BENCH_LATENCY_SAMPLES',
  heavyWorkflows: 'BENCH_HEAVY_WORKFLOWS',
  heavyWarmup: 'BENCH_HEAVY_WARMUP',
  parkedWorkflows: 'BENCH_PARKED_WORKFLOWS',
  scenarios: 'BENCH_SCENARIOS',
  workers: 'BENCH_WORKERS',
  baseline: 'BENCH_BASELINE',
  pollIntervalMs: 'BENCH_POLL_INTERVAL_MS',
  ffiRuns: 'BENCH_FFI_RUNS',
  timerGapRuns: 'BENCH_TIMER_GAP_RUNS',
  writeReadme: 'BENCH_WRITE_README',
  clientTimeoutMs: 'BENCH_CLIENT_TIMEOUT_MS',
  profile: 'BENCH_PROFILE',
  profileIntervalUs: 'BENCH_PROFILE_INTERVAL_US',
  stderrDirectory: 'BENCH_STDERR_DIR',
};

export const DEFAULT_SETTINGS: BenchSettings = {
  runs: 5,
  workflows: 200,
  warmup: 20,
  latencyWarmup: 5,
  latencySamples: 30,
  heavyWorkflows: 50,
  heavyWarmup: 5,
  parkedWorkflows: 1000,
  scenarios: ['A', 'B', 'D'],
  workers: ['ours', 'official', 'rust'],
  baseline: undefined,
  pollIntervalMs: 5,
  ffiRuns: 3,
  timerGapRuns: 3,
  writeReadme: true,
  clientTimeoutMs: 300_000,
  profile: false,
  profileIntervalUs: 1000,
  stderrDirectory: undefined,
};

export function readSettings(env: Record<string, string | undefined> = process.env): BenchSettings {
  const integer = (key: keyof BenchSettings, minimum: number): number => {
    const raw = env[SETTINGS_ENV[key]];
    if (raw === undefined || raw === '') return DEFAULT_SETTINGS[key] as number;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < minimum)
      throw new Error(`${SETTINGS_ENV[key]} must be an integer ≥ ${minimum}, got ${JSON.stringify(raw)}`);
    return value;
  };
  const list = <T extends string>(key: keyof BenchSettings, allowed: readonly T[]): T[] => {
    const raw = env[SETTINGS_ENV[key]];
    if (raw === undefined || raw === '') return [...(DEFAULT_SETTINGS[key] as T[])];
    const values = raw
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
    for (const value of values) {
      if (!allowed.includes(value as T))
        throw new Error(
          `${SETTINGS_ENV[key]}: unknown value ${JSON.stringify(value)} (allowed: ${allowed.join(', ')})`,
        );
    }
    if (values.length === 0) throw new Error(`${SETTINGS_ENV[key]} names nothing to run`);
    return values as T[];
  };
  const workers = list<WorkerKind>('workers', WORKER_KINDS);
  const baseline = env[SETTINGS_ENV.baseline]?.trim() || undefined;
  if (workers.includes('baseline') && baseline === undefined)
    throw new Error(
      `${SETTINGS_ENV.workers} names baseline: set ${SETTINGS_ENV.baseline} to the git revision to build it from (e.g. HEAD~1)`,
    );
  if (baseline !== undefined && !workers.includes('baseline'))
    throw new Error(
      `${SETTINGS_ENV.baseline} is set but ${SETTINGS_ENV.workers} does not name baseline: add it (e.g. ${SETTINGS_ENV.workers}=ours,baseline)`,
    );
  // Scenario D measures workflows held in the sticky cache: one evicted would not be measured.
  const parkedWorkflows = integer('parkedWorkflows', 1);
  if (parkedWorkflows > SHARED_WORKER_OPTIONS.maxCachedWorkflows)
    throw new Error(
      `${SETTINGS_ENV.parkedWorkflows} must be at most the workers' maxCachedWorkflows (${SHARED_WORKER_OPTIONS.maxCachedWorkflows}, workers/worker-settings.ts), got ${parkedWorkflows}`,
    );
  return {
    runs: integer('runs', 1),
    workflows: integer('workflows', 1),
    warmup: integer('warmup', 0),
    latencyWarmup: integer('latencyWarmup', 0),
    latencySamples: integer('latencySamples', 1),
    heavyWorkflows: integer('heavyWorkflows', 1),
    heavyWarmup: integer('heavyWarmup', 0),
    parkedWorkflows,
    scenarios: list<ScenarioName>('scenarios', SCENARIO_NAMES),
    workers,
    baseline,
    pollIntervalMs: integer('pollIntervalMs', 1),
    ffiRuns: integer('ffiRuns', 0),
    timerGapRuns: integer('timerGapRuns', 0),
    writeReadme: (env[SETTINGS_ENV.writeReadme] ?? '1') !== '0',
    clientTimeoutMs: integer('clientTimeoutMs', 1_000),
    profile: (env[SETTINGS_ENV.profile] ?? '0') === '1',
    profileIntervalUs: integer('profileIntervalUs', 10),
    stderrDirectory: env[SETTINGS_ENV.stderrDirectory]?.trim() || undefined,
  };
}
