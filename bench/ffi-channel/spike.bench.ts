/**
 * Spike: how should Rust threads hand completions to Bun's JS thread?
 *
 *   (a) callback — a `new JSCallback(fn, { threadsafe: true })` that Rust calls once per completion
 *       from its own threads;
 *   (b) queue    — the design of `crates/bridge/src/channel.rs`: Rust pushes into a queue, writes one
 *       wake byte to a Unix socket (Bun.listen) on the empty→non-empty transition, and JS drains
 *       the queue in batches of 4-f64 entries with a synchronous FFI call.
 *
 * Both run the same work in `spike/` (a standalone cdylib): N requests submitted from JS, each
 * answered by one of a few std threads with a Rust-owned payload that JS copies out and frees.
 *
 * Every measurement runs in its own `bun` subprocess, so a crash of one mechanism cannot take the
 * report down, and each run starts from a fresh heap. Mechanisms alternate within every round.
 *
 *   cd bench/ffi-channel && ../../.tools/bun/node_modules/.bin/bun run spike.bench.ts [options]
 *
 * Options: --runs 5  --n 100000  --in-flight 1000  --threads 4  --payload 32  --max-delay-us 50
 *          --scenarios bounded,burst,bounded-delay  --json results.json  --no-probes
 *          --stress-runs 10  --stress-n 1000000  (0 runs = skip the stress phase)
 */
import { JSCallback, dlopen, ptr, toArrayBuffer, type Pointer } from 'bun:ffi';
import type { Socket } from 'bun';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const HERE = import.meta.dir;
const SPIKE_DIR = join(HERE, 'spike');
const LIBRARY = join(
  SPIKE_DIR,
  'target',
  'release',
  process.platform === 'darwin' ? 'libffi_channel_spike.dylib' : 'libffi_channel_spike.so',
);
const ENTRY_WIDTH = 4;
const DRAIN_CAPACITY = 256;
const CHILD_TIMEOUT_MS = 180_000;

type Mechanism = 'callback' | 'queue';
const MECHANISMS: Mechanism[] = ['callback', 'queue'];

interface Scenario {
  name: string;
  /** 0 = unbounded burst: every request is submitted before JS yields to the event loop. */
  inFlight: number;
  maxDelayUs: number;
  description: string;
}

interface Options {
  runs: number;
  n: number;
  inFlight: number;
  threads: number;
  payload: number;
  maxDelayUs: number;
  scenarios: string[];
  json?: string;
  probes: boolean;
  /** Allocate short-lived garbage in every completion handler (GC pressure on the JS thread). */
  churn: boolean;
  /** Extra subprocess runs of each mechanism under --churn, counting crashes. */
  stressRuns: number;
  stressN: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    runs: 5,
    n: 100_000,
    inFlight: 1000,
    threads: 4,
    payload: 32,
    maxDelayUs: 50,
    scenarios: ['bounded', 'burst', 'bounded-delay'],
    probes: true,
    churn: false,
    stressRuns: 10,
    stressN: 1_000_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--runs':
        options.runs = Number(value());
        break;
      case '--n':
        options.n = Number(value());
        break;
      case '--in-flight':
        options.inFlight = Number(value());
        break;
      case '--threads':
        options.threads = Number(value());
        break;
      case '--payload':
        options.payload = Number(value());
        break;
      case '--max-delay-us':
        options.maxDelayUs = Number(value());
        break;
      case '--scenarios':
        options.scenarios = value().split(',');
        break;
      case '--json':
        options.json = value();
        break;
      case '--no-probes':
        options.probes = false;
        break;
      case '--churn':
        options.churn = true;
        break;
      case '--stress-runs':
        options.stressRuns = Number(value());
        break;
      case '--stress-n':
        options.stressN = Number(value());
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}

function scenarios(options: Options): Scenario[] {
  const all: Scenario[] = [
    {
      name: 'bounded',
      inFlight: options.inFlight,
      maxDelayUs: 0,
      description: `${options.inFlight} in flight, no delay`,
    },
    { name: 'burst', inFlight: 0, maxDelayUs: 0, description: `all ${options.n} submitted at once, no delay` },
    {
      name: 'bounded-delay',
      inFlight: options.inFlight,
      maxDelayUs: options.maxDelayUs,
      description: `${options.inFlight} in flight, random 0–${options.maxDelayUs} µs sleep per request`,
    },
  ];
  return options.scenarios.map((name) => {
    const found = all.find((s) => s.name === name);
    if (!found) throw new Error(`unknown scenario ${name}`);
    return found;
  });
}

// ---------------------------------------------------------------------------------------------
// The spike library
// ---------------------------------------------------------------------------------------------

const symbolTable = {
  spike_new_callback: { args: ['u32', 'u32', 'u32', 'ptr'], returns: 'ptr' },
  spike_new_queue: { args: ['u32', 'u32', 'u32', 'ptr', 'usize'], returns: 'ptr' },
  spike_submit: { args: ['ptr', 'u64'], returns: 'i32' },
  spike_submit_delayed: { args: ['ptr', 'u64', 'u32'], returns: 'i32' },
  spike_drain: { args: ['ptr', 'ptr', 'u32'], returns: 'i32' },
  spike_payload_free: { args: ['ptr', 'usize'], returns: 'void' },
  spike_stats: { args: ['ptr', 'ptr'], returns: 'void' },
  spike_free: { args: ['ptr'], returns: 'void' },
} as const;

function openSpike() {
  return dlopen(LIBRARY, symbolTable).symbols;
}
type SpikeSymbols = ReturnType<typeof openSpike>;

function newestMtime(paths: string[]): number {
  return Math.max(...paths.filter(existsSync).map((p) => statSync(p).mtimeMs));
}

function buildSpikeIfNeeded(): void {
  const sources = ['Cargo.toml', 'Cargo.lock', 'src/lib.rs'].map((p) => join(SPIKE_DIR, p));
  if (existsSync(LIBRARY) && statSync(LIBRARY).mtimeMs >= newestMtime(sources)) return;
  console.error('building spike/ (cargo build --release) …');
  const result = Bun.spawnSync(
    ['cargo', 'build', '--release', '--locked', '--manifest-path', join(SPIKE_DIR, 'Cargo.toml')],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.exitCode !== 0) throw new Error(`cargo build of spike/ failed (exit ${result.exitCode})`);
}

/** One mechanism, set up and ready to take requests. `deliver` receives every completion. */
interface Transport {
  submit(id: number): void;
  /** One request that completes after exactly `delayUs` (probes). */
  submitDelayed(id: number, delayUs: number): void;
  /** While requests are outstanding: keep the process alive (or not). */
  setBusy(busy: boolean): void;
  /** JS-side wake-ups (callback invocations or socket `data` events) and drain calls so far. */
  counters(): { wakeups: number; drains: number; rustWakeBytes: number; rustDelivered: number };
  close(): void;
  /** Closes only the JS end (JSCallback.close() / socket.terminate()); the Rust threads keep running. */
  abandon(): void;
}

type Deliver = (id: number, pointer: number, length: number) => void;

function callbackTransport(
  lib: SpikeSymbols,
  threads: number,
  maxDelayUs: number,
  payload: number,
  deliver: Deliver,
): Transport {
  let wakeups = 0;
  const callback = new JSCallback(
    (id: bigint, pointer: Pointer | null, length: bigint | number) => {
      wakeups++;
      deliver(Number(id), (pointer as number | null) ?? 0, Number(length));
    },
    { args: ['u64', 'ptr', 'usize'], returns: 'void', threadsafe: true },
  );
  const spike = lib.spike_new_callback(threads, maxDelayUs, payload, callback.ptr);
  if (!spike) throw new Error('spike_new_callback failed');
  let keepAlive: Timer | undefined;
  const stats = new Float64Array(2);
  return {
    submit(id) {
      lib.spike_submit(spike, id);
    },
    submitDelayed(id, delayUs) {
      lib.spike_submit_delayed(spike, id, delayUs);
    },
    setBusy(busy) {
      // A threadsafe JSCallback does not keep the event loop alive (see the keep-alive probe):
      // something else has to while completions are outstanding.
      if (busy && !keepAlive) keepAlive = setInterval(() => {}, 1 << 30);
      if (!busy && keepAlive) {
        clearInterval(keepAlive);
        keepAlive = undefined;
      }
    },
    counters() {
      lib.spike_stats(spike, ptr(stats));
      return { wakeups, drains: 0, rustWakeBytes: 0, rustDelivered: stats[0]! };
    },
    close() {
      this.setBusy(false);
      lib.spike_free(spike); // joins the threads: no call can reach the callback afterwards
      callback.close();
    },
    abandon() {
      this.setBusy(false);
      callback.close();
    },
  };
}

async function queueTransport(
  lib: SpikeSymbols,
  threads: number,
  maxDelayUs: number,
  payload: number,
  deliver: Deliver,
): Promise<Transport> {
  const directory = mkdtempSync(join(tmpdir(), 'spike-wake-'));
  const path = join(directory, 'wake.sock');
  let wakeups = 0;
  let drains = 0;
  let spike: Pointer | null = null;
  const buffer = new Float64Array(DRAIN_CAPACITY * ENTRY_WIDTH);
  const bufferPointer = ptr(buffer);
  const drain = () => {
    if (!spike) return;
    for (;;) {
      const written = lib.spike_drain(spike, bufferPointer, DRAIN_CAPACITY);
      drains++;
      for (let i = 0; i < written; i++) {
        const o = i * ENTRY_WIDTH;
        deliver(buffer[o]!, buffer[o + 2]!, buffer[o + 3]!);
      }
      if (written < DRAIN_CAPACITY) return;
    }
  };
  let accepted!: (socket: Socket<undefined>) => void;
  const acceptedSocket = new Promise<Socket<undefined>>((r) => (accepted = r));
  const listener = Bun.listen<undefined>({
    unix: path,
    socket: {
      open: (socket) => accepted(socket),
      data: () => {
        wakeups++;
        drain();
      },
    },
  });
  const pathBytes = new TextEncoder().encode(path);
  spike = lib.spike_new_queue(threads, maxDelayUs, payload, ptr(pathBytes), pathBytes.byteLength) as Pointer | null;
  if (!spike) throw new Error('spike_new_queue failed');
  const socket = await acceptedSocket;
  listener.stop();
  rmSync(directory, { recursive: true, force: true });
  socket.unref();
  const stats = new Float64Array(2);
  return {
    submit(id) {
      lib.spike_submit(spike!, id);
    },
    submitDelayed(id, delayUs) {
      lib.spike_submit_delayed(spike!, id, delayUs);
    },
    setBusy(busy) {
      if (busy) socket.ref();
      else socket.unref();
    },
    counters() {
      lib.spike_stats(spike!, ptr(stats));
      return { wakeups, drains, rustWakeBytes: stats[1]!, rustDelivered: stats[0]! };
    },
    close() {
      socket.unref();
      socket.terminate();
      lib.spike_free(spike!);
      spike = null;
    },
    abandon() {
      socket.unref();
      socket.terminate();
      spike = null; // never drained again; the Rust side keeps running and writing
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Child: one measured run of one mechanism in one scenario
// ---------------------------------------------------------------------------------------------

interface RunResult {
  mechanism: Mechanism;
  scenario: string;
  n: number;
  completed: number;
  duplicates: number;
  strays: number;
  badPayloads: number;
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  peakRssMb: number;
  jsWakeups: number;
  drainCalls: number;
  rustWakeBytes: number;
}

async function child(mechanism: Mechanism, scenario: Scenario, options: Options): Promise<void> {
  const lib = openSpike();
  // Per-run bookkeeping, reset by `runOnce`.
  let base = 0;
  let n = 0;
  let seen = new Uint8Array(1);
  let completed = 0;
  let duplicates = 0;
  let strays = 0;
  let badPayloads = 0;
  let issued = 0;
  let inFlight = 0;
  let finish: () => void = () => {};
  let transport!: Transport;
  let garbage: unknown[] = [];
  const churn = options.churn;

  const deliver: Deliver = (id, pointer, length) => {
    const index = id - base;
    if (index < 1 || index > n) strays++;
    else if (seen[index]) duplicates++;
    else {
      seen[index] = 1;
      completed++;
    }
    if (length > 0) {
      // What the SDK does with a bridge-owned buffer: copy it out, free it.
      const bytes = new Uint8Array(toArrayBuffer(pointer as Pointer, 0, length)).slice();
      lib.spike_payload_free(pointer as Pointer, length);
      const low = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
      if (low !== id % 2 ** 32 || bytes[4] !== 0 || (length > 8 && bytes[8] !== 8)) badPayloads++;
    }
    if (churn) {
      garbage.push({ id, label: `completion-${id}`, list: [id, id + 1, id + 2] });
      if (garbage.length >= 1000) garbage = [];
    }
    if (inFlight > 0 && issued < n) {
      issued++;
      transport.submit(base + issued);
    }
    if (completed === n) finish();
  };

  const runOnce = async (count: number, idBase: number) => {
    base = idBase;
    n = count;
    seen = new Uint8Array(count + 1);
    completed = duplicates = strays = badPayloads = issued = 0;
    inFlight = scenario.inFlight;
    const done = new Promise<void>((r) => (finish = r));
    transport.setBusy(true);
    const start = scenario.inFlight > 0 ? Math.min(scenario.inFlight, count) : count;
    for (let i = 0; i < start; i++) {
      issued++;
      transport.submit(base + issued);
    }
    let stallTimer: Timer | undefined;
    const stalled = new Promise<'stalled'>((r) => (stallTimer = setTimeout(() => r('stalled'), 60_000)));
    const outcome = await Promise.race([done, stalled]);
    clearTimeout(stallTimer);
    transport.setBusy(false);
    if (outcome === 'stalled') {
      throw new Error(
        `stalled: ${completed}/${count} completions after 60 s (${duplicates} duplicates, ${strays} strays)`,
      );
    }
  };

  transport =
    mechanism === 'callback'
      ? callbackTransport(lib, options.threads, scenario.maxDelayUs, options.payload, deliver)
      : await queueTransport(lib, options.threads, scenario.maxDelayUs, options.payload, deliver);

  // Warm-up (JIT, allocator, thread pool), not measured.
  await runOnce(Math.min(10_000, options.n), 1_000_000_000);
  const before = transport.counters();
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runOnce(options.n, 0);
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const rssAfter = process.memoryUsage().rss;
  const after = transport.counters();
  // Give a misbehaving mechanism the chance to deliver something twice before we check.
  await Bun.sleep(50);
  transport.close();

  const result: RunResult = {
    mechanism,
    scenario: scenario.name,
    n: options.n,
    completed,
    duplicates,
    strays,
    badPayloads,
    wallMs: t1 - t0,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    rssBeforeMb: rssBefore / 2 ** 20,
    rssAfterMb: rssAfter / 2 ** 20,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    jsWakeups: after.wakeups - before.wakeups,
    drainCalls: after.drains - before.drains,
    rustWakeBytes: after.rustWakeBytes - before.rustWakeBytes,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

// ---------------------------------------------------------------------------------------------
// Probes: keep-alive behaviour and a completion arriving after JS closed its end
// ---------------------------------------------------------------------------------------------

/**
 * `idle`: a mechanism is set up, nothing is outstanding — does the process exit by itself?
 * `pending`: one request completes after 300 ms, JS holds no timer — does the completion arrive
 *   before the process exits (the mechanism keeps the loop alive only when asked to)?
 * `late`: a request completes 200 ms after JS closed its end (JSCallback.close() / socket
 *   terminated) while the Rust threads are still running — what happens?
 */
async function probe(kind: 'idle' | 'pending' | 'late', mechanism: Mechanism, options: Options): Promise<void> {
  const lib = openSpike();
  let delivered = 0;
  let onDelivered = () => {};
  const deliver: Deliver = (_id, pointer, length) => {
    delivered++;
    if (length > 0) lib.spike_payload_free(pointer as Pointer, length);
    console.log('PROBE delivered');
    onDelivered();
  };
  process.on('exit', () => console.log(`PROBE exit delivered=${delivered}`));
  const transport =
    mechanism === 'callback'
      ? callbackTransport(lib, 1, 0, options.payload, deliver)
      : await queueTransport(lib, 1, 0, options.payload, deliver);
  switch (kind) {
    case 'idle':
      // Set up, nothing outstanding, never freed (the pool thread stays alive, idle).
      return;
    case 'pending':
      // Outstanding request, no timers. The queue transport ref()s its socket while busy (what
      // NativeRuntime does); the callback transport is deliberately *not* given its keep-alive
      // timer here: the question is whether the JSCallback itself keeps the loop alive.
      if (mechanism === 'queue') {
        transport.setBusy(true);
        onDelivered = () => transport.setBusy(false);
      }
      transport.submitDelayed(1, 300_000);
      return;
    case 'late':
      for (let id = 1; id <= 100; id++) transport.submitDelayed(id, id === 1 ? 200_000 : 1_000);
      transport.abandon();
      Bun.gc(true); // let the collector reclaim what close() released before the calls arrive
      // Keep the loop alive past the completion, so a crash (if any) happens while we watch.
      setTimeout(() => console.log('PROBE survived'), 1500);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: orchestration and report
// ---------------------------------------------------------------------------------------------

interface ChildOutcome {
  ok: boolean;
  result?: RunResult;
  exitCode: number | null;
  signal: string | null;
  problem?: string;
  stderrTail: string;
}

async function spawnChild(
  args: string[],
  timeoutMs = CHILD_TIMEOUT_MS,
): Promise<{ stdout: string; stderr: string; exitCode: number | null; signal: string | null; timedOut: boolean }> {
  const proc = Bun.spawn([process.execPath, join(HERE, 'spike.bench.ts'), ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
    cwd: HERE,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, timeoutMs);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  return {
    stdout,
    stderr,
    exitCode: proc.exitCode,
    signal: proc.signalCode === null ? null : String(proc.signalCode),
    timedOut,
  };
}

async function measure(mechanism: Mechanism, scenario: Scenario, forwarded: string[]): Promise<ChildOutcome> {
  const out = await spawnChild(['--child', mechanism, scenario.name, ...forwarded]);
  const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  const stderrTail = out.stderr.trim().split('\n').slice(-12).join('\n');
  if (!line) {
    return {
      ok: false,
      exitCode: out.exitCode,
      signal: out.signal,
      problem: out.timedOut ? 'timed out' : `no result (exit ${out.exitCode}, signal ${out.signal})`,
      stderrTail,
    };
  }
  const result = JSON.parse(line.slice('RESULT '.length)) as RunResult;
  const problems: string[] = [];
  if (result.completed !== result.n) problems.push(`${result.n - result.completed} lost`);
  if (result.duplicates) problems.push(`${result.duplicates} duplicates`);
  if (result.strays) problems.push(`${result.strays} unknown ids`);
  if (result.badPayloads) problems.push(`${result.badPayloads} corrupt payloads`);
  if (out.exitCode !== 0) problems.push(`exit ${out.exitCode} signal ${out.signal} after reporting`);
  return {
    ok: problems.length === 0,
    result,
    exitCode: out.exitCode,
    signal: out.signal,
    problem: problems.join(', ') || undefined,
    stderrTail,
  };
}

/** The knobs that shape a run, forwarded to the children. */
function childArgs(options: Options, n = options.n): string[] {
  return [
    '--n',
    String(n),
    '--in-flight',
    String(options.inFlight),
    '--threads',
    String(options.threads),
    '--payload',
    String(options.payload),
    '--max-delay-us',
    String(options.maxDelayUs),
    ...(options.churn ? ['--churn'] : []),
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: number[], digits: number): string {
  if (values.length === 0) return 'n/a';
  const f = (v: number) => v.toFixed(digits);
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

async function parent(options: Options, forwarded: string[]): Promise<void> {
  buildSpikeIfNeeded();
  const chosen = scenarios(options);
  console.log(
    `# ffi-channel spike — Bun ${Bun.version} (${Bun.revision.slice(0, 9)}), ${process.platform}/${process.arch}, ` +
      `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`,
  );
  console.log(
    `N = ${options.n} per run, ${options.threads} Rust threads, ${options.payload}-byte payload per completion, ` +
      `${options.runs} runs per cell, mechanisms alternating, one subprocess per run\n`,
  );
  const outcomes = new Map<string, ChildOutcome[]>();
  for (let round = 0; round < options.runs; round++) {
    for (const scenario of chosen) {
      const order = round % 2 === 0 ? MECHANISMS : [...MECHANISMS].reverse();
      for (const mechanism of order) {
        const outcome = await measure(mechanism, scenario, forwarded);
        const key = `${scenario.name}/${mechanism}`;
        outcomes.set(key, [...(outcomes.get(key) ?? []), outcome]);
        const r = outcome.result;
        console.error(
          `round ${round + 1}/${options.runs} ${key.padEnd(24)} ` +
            (r
              ? `${((r.wallMs * 1000) / r.n).toFixed(3)} µs/completion wall, ${(((r.cpuUserMs + r.cpuSystemMs) * 1000) / r.n).toFixed(3)} µs CPU`
              : '') +
            (outcome.ok ? '' : `  !! ${outcome.problem}\n${outcome.stderrTail}`),
        );
      }
    }
  }

  console.log(
    '| scenario | mechanism | runs ok | wall µs/completion | CPU µs/completion | RSS before → after MB | peak RSS MB | completions per JS wake-up | drain calls |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const scenario of chosen) {
    for (const mechanism of MECHANISMS) {
      const list = outcomes.get(`${scenario.name}/${mechanism}`) ?? [];
      const good = list.filter((o) => o.ok).map((o) => o.result!);
      const wall = good.map((r) => (r.wallMs * 1000) / r.n);
      const cpu = good.map((r) => ((r.cpuUserMs + r.cpuSystemMs) * 1000) / r.n);
      const rss = good.length
        ? `${median(good.map((r) => r.rssBeforeMb)).toFixed(0)} → ${median(good.map((r) => r.rssAfterMb)).toFixed(0)}`
        : 'n/a';
      const peak = good.length
        ? spread(
            good.map((r) => r.peakRssMb),
            0,
          )
        : 'n/a';
      const perWake = good.length
        ? spread(
            good.map((r) => r.n / Math.max(1, r.jsWakeups)),
            1,
          )
        : 'n/a';
      const drains =
        mechanism === 'queue' && good.length
          ? spread(
              good.map((r) => r.drainCalls),
              0,
            )
          : '—';
      console.log(
        `| ${scenario.name} | ${mechanism} | ${good.length}/${list.length} | ${spread(wall, 3)} | ${spread(cpu, 3)} | ${rss} | ${peak} | ${perWake} | ${drains} |`,
      );
    }
  }
  console.log('');
  for (const scenario of chosen) console.log(`- ${scenario.name}: ${scenario.description}`);
  const failures = [...outcomes.entries()].flatMap(([key, list]) => list.filter((o) => !o.ok).map((o) => ({ key, o })));
  console.log(`\nFailed runs: ${failures.length}`);
  for (const { key, o } of failures) {
    console.log(`- ${key}: ${o.problem}${o.stderrTail ? `\n  stderr: ${o.stderrTail.replaceAll('\n', '\n  ')}` : ''}`);
  }

  const probeReport: Record<string, string> = {};
  if (options.probes) {
    console.log('\n## Probes (one subprocess each)\n');
    console.log('| probe | callback | queue |');
    console.log('|---|---|---|');
    for (const kind of ['idle', 'pending', 'late'] as const) {
      const cells: string[] = [];
      for (const mechanism of MECHANISMS) {
        const started = performance.now();
        const out = await spawnChild(['--probe', kind, mechanism, ...forwarded], 20_000);
        const elapsed = performance.now() - started;
        const lines = out.stdout.split('\n').filter((l) => l.startsWith('PROBE '));
        const delivered = lines.filter((l) => l === 'PROBE delivered').length;
        const survived = lines.includes('PROBE survived');
        const ended = out.timedOut
          ? 'did not exit (killed after 20 s)'
          : out.signal
            ? `killed by ${out.signal}`
            : `exit ${out.exitCode}`;
        const crashed = out.signal || (out.exitCode !== 0 && !out.timedOut);
        let cell = `${ended} after ${elapsed.toFixed(0)} ms, ${delivered} delivered`;
        if (kind === 'late') cell += survived ? ', survived' : crashed ? ', **crashed**' : '';
        const panic = out.stderr.split('\n').find((l) => /panic|Segmentation|SIGSEGV|error/i.test(l));
        if (crashed && panic) cell += ` (\`${panic.trim().slice(0, 90)}\`)`;
        probeReport[`${kind}/${mechanism}`] = cell;
        cells.push(cell);
      }
      console.log(`| ${kind} | ${cells.join(' | ')} |`);
    }
    console.log('\n- idle: mechanism set up, nothing outstanding, no timers: does the process exit on its own?');
    console.log(
      '- pending: one request completing after 300 ms, no timers (queue: socket ref()ed while it is outstanding, unref()ed on delivery)',
    );
    console.log(
      '- late: 100 completions arrive 200–300 ms after JS closed its end (JSCallback.close() / socket.terminate()) while the Rust thread still runs',
    );
  }

  const stressReport: Record<string, { runs: number; ok: number; failures: string[]; results: RunResult[] }> = {};
  if (options.stressRuns > 0) {
    console.log(
      `\n## Stress: ${options.stressRuns} runs per mechanism, burst of ${options.stressN} with --churn (GC pressure in the handler)\n`,
    );
    const burst = scenarios({ ...options, scenarios: ['burst'] })[0]!;
    const stressArgs = [...childArgs(options, options.stressN), '--churn'];
    for (let round = 0; round < options.stressRuns; round++) {
      const order = round % 2 === 0 ? MECHANISMS : [...MECHANISMS].reverse();
      for (const mechanism of order) {
        const outcome = await measure(mechanism, burst, stressArgs);
        const entry = (stressReport[mechanism] ??= { runs: 0, ok: 0, failures: [], results: [] });
        entry.runs++;
        if (outcome.ok) {
          entry.ok++;
          entry.results.push(outcome.result!);
        } else
          entry.failures.push(
            `${outcome.problem}${outcome.stderrTail ? `: ${outcome.stderrTail.split('\n').slice(-3).join(' / ')}` : ''}`,
          );
        console.error(
          `stress ${round + 1}/${options.stressRuns} ${mechanism}: ${outcome.ok ? 'ok' : `!! ${outcome.problem}`}`,
        );
      }
    }
    console.log('| mechanism | runs ok | wall µs/completion | CPU µs/completion | peak RSS MB | failures |');
    console.log('|---|---|---|---|---|---|');
    for (const mechanism of MECHANISMS) {
      const entry = stressReport[mechanism]!;
      const good = entry.results;
      console.log(
        `| ${mechanism} | ${entry.ok}/${entry.runs} | ${spread(
          good.map((r) => (r.wallMs * 1000) / r.n),
          3,
        )} | ` +
          `${spread(
            good.map((r) => ((r.cpuUserMs + r.cpuSystemMs) * 1000) / r.n),
            3,
          )} | ${spread(
            good.map((r) => r.peakRssMb),
            0,
          )} | ` +
          `${entry.failures.join('; ') || 'none'} |`,
      );
    }
  }

  if (options.json) {
    writeFileSync(
      resolve(options.json),
      JSON.stringify(
        {
          bun: Bun.version,
          revision: Bun.revision,
          cpus: cpus().length,
          options,
          outcomes: Object.fromEntries(outcomes),
          probes: probeReport,
          stress: stressReport,
        },
        null,
        2,
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const [, mechanism, scenarioName, ...rest] = argv;
  const options = parseOptions(rest);
  const scenario = scenarios({ ...options, scenarios: [scenarioName!] })[0]!;
  await child(mechanism as Mechanism, scenario, options);
} else if (argv[0] === '--probe') {
  const [, kind, mechanism, ...rest] = argv;
  await probe(kind as 'idle' | 'pending' | 'late', mechanism as Mechanism, parseOptions(rest));
} else {
  const options = parseOptions(argv);
  await parent(options, childArgs(options));
}
