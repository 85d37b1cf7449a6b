/**
 * JS timer gaps in an idle worker whose task streams wait at the server, from
 * bench/ffi-channel/timer-gaps.bench.ts, run against the benchmark's dev server and read from its
 * Markdown row. A figure, never an assertion (see that file).
 */
import { join } from 'node:path';
import { runBun } from './processes';
import type { Spread } from './statistics';

export interface TimerGapsResult {
  runs: number;
  longestGapMs: Spread;
  p99GapMs: Spread;
  output: string[];
}

/** "3.9 (3.8–4.1)" → median 3.9, min 3.8, max 4.1. */
function parseSpread(cell: string, runs: number): Spread {
  const match = /^\s*([\d.]+) \(([\d.]+)–([\d.]+)\)\s*$/.exec(cell);
  if (!match) throw new Error(`unexpected cell in the timer gaps row: ${JSON.stringify(cell)}`);
  return { median: Number(match[1]), min: Number(match[2]), max: Number(match[3]), count: runs };
}

export async function runTimerGaps(
  benchDirectory: string,
  options: { address: string; namespace: string; runs: number },
): Promise<TimerGapsResult> {
  const output = await runBun(
    'timer-gaps.bench.ts',
    ['--address', options.address, '--namespace', options.namespace, '--runs', String(options.runs)],
    { cwd: join(benchDirectory, 'ffi-channel'), timeoutMs: 120_000 },
  );
  // | runs | longest gap ms | p99 gap ms | ticks per run |
  const row = output.find((line) => /^\|\s*\d+\s*\|/.test(line));
  if (!row) throw new Error(`the timer gaps benchmark printed no result row:\n${output.join('\n')}`);
  const cells = row.split('|').slice(1, -1);
  return {
    runs: options.runs,
    longestGapMs: parseSpread(cells[1] ?? '', options.runs),
    p99GapMs: parseSpread(cells[2] ?? '', options.runs),
    output,
  };
}
