/**
 * The history of invocations, one markdown table row each, in `results/history.md`: the medians of
 * the headline figures, ours against the official SDK with their ratio. Only the latest run's raw
 * JSON is kept (`results/latest.json`); the table is what stays of the others.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { median } from './statistics';

/** The part of a raw results file (`results/latest.json`) the history reads. */
export interface RawResults {
  startedAt: string;
  versions: { commit: string };
  settings: { runs: number; workflows: number; scenarios: string[]; workers: string[]; profile?: boolean };
  figures: {
    id: string;
    values: Partial<Record<'ours' | 'official', number[]>>;
    oursOnly?: { median: number };
  }[];
  failures: unknown[];
}

/** The figures the table keeps, by id, with their column title and digits. */
const COLUMNS: readonly { id: string; title: string; digits: number }[] = [
  { id: 'cpuA', title: 'A: CPU ms per workflow', digits: 2 },
  { id: 'rssA', title: 'A: peak RSS MiB', digits: 0 },
  { id: 'rateA', title: 'A: workflows/s', digits: 1 },
  { id: 'p50', title: 'idle latency p50 ms', digits: 1 },
  { id: 'cpuB', title: 'B: CPU ms per workflow', digits: 2 },
  { id: 'firstPoll', title: 'C: first poll ms', digits: 0 },
  { id: 'ffiWall1', title: 'FFI µs per completion (1 in flight)', digits: 2 },
];

export const HISTORY_HEADER = [
  '# Benchmark history',
  '',
  'One row per `make bench` invocation, appended by `bench/run.ts`; the latest raw data is',
  '`latest.json`. Each cell: the median over the rounds, temporal-bun-sdk / @temporalio/worker',
  '(ours/official ratio); figures of ours alone (the FFI channel) have one number. Ratios compare',
  'across machines, absolute figures do not (see the README for the machine of each session).',
  '',
  `| run | commit | rounds × workflows, scenarios | ${COLUMNS.map((column) => column.title).join(' | ')} |`,
  `|---|---|---|${COLUMNS.map(() => '---|').join('')}`,
].join('\n');

/** `2026-12-01T20:40:12.556Z` → `20261201-204012`, the name run.ts gives an invocation. */
export function runId(startedAt: string): string {
  return startedAt.replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

function cell(raw: RawResults, id: string, digits: number): string {
  const figure = raw.figures.find((candidate) => candidate.id === id);
  if (figure === undefined) return '—';
  if (figure.oursOnly !== undefined) return figure.oursOnly.median.toFixed(digits);
  const ours = median(figure.values.ours ?? []);
  const official = median(figure.values.official ?? []);
  const format = (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
  const ratio = ours / official;
  return `${format(ours)} / ${format(official)}${Number.isFinite(ratio) ? ` (${ratio.toFixed(2)}×)` : ''}`;
}

/** The table row of one invocation. */
export function historyRow(raw: RawResults): string {
  const { settings } = raw;
  const notes = [
    settings.profile ? 'profiled' : '',
    raw.failures.length > 0 ? `${raw.failures.length} failed` : '',
  ].filter(Boolean);
  const shape = `${settings.runs} × ${settings.workflows}, ${settings.scenarios.join('')}${settings.workers.length === 1 ? `, ${settings.workers[0]} only` : ''}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  const cells = COLUMNS.map((column) => cell(raw, column.id, column.digits));
  const commit = raw.versions.commit.replace(
    ' + uncommitted changes in packages/ or crates/',
    ' + uncommitted changes',
  );
  return `| ${runId(raw.startedAt)} | ${commit} | ${shape} | ${cells.join(' | ')} |`;
}

/** Appends the invocation's row to the history table at `path`, creating it with its header. */
export function appendHistory(path: string, raw: RawResults): void {
  if (!existsSync(path)) writeFileSync(path, `${HISTORY_HEADER}\n`);
  appendFileSync(path, `${historyRow(raw)}\n`);
}
