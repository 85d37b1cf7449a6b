/**
 * The history of invocations, one markdown table row each, in `results/history.md`: the medians of
 * the headline figures of every worker that ran, and ours against each of the others as ratios.
 * Only the latest run's raw JSON is kept (`results/latest.json`); the table is what stays of the
 * others.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { WORKER_KINDS, type WorkerKind } from './settings';
import { median } from './statistics';

/** The part of a raw results file (`results/latest.json`) the history reads. */
export interface RawResults {
  startedAt: string;
  /** `baseline`: the baseline worker's commit (BENCH_BASELINE), when it ran. */
  versions: { commit: string; baseline?: string };
  settings: { runs: number; workflows: number; scenarios: string[]; workers: WorkerKind[]; profile?: boolean };
  figures: {
    id: string;
    values: Partial<Record<WorkerKind, number[]>>;
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
  { id: 'rssPerParkedD', title: 'D: RSS KiB per cached workflow', digits: 1 },
];

const TABLE_HEADER = `| run | commit | rounds × workflows, scenarios | ${COLUMNS.map((column) => column.title).join(' | ')} |`;
const TABLE_SEPARATOR = `|---|---|---|${COLUMNS.map(() => '---|').join('')}`;

export const HISTORY_HEADER = [
  '# Benchmark history',
  '',
  'One row per `make bench` invocation, appended by `bench/run.ts`; the latest raw data is',
  '`latest.json`. Each cell: the median over the rounds of each worker that ran, in the order',
  'ours / baseline / official / Rust (the third column names them when they are not ours and',
  'official), then the ratios of ours to each of the others in the same order; figures of ours',
  'alone (the FFI channel) have one number. Ratios compare across machines, absolute figures do',
  'not (see the README for the machine of each session).',
  '',
  TABLE_HEADER,
  TABLE_SEPARATOR,
].join('\n');

/** `2026-12-01T20:40:12.556Z` → `20261201-204012`, the name run.ts gives an invocation. */
export function runId(startedAt: string): string {
  return startedAt.replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/** The workers of an invocation in the table's order (rows before the Rust worker name none: ours and official). */
function workersOf(raw: RawResults): WorkerKind[] {
  return WORKER_KINDS.filter((kind) => (raw.settings.workers ?? ['ours', 'official']).includes(kind));
}

/** `ours / official / rust (ours/official×, ours/rust×)`, for the workers that ran. */
function cell(raw: RawResults, id: string, digits: number): string {
  const figure = raw.figures.find((candidate) => candidate.id === id);
  if (figure === undefined) return '—';
  if (figure.oursOnly !== undefined) return figure.oursOnly.median.toFixed(digits);
  const kinds = workersOf(raw);
  const medians = kinds.map((kind) => median(figure.values[kind] ?? []));
  const format = (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
  const ours = median(figure.values.ours ?? []);
  const ratios = kinds
    .filter((kind) => kind !== 'ours')
    .map((kind) => ours / median(figure.values[kind] ?? []))
    .filter((ratio) => Number.isFinite(ratio))
    .map((ratio) => `${ratio.toFixed(2)}×`);
  return `${medians.map(format).join(' / ')}${ratios.length > 0 ? ` (${ratios.join(', ')})` : ''}`;
}

/** The table row of one invocation. */
export function historyRow(raw: RawResults): string {
  const { settings } = raw;
  const notes = [
    settings.profile ? 'profiled' : '',
    raw.failures.length > 0 ? `${raw.failures.length} failed` : '',
  ].filter(Boolean);
  const kinds = workersOf(raw);
  const workers =
    kinds.length === 1
      ? `, ${kinds[0]} only`
      : kinds.join(',') === 'ours,official'
        ? ''
        : `, ${kinds.map((kind) => (kind === 'baseline' ? `baseline ${raw.versions.baseline ?? '?'}` : kind)).join(' / ')}`;
  const shape = `${settings.runs} × ${settings.workflows}, ${settings.scenarios.join('')}${workers}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  const cells = COLUMNS.map((column) => cell(raw, column.id, column.digits));
  const commit = raw.versions.commit.replace(
    ' + uncommitted changes in packages/ or crates/',
    ' + uncommitted changes',
  );
  return `| ${runId(raw.startedAt)} | ${commit} | ${shape} | ${cells.join(' | ')} |`;
}

/**
 * Brings a table written before the last columns were added up to date: the header and separator
 * get the new columns, and older rows get "—" cells for them (columns are only ever appended).
 */
function withCurrentColumns(text: string): string {
  const lines = text.split('\n');
  const headerAt = lines.findIndex((line) => line.startsWith('| run | commit |'));
  if (headerAt < 0 || lines[headerAt] === TABLE_HEADER) return text;
  const cellCount = (line: string) => line.split(' | ').length;
  const wanted = cellCount(TABLE_HEADER);
  lines[headerAt] = TABLE_HEADER;
  if (lines[headerAt + 1]?.startsWith('|---')) lines[headerAt + 1] = TABLE_SEPARATOR;
  for (let i = headerAt + 2; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('| ')) continue;
    const missing = wanted - cellCount(line);
    if (missing > 0) lines[i] = `${line}${' — |'.repeat(missing)}`;
  }
  return lines.join('\n');
}

/** Appends the invocation's row to the history table at `path`, creating it with its header. */
export function appendHistory(path: string, raw: RawResults): void {
  if (!existsSync(path)) writeFileSync(path, `${HISTORY_HEADER}\n`);
  else {
    const text = readFileSync(path, 'utf8');
    const updated = withCurrentColumns(text);
    if (updated !== text) writeFileSync(path, updated);
  }
  appendFileSync(path, `${historyRow(raw)}\n`);
}
