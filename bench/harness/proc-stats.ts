/**
 * What the kernel reports about a process: CPU time (`/proc/<pid>/stat`, all threads of the
 * process, including threads that already exited), CPU time per thread name
 * (`/proc/<pid>/task/<tid>/stat`) and its context switches (`/proc/<pid>/task/<tid>/status`), peak
 * and current RSS (`VmHWM`, `VmRSS` in `/proc/<pid>/status`; exact, `Rss` in `/proc/<pid>/smaps_rollup`).
 * Linux only.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of `utime`/`stime` (`getconf CLK_TCK`); 100 on Linux x86-64 and arm64. */
export const CLOCK_TICKS_PER_SECOND = readClockTicks();

function readClockTicks(): number {
  const result = Bun.spawnSync(['getconf', 'CLK_TCK'], { stdout: 'pipe', stderr: 'ignore' });
  const ticks = Number(result.stdout.toString().trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

interface StatFields {
  comm: string;
  utimeTicks: number;
  stimeTicks: number;
}

/** Parses a `stat` line: the name is in parentheses and may itself contain spaces or parentheses. */
function parseStat(text: string): StatFields {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  // After ")": field 3 (state) is index 0, so utime (field 14) is index 11 and stime (15) is 12.
  const rest = text.slice(close + 2).split(' ');
  return { comm: text.slice(open + 1, close), utimeTicks: Number(rest[11]), stimeTicks: Number(rest[12]) };
}

/** User + system CPU time of the whole process (every thread, live or exited), in milliseconds. */
export function processCpuMs(pid: number): number {
  const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return ((stat.utimeTicks + stat.stimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** One live thread: its name, CPU milliseconds and context switches (voluntary + involuntary) so far. */
export interface ThreadSample {
  name: string;
  cpuMs: number;
  switches: number;
}

/** Every live thread of `pid`, keyed by thread id. */
export function threadSamples(pid: number): Map<number, ThreadSample> {
  const threads = new Map<number, ThreadSample>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const switches =
        statusField(status, 'voluntary_ctxt_switches') + statusField(status, 'nonvoluntary_ctxt_switches');
      threads.set(Number(tid), {
        name: stat.comm,
        cpuMs: ((stat.utimeTicks + stat.stimeTicks) * 1000) / CLOCK_TICKS_PER_SECOND,
        switches,
      });
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return threads;
}

/**
 * CPU used (or context switches made, with `field` `"switches"`) between two {@link threadSamples}
 * samples, summed by thread name with trailing digits dropped (`HeapHelper3` → `HeapHelper`).
 * Threads started after `before` count from zero; threads that exited before `after` are missing
 * (the process total still has them).
 */
export function threadDelta(
  before: Map<number, ThreadSample>,
  after: Map<number, ThreadSample>,
  field: 'cpuMs' | 'switches' = 'cpuMs',
): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [tid, thread] of after) {
    const delta = thread[field] - (before.get(tid)?.[field] ?? 0);
    if (delta <= 0) continue;
    const name = thread.name.replace(/[\s#:._-]*\d+$/, '') || thread.name;
    byName[name] = (byName[name] ?? 0) + delta;
  }
  return byName;
}

export interface MemoryStatus {
  /** Peak resident set size since the process started (`VmHWM`), in MiB. */
  peakRssMiB: number;
  /** Resident set size now (`VmRSS`), in MiB. */
  rssMiB: number;
  /** Live threads (`Threads`). */
  threads: number;
}

export function memoryStatus(pid: number): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => statusField(status, name, `/proc/${pid}/status`);
  return { peakRssMiB: field('VmHWM') / 1024, rssMiB: field('VmRSS') / 1024, threads: field('Threads') };
}

/**
 * The process's resident set size now, in KiB, counted exactly: `Rss` of `/proc/<pid>/smaps_rollup`
 * walks the page tables, where `VmRSS` may lag by the per-thread counters' batches. Falls back to
 * `VmRSS` on a kernel without `smaps_rollup` (before 4.14).
 */
export function residentKiB(pid: number): number {
  try {
    return statusField(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Rss', `/proc/${pid}/smaps_rollup`);
  } catch {
    return statusField(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS', `/proc/${pid}/status`);
  }
}

/** A numeric field of a `status` file (`Name:  123 kB` → 123); throws naming `file` when absent. */
function statusField(status: string, name: string, file = 'status'): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
  if (!match) throw new Error(`${file} has no ${name}`);
  return Number(match[1]);
}

/** Child processes of `pid` (the `children` file of each of its threads), to check a worker spawned none. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        if (text) children.push(...text.split(/\s+/).map(Number));
      } catch {
        // thread gone
      }
    }
  } catch {
    // process gone
  }
  return children;
}

/** The 1, 5 and 15 minute load averages (`/proc/loadavg`). */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [one ?? NaN, five ?? NaN, fifteen ?? NaN];
}

/** Total and idle jiffies of all CPUs (`cpu` line of `/proc/stat`). */
function cpuJiffies(): { total: number; idle: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
}

/**
 * How busy the whole machine is, 0–1, over the next `ms` milliseconds. Taken while the benchmark
 * runs nothing, it says how much other work shares the machine.
 */
export async function machineBusyFraction(ms: number): Promise<number> {
  const before = cpuJiffies();
  await Bun.sleep(ms);
  const after = cpuJiffies();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : 0;
}
