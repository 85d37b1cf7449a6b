/**
 * JS timers in an idle worker: while both task streams wait at the server (a workflow and an
 * activity poll outstanding in the bridge), a 10 ms `setInterval` should keep its schedule, because
 * nothing the bridge does blocks the JS thread. This measures the gaps between the ticks (the
 * longest and the p99, per run). It was an assertion in tests/native.integration.test.ts (longest
 * gap under 200 ms), a wall-clock bound that a busy machine could break; here it is a figure.
 *
 *   cd bench/ffi-channel && ../../.tools/bun/node_modules/.bin/bun run timer-gaps.bench.ts \
 *     --address 127.0.0.1:7233 --namespace default [--runs 3] [--duration-ms 2000]
 *
 * `make bench` runs it against its dev server (BENCH_TIMER_GAP_RUNS). Prints one Markdown row:
 * | runs | longest gap ms | p99 gap ms | ticks per run |, each cell the median (min–max) over the runs.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@temporalio/common';
import { createWorker, NativeConnection } from 'temporal-bun-sdk/worker';
import { WORKFLOWS_PATH } from '../workers/worker-settings';
import * as activities from '../workload/activities';
import { percentile, spread, type Spread } from '../harness/statistics';

const TICK_MS = 10;

function parseOptions(argv: string[]) {
  const options = { address: '', namespace: 'default', runs: 3, durationMs: 2_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--address') options.address = value;
    else if (arg === '--namespace') options.namespace = value;
    else if (arg === '--runs') options.runs = Number(value);
    else if (arg === '--duration-ms') options.durationMs = Number(value);
    else throw new Error(`unknown option ${arg}`);
  }
  if (options.address === '') throw new Error('--address is required (the dev server to poll)');
  if (!(Number.isInteger(options.runs) && options.runs >= 1)) throw new Error('--runs must be an integer ≥ 1');
  if (!(options.durationMs >= TICK_MS * 10)) throw new Error(`--duration-ms must be at least ${TICK_MS * 10}`);
  return options;
}

const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The gaps between the ticks of a `TICK_MS` interval over `durationMs`. */
async function tickGaps(durationMs: number): Promise<number[]> {
  const gaps: number[] = [];
  let previous = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    gaps.push(now - previous);
    previous = now;
  }, TICK_MS);
  await Bun.sleep(durationMs);
  clearInterval(ticker);
  return gaps;
}

const options = parseOptions(process.argv.slice(2));
const connection = await NativeConnection.connect({ address: options.address });
const longest: number[] = [];
const p99: number[] = [];
const ticks: number[] = [];
try {
  for (let run = 0; run < options.runs; run++) {
    const worker = await createWorker({
      connection,
      namespace: options.namespace,
      taskQueue: `timer-gaps-${randomUUID()}`, // nobody starts work here: the polls stay outstanding
      workflowsPath: WORKFLOWS_PATH,
      activities,
      logger: quiet,
    });
    const running = worker.run();
    await Bun.sleep(200); // both task streams open
    const gaps = await tickGaps(options.durationMs);
    worker.shutdown();
    await running;
    longest.push(Math.max(...gaps));
    p99.push(percentile(gaps, 99));
    ticks.push(gaps.length);
  }
} finally {
  await connection.close();
}

const cell = (value: Spread, digits: number) =>
  `${value.median.toFixed(digits)} (${value.min.toFixed(digits)}–${value.max.toFixed(digits)})`;
console.log('| runs | longest gap ms | p99 gap ms | ticks per run |');
console.log('|---|---|---|---|');
console.log(`| ${options.runs} | ${cell(spread(longest), 1)} | ${cell(spread(p99), 1)} | ${cell(spread(ticks), 0)} |`);
