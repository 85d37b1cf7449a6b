/**
 * `make bench`: temporal-bun-sdk's worker, the official @temporalio/worker on the same Bun, and the
 * crates.io Rust SDK on the same sdk-core (the floor), side by side against one fresh local dev
 * server, alternating runs (and, with BENCH_BASELINE, ours built from another revision beside
 * them), then the FFI channel micro-benchmark; prints one table and writes it into
 * bench/README.md and bench/results/.
 * See bench/README.md for what each figure means; parameters are environment variables
 * (harness/settings.ts), e.g. `BENCH_WORKFLOWS=200 BENCH_RUNS=3 make bench`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Connection } from 'temporal-bun-sdk/client';
import { type BaselineBuild, buildBaseline } from './harness/baseline';
import { startBenchServer } from './harness/dev-server';
import { runFfiChannel, type FfiChannelResult } from './harness/ffi-channel';
import { appendHistory, runId } from './harness/history';
import { loadAverage, machineBusyFraction } from './harness/proc-stats';
import { keepStderrIn, killAll } from './harness/processes';
import {
  COMPARED_WITH,
  columnOrder,
  computeFigures,
  renderTable,
  renderThreadTable,
  WORKER_LABELS,
  writeReadmeSection,
} from './harness/report';
import { runScenario, type RunResult } from './harness/run-scenario';
import { readSettings, type WorkerKind } from './harness/settings';
import { runTimerGaps, type TimerGapsResult } from './harness/timer-gaps';
import { RUST_WORKER_BINARY } from './workers/rust-spec';

const benchDirectory = import.meta.dir;
const settings = readSettings();
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
keepStderrIn(settings.stderrDirectory);
if (settings.stderrDirectory !== undefined) log(`every process's stderr goes to ${settings.stderrDirectory}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping every process the benchmark started`);
    process.exit(130); // the exit handlers kill the workers, the client and the dev server by PID
  });
}

function gitDescription(): string {
  try {
    const run = (...args: string[]) => execFileSync('git', args, { cwd: benchDirectory, encoding: 'utf8' }).trim();
    // What is measured is packages/ and crates/; say so when they differ from the commit.
    const dirty = run('status', '--porcelain', '--', '../packages', '../crates').length > 0;
    return `${run('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in packages/ or crates/' : ''}`;
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(benchDirectory, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

/** A crate's version in the Rust worker's Cargo.lock. */
function rustCrateVersion(name: string): string {
  try {
    const lock = readFileSync(join(benchDirectory, 'workers', 'rust', 'Cargo.lock'), 'utf8');
    return new RegExp(`name = "${name}"\nversion = "([^"]+)"`).exec(lock)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

if (settings.workers.includes('rust') && !existsSync(RUST_WORKER_BINARY)) {
  log(
    `no Rust worker at ${RUST_WORKER_BINARY}: run bench/setup (make bench-setup), or leave rust out of BENCH_WORKERS`,
  );
  process.exit(1);
}

const startedAt = new Date();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cpus: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: `${process.platform} ${release()}`,
  bun: `${Bun.version} (${Bun.revision.slice(0, 9)})`,
};
const versions = {
  commit: gitDescription(),
  official: packageVersion('@temporalio/worker'),
  ours: packageVersion('temporal-bun-sdk'),
  rust: `temporalio-sdk ${rustCrateVersion('temporalio-sdk')} on temporalio-sdk-core ${rustCrateVersion('temporalio-sdk-core')}`,
  baseline: undefined as string | undefined,
};
const loadAtStart = loadAverage();
// Nothing of the benchmark runs yet: whatever keeps the CPUs busy now is someone else's.
const busyAtStart = await machineBusyFraction(2_000);
const invocationId = runId(startedAt.toISOString());
log(
  `${machine.cpus} × ${machine.cpu}, Bun ${machine.bun}, load ${loadAtStart.join(' ')}, CPUs ${(busyAtStart * 100).toFixed(0)}% busy; commit ${versions.commit}`,
);
log(`settings: ${JSON.stringify(settings)}`);

const runs: RunResult[] = [];
const failures: { kind: WorkerKind; scenario: string; round: number; error: string }[] = [];
const ffi: FfiChannelResult[] = [];
let timerGaps: TimerGapsResult | undefined;
let serverVersion = '';

// Built before anything is measured (it takes minutes), and removed at the end whatever happens.
let baseline: BaselineBuild | undefined;
if (settings.baseline !== undefined) {
  try {
    baseline = buildBaseline(settings.baseline, { repositoryRoot: join(benchDirectory, '..'), benchDirectory, log });
  } catch (error) {
    log(`baseline: FAILED: ${String(error instanceof Error ? (error.stack ?? error.message) : error)}`);
    process.exit(1);
  }
  versions.baseline = baseline.commit;
  process.on('exit', () => baseline?.remove());
}

const server = await startBenchServer();
serverVersion = server.version;
log(`dev server ${server.address} (pid ${server.pid}): ${server.version.split('\n')[0]}`);
try {
  const connection = await Connection.connect({
    address: server.address,
    namespace: server.namespace,
    envConfig: false,
  });
  try {
    for (let round = 1; round <= settings.runs; round++) {
      // Scenario by scenario, the workers alternate; the order flips every round so that neither
      // worker always goes first.
      const order = round % 2 === 1 ? settings.workers : [...settings.workers].reverse();
      for (const scenario of settings.scenarios) {
        for (const kind of order) {
          const label = `round ${round}/${settings.runs} ${WORKER_LABELS[kind]} ${scenario}`;
          const runStarted = performance.now();
          try {
            const run = await runScenario({
              benchDirectory,
              connection,
              address: server.address,
              namespace: server.namespace,
              kind,
              scenario,
              round,
              settings,
              invocationId,
              baseline,
              profileDirectory: join(benchDirectory, 'results', 'profiles', invocationId),
            });
            runs.push(run);
            const w = run.window;
            const parked = w.parked
              ? `RSS ${(w.parked.rssBeforeKiB / 1024).toFixed(0)} → ${(w.parked.rssAfterKiB / 1024).toFixed(0)} MiB, ` +
                `${((w.parked.rssAfterKiB - w.parked.rssBeforeKiB) / w.workflows).toFixed(1)} KiB per cached workflow` +
                `${w.parked.terminated === w.workflows ? '' : ` (only ${w.parked.terminated ?? 0} of them terminated)`}, `
              : '';
            log(
              `${label}: ${parked}${(w.workerCpuMs / w.workflows).toFixed(2)} ms CPU/workflow, ${(w.workflows / (w.wallMs / 1000)).toFixed(1)} workflows/s, ` +
                `peak RSS ${run.memory.peakRssMiB.toFixed(0)} MiB, first poll ${run.firstPoll.firstPollMs.toFixed(0)} ms, load ${run.loadAfter[0]}, ` +
                `${((performance.now() - runStarted) / 1000).toFixed(1)} s`,
            );
          } catch (error) {
            failures.push({
              kind,
              scenario,
              round,
              error: String(error instanceof Error ? (error.stack ?? error.message) : error),
            });
            log(`${label}: FAILED: ${String(error)}`);
          }
        }
      }
    }
  } finally {
    await connection.close();
  }
  if (settings.timerGapRuns > 0 && settings.workers.includes('ours')) {
    try {
      timerGaps = await runTimerGaps(benchDirectory, {
        address: server.address,
        namespace: server.namespace,
        runs: settings.timerGapRuns,
      });
    } catch (error) {
      failures.push({ kind: 'ours', scenario: 'timer gaps', round: 0, error: String(error) });
      log(`timer gaps: FAILED: ${String(error)}`);
    }
  }
} finally {
  await server.stop();
  killAll();
  baseline?.remove();
}

if (settings.ffiRuns > 0) {
  for (const [inFlight, completions] of [
    [1, 20_000],
    [1000, 100_000],
  ] as const) {
    try {
      ffi.push(await runFfiChannel(benchDirectory, { runs: settings.ffiRuns, inFlight, completions }));
    } catch (error) {
      failures.push({ kind: 'ours', scenario: `ffi-channel in-flight ${inFlight}`, round: 0, error: String(error) });
      log(`FFI channel (${inFlight} in flight): FAILED: ${String(error)}`);
    }
  }
}

const loadAtEnd = loadAverage();
const busyAtEnd = await machineBusyFraction(2_000);
const durationS = (Date.now() - startedAt.getTime()) / 1000;
const figures = computeFigures(runs, ffi, settings, timerGaps);
const table = renderTable(figures, settings.workers);
const threadTable = renderThreadTable(runs, settings.workers);
const heaviestLoad = Math.max(loadAtStart[0], loadAtEnd[0], ...runs.map((run) => run.loadAfter[0]));

const context = [
  `Measured ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} on commit ${versions.commit}, in ${durationS.toFixed(0)} s.`,
  `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.kernel}; Bun ${machine.bun}; ` +
    `${serverVersion.split('\n')[0]}; @temporalio/worker ${versions.official}; Rust worker: ${versions.rust}` +
    (baseline ? `; baseline: temporal-bun-sdk at ${baseline.commit} (BENCH_BASELINE=${baseline.revision}).` : '.'),
  `Other work on the machine: CPUs ${(busyAtStart * 100).toFixed(0)}% busy in the 2 s before the start and ${(busyAtEnd * 100).toFixed(0)}% in the 2 s after the end ` +
    `(the benchmark itself stopped). Load average (1 min, the benchmark's own processes included): ${loadAtStart[0]} at the start, ` +
    `at most ${heaviestLoad} after a run, ${loadAtEnd[0]} at the end.`,
  `Parameters: ${settings.runs} rounds; A = ${settings.workflows} workflows after ${settings.warmup} warm-up, ` +
    `${settings.latencySamples} idle-latency samples after ${settings.latencyWarmup} sequential warm-up; B = ${settings.heavyWorkflows} workflows after ${settings.heavyWarmup} warm-up; ` +
    `C polled every ${settings.pollIntervalMs} ms; D = ${settings.parkedWorkflows} parked workflows after ${settings.warmup} warm-up ` +
    `(scenarios run: ${settings.scenarios.join(', ')}).` +
    (failures.length ? ` **${failures.length} run(s) failed** (see the JSON); the table covers the others.` : ''),
].join('\n');
const section = [
  context,
  '',
  `Each cell: median over the runs (min–max). Ratios: median of ours / median of the other worker${
    COMPARED_WITH.filter(({ kind }) => columnOrder(settings.workers).includes(kind)).length > 1
      ? ' (one column each)'
      : ''
  }.`,
  '',
  table,
  ...(runs.some((run) => run.scenario === 'A')
    ? [
        '',
        'Scenario A, worker CPU by thread (ms per workflow) and context switches (voluntary + involuntary, per workflow), medians; threads alive at the end of the window:',
        '',
        threadTable,
      ]
    : []),
].join('\n');

process.stdout.write(`\n${section}\n`);

const resultsDirectory = join(benchDirectory, 'results');
mkdirSync(resultsDirectory, { recursive: true });
const raw = {
  startedAt: startedAt.toISOString(),
  durationS,
  machine,
  versions: { ...versions, server: serverVersion },
  load: { atStart: loadAtStart, atEnd: loadAtEnd, busyFractionAtStart: busyAtStart, busyFractionAtEnd: busyAtEnd },
  settings,
  figures: figures.map((figure) => ({ ...figure })),
  runs,
  ffi,
  timerGaps,
  failures,
};
// Only the latest raw data is kept; the history table keeps each invocation's medians and ratios.
writeFileSync(join(resultsDirectory, 'latest.json'), `${JSON.stringify(raw, null, 2)}\n`);
appendHistory(join(resultsDirectory, 'history.md'), raw);
log(`raw results: bench/results/latest.json; a row for ${invocationId} appended to bench/results/history.md`);
if (settings.profile) {
  log(
    `CPU profiles (main JS thread of each worker): bench/results/profiles/${invocationId}/; README left as it was (profiled figures)`,
  );
} else if (failures.length > 0) {
  log('bench/README.md left as it was: some runs failed');
} else if (settings.writeReadme) {
  writeReadmeSection(join(benchDirectory, 'README.md'), section);
  log('bench/README.md updated');
}
process.exit(failures.length > 0 ? 1 : 0);
