/**
 * The real bridge's completion queue, end to end: `NativeRuntime.echo` (tbs_diagnostics_echo)
 * copies the input, completes it from a tokio thread, and the result travels back through the
 * wake socket + `tbs_runtime_drain` to a resolved promise — the path every asynchronous bridge
 * call (RPCs, polls, completions) takes.
 *
 *   make build   # target/<rust target>/release/libtemporal_bun_bridge.so (or set TEMPORAL_BUN_BRIDGE_PATH)
 *   cd bench/ffi-channel && ../../.tools/bun/node_modules/.bin/bun run channel.bench.ts [options]
 *
 * Options: --runs 5  --n 100000  --in-flight 1000 (0 = submit all at once)  --payload 32  --delay-us 0
 */
import { cpus } from 'node:os';
import { NativeRuntime, loadBridgeLibrary } from '../../packages/temporal-bun-sdk/src/native';

interface Options {
  runs: number;
  n: number;
  inFlight: number;
  payload: number;
  delayUs: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { runs: 5, n: 100_000, inFlight: 1000, payload: 32, delayUs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = Number(argv[++i]);
    if (!Number.isFinite(value)) throw new Error(`${arg} needs a number`);
    switch (arg) {
      case '--runs':
        options.runs = value;
        break;
      case '--n':
        options.n = value;
        break;
      case '--in-flight':
        options.inFlight = value;
        break;
      case '--payload':
        options.payload = value;
        break;
      case '--delay-us':
        options.delayUs = value;
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  if (options.payload < 4) throw new Error('--payload must be at least 4 (the request number is echoed in it)');
  return options;
}

interface RunResult {
  wallMs: number;
  cpuMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

/** Echoes `n` payloads, at most `inFlight` outstanding; checks every one came back once, intact. */
async function run(runtime: NativeRuntime, options: Options, n: number): Promise<void> {
  // The bridge copies its input during the call, so one buffer can be reused for every request.
  const input = new Uint8Array(options.payload);
  const inputView = new DataView(input.buffer);
  for (let i = 4; i < input.length; i++) input[i] = i & 0xff;
  const seen = new Uint8Array(n);
  let problems = 0;
  let next = 0;

  const check = (index: number, output: Uint8Array) => {
    const echoed = output.byteLength >= 4 ? new DataView(output.buffer, output.byteOffset).getUint32(0, true) : -1;
    if (output.byteLength !== options.payload || echoed !== index || seen[index]) problems++;
    else seen[index] = 1;
  };
  const issue = (index: number) => {
    inputView.setUint32(0, index, true);
    return runtime.echo(input, options.delayUs);
  };

  if (options.inFlight > 0) {
    const lane = async () => {
      while (next < n) {
        const index = next++;
        check(index, await issue(index));
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.inFlight, n) }, lane));
  } else {
    const all: Promise<void>[] = new Array(n);
    for (let index = 0; index < n; index++) all[index] = issue(index).then((output) => check(index, output));
    await Promise.all(all);
  }
  const missing = seen.reduce((sum, v) => sum + (v ? 0 : 1), 0);
  if (problems || missing) throw new Error(`echo run broken: ${problems} bad or duplicate results, ${missing} missing`);
  if (runtime.outstandingCalls !== 0)
    throw new Error(`${runtime.outstandingCalls} calls still outstanding after the run`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: number[], digits: number): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

const options = parseOptions(process.argv.slice(2));
console.log(
  `# bridge completion queue — Bun ${Bun.version} (${Bun.revision.slice(0, 9)}), ${process.platform}/${process.arch}, ${cpus().length} CPUs`,
);
console.log(`library: ${(await loadBridgeLibrary()).path}`);
console.log(
  `${options.runs} runs × ${options.n} echo completions, ${options.inFlight > 0 ? `${options.inFlight} in flight` : 'all submitted at once'}, ` +
    `${options.payload}-byte payload, delay ${options.delayUs} µs\n`,
);

const runtime = await NativeRuntime.create();
try {
  await run(runtime, options, Math.min(10_000, options.n)); // warm-up, not measured
  const results: RunResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    Bun.gc(true);
    const rssBefore = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(runtime, options, options.n);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const result: RunResult = {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssBeforeMb: rssBefore / 2 ** 20,
      rssAfterMb: process.memoryUsage().rss / 2 ** 20,
    };
    results.push(result);
    console.error(
      `run ${i + 1}/${options.runs}: ${((wallMs * 1000) / options.n).toFixed(3)} µs/completion wall, ` +
        `${((result.cpuMs * 1000) / options.n).toFixed(3)} µs CPU, RSS ${result.rssBeforeMb.toFixed(0)} → ${result.rssAfterMb.toFixed(0)} MB`,
    );
  }
  const perCompletion = (ms: number) => (ms * 1000) / options.n;
  console.log(
    '| runs | wall µs/completion | completions/s | CPU µs/completion | RSS before → after MB (median) | peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| ${results.length} | ${spread(
      results.map((r) => perCompletion(r.wallMs)),
      3,
    )} | ` +
      `${median(results.map((r) => options.n / (r.wallMs / 1000))).toFixed(0)} | ` +
      `${spread(
        results.map((r) => perCompletion(r.cpuMs)),
        3,
      )} | ` +
      `${median(results.map((r) => r.rssBeforeMb)).toFixed(0)} → ${median(results.map((r) => r.rssAfterMb)).toFixed(0)} | ` +
      `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} |`,
  );
} finally {
  runtime.free();
}
