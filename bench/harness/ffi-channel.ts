/**
 * The FFI channel's per-completion overhead, from the existing micro-benchmark
 * (bench/ffi-channel/channel.bench.ts: `NativeRuntime.echo` → tokio thread → completion queue →
 * wake socket → drain → resolved promise), run as it is and read from its Markdown table.
 */
import { join } from 'node:path';
import { runBun } from './processes';
import type { Spread } from './statistics';

export interface FfiChannelResult {
  /** `--in-flight` of the run: 1 = one completion per wake-up (a worker's sparse case), 1000 = batched. */
  inFlight: number;
  completions: number;
  runs: number;
  wallMicrosPerCompletion: Spread;
  cpuMicrosPerCompletion: Spread;
  /** The micro-benchmark's own output. */
  output: string[];
}

/** "3.985 (3.896–4.152)" → median 3.985, min 3.896, max 4.152. */
function parseSpread(cell: string, runs: number): Spread {
  const match = /^\s*([\d.]+) \(([\d.]+)–([\d.]+)\)\s*$/.exec(cell);
  if (!match) throw new Error(`unexpected cell in the FFI channel table: ${JSON.stringify(cell)}`);
  return { median: Number(match[1]), min: Number(match[2]), max: Number(match[3]), count: runs };
}

export async function runFfiChannel(
  benchDirectory: string,
  options: { runs: number; inFlight: number; completions: number },
): Promise<FfiChannelResult> {
  const output = await runBun(
    'channel.bench.ts',
    ['--runs', String(options.runs), '--n', String(options.completions), '--in-flight', String(options.inFlight)],
    { cwd: join(benchDirectory, 'ffi-channel'), timeoutMs: 120_000 },
  );
  // | runs | wall µs/completion | completions/s | CPU µs/completion | RSS … | peak RSS MB |
  const row = output.find((line) => /^\|\s*\d+\s*\|/.test(line));
  if (!row) throw new Error(`the FFI channel benchmark printed no result row:\n${output.join('\n')}`);
  const cells = row.split('|').slice(1, -1);
  return {
    inFlight: options.inFlight,
    completions: options.completions,
    runs: options.runs,
    wallMicrosPerCompletion: parseSpread(cells[1] ?? '', options.runs),
    cpuMicrosPerCompletion: parseSpread(cells[3] ?? '', options.runs),
    output,
  };
}
