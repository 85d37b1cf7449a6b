/**
 * Where a workflow run's CPU time and memory go in the worker's workflow half, without a server:
 * synthetic activations of the benchmark's one-activity workflow (start → activity resolved →
 * evicted), encoded as core sends them, driven through the same steps as `WorkflowTaskLoop`
 * (proto decode → codecs → `WorkflowIsolateManager.activate` → codecs → proto encode).
 *
 *   bun run scripts/profile-workflow-runs.ts [--runs 200] [--repetitions 5] [--warmup 50]
 *       [--concurrency 1] [--reuse-v8-context] [--codec] [--anatomy | --memory | --task-loop]
 *
 * Prints, per phase, µs per run: the median over repetitions of each repetition's mean, with the
 * min–max spread. Each repetition uses a fresh manager and starts with a warm-up (JIT tiers settle
 * after about a thousand runs: `--warmup 1000 --runs 2000` shows the steady state). `--concurrency
 * K` interleaves K runs (all start, then all resolve, then all evict), so consecutive sandbox calls
 * belong to different runs. `--codec` adds a pass-through payload codec (the cost of visiting
 * payloads). `--anatomy` splits a run's first activation into its parts (per-run context mode
 * only). `--memory` keeps `--runs` runs cached and reports heap and RSS per cached run.
 * `--task-loop` drives a `WorkflowTaskLoop` instead, over an in-memory stand-in for the native
 * worker (it decodes what it hands out and encodes what it gets back, as the real one does), with
 * K runs in flight: the whole workflow side of the worker, without core and the server.
 *
 * Not a test: figures depend on the machine and on what else runs; compare medians of runs made
 * one after the other.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import vm from 'node:vm';
import { heapStats } from 'bun:jsc';
import { defaultPayloadConverter, noopMetricMeter, type Payload, type PayloadCodec } from '@temporalio/common';
import { coresdk } from '@temporalio/proto';
import Long from 'long';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { NativeError, type NativeWorkerBase } from '../src/native';
import { MetricsEmitter } from '../src/worker/metrics';
import { WorkflowTaskLoop } from '../src/worker/workflow-task-loop';
import { WorkflowActivationCodecs } from '../src/workflow/activation-codecs';
import { bundleWorkflowCode, type WorkflowBundle } from '../src/workflow/bundler';
import { WorkflowIsolateManager } from '../src/workflow/isolate-manager';
import { builtInSinks, silencedLoggerSinkCalls } from '../src/workflow/sinks';
import { createWorkflowContext, dispatchInContext, evaluateInContext } from '../src/workflow/vm-shared';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    repetitions: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '1' },
    'reuse-v8-context': { type: 'boolean', default: false },
    codec: { type: 'boolean', default: false },
    anatomy: { type: 'boolean', default: false },
    memory: { type: 'boolean', default: false },
    'task-loop': { type: 'boolean', default: false },
  },
});
const runs = Number(args.runs);
const repetitions = Number(args.repetitions);
const warmupRuns = Number(args.warmup);
const concurrency = Math.max(1, Number(args.concurrency));
const reuseV8Context = args['reuse-v8-context'];

const ActivationMessage = coresdk.workflow_activation.WorkflowActivation;
const CompletionMessage = coresdk.workflow_completion.WorkflowActivationCompletion;
const placement = { namespace: 'default', taskQueue: 'profile' };
const START_SECONDS = 1_700_000_000;
const ignore = () => undefined;
/** Silent, at a worker's default level (INFO): the workflow library's DEBUG records stay in the sandbox. */
const logger = { level: 'INFO', log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };
const builtIn = builtInSinks(logger, noopMetricMeter);
const activationOptions = { silencedLogCalls: silencedLoggerSinkCalls(builtIn, builtIn, logger)() };

/** A codec that returns its input: what remains is the cost of visiting every payload. */
class PassThroughCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }
}

function timestamp(secondsAfterStart: number) {
  return { seconds: Long.fromNumber(START_SECONDS + secondsAfterStart), nanos: 0 };
}

/** The three activations of one run, encoded as core sends them. */
function encodedActivations(runId: string): Uint8Array[] {
  const input = defaultPayloadConverter.toPayload(`input of ${runId}`);
  const start = ActivationMessage.create({
    runId,
    timestamp: timestamp(0),
    isReplaying: false,
    historyLength: 3,
    availableInternalFlags: [1, 2, 3],
    jobs: [
      {
        initializeWorkflow: {
          workflowId: `profile-${runId}`,
          workflowType: 'oneActivityWorkflow',
          arguments: [input],
          randomnessSeed: Long.fromNumber(42),
          firstExecutionRunId: runId,
          attempt: 1,
          startTime: timestamp(0),
          workflowTaskTimeout: { seconds: Long.fromNumber(10) },
          headers: {},
        },
      },
    ],
  });
  const resolveActivity = ActivationMessage.create({
    runId,
    timestamp: timestamp(1),
    isReplaying: false,
    historyLength: 9,
    jobs: [{ resolveActivity: { seq: 1, result: { completed: { result: input } } } }],
  });
  const evict = ActivationMessage.create({
    runId,
    timestamp: timestamp(1),
    jobs: [{ removeFromCache: { message: 'workflow completed', reason: 0 } }],
  });
  return [start, resolveActivity, evict].map((message) => ActivationMessage.encode(message).finish());
}

const PHASES = ['proto decode', 'codec decode', 'start', 'resolve', 'evict', 'codec encode', 'proto encode'] as const;
type Phase = (typeof PHASES)[number];
type Totals = Record<Phase | 'wall' | 'cpu', number>;

function emptyTotals(): Totals {
  return {
    'proto decode': 0,
    'codec decode': 0,
    start: 0,
    resolve: 0,
    evict: 0,
    'codec encode': 0,
    'proto encode': 0,
    wall: 0,
    cpu: 0,
  };
}

const ACTIVATION_PHASES = ['start', 'resolve', 'evict'] as const;

/** Runs `count` runs, `concurrency` at a time; returns the summed µs per phase. */
async function profileRuns(bundle: WorkflowBundle, count: number, label: string): Promise<Totals> {
  const manager = await WorkflowIsolateManager.create({ bundle, logger, reuseV8Context } as Parameters<
    typeof WorkflowIsolateManager.create
  >[0]);
  const codecs = new WorkflowActivationCodecs(args.codec ? [new PassThroughCodec()] : [], placement.namespace);
  const totals = emptyTotals();
  const batches: Uint8Array[][][] = [];
  for (let first = 0; first < count; first += concurrency) {
    const batch: Uint8Array[][] = [];
    for (let index = first; index < Math.min(count, first + concurrency); index++)
      batch.push(encodedActivations(`${label}-${index}`));
    batches.push(batch);
  }

  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (const batch of batches) {
    for (let step = 0; step < ACTIVATION_PHASES.length; step++) {
      for (const activations of batch) {
        let started = performance.now();
        const activation = ActivationMessage.decode(activations[step]!);
        let now = performance.now();
        totals['proto decode'] += now - started;

        started = now;
        const decoded = await codecs.decodeActivation(activation);
        now = performance.now();
        totals['codec decode'] += now - started;

        started = now;
        const result = await manager.activate(decoded, placement, activationOptions);
        now = performance.now();
        totals[ACTIVATION_PHASES[step]!] += now - started;
        if (result.completion.failed)
          throw new Error(`activation failed: ${result.completion.failed.failure?.message}`);

        started = now;
        const completion = await codecs.encodeCompletion(result.completion);
        if (result.evicted) codecs.forgetRun(activation.runId);
        now = performance.now();
        totals['codec encode'] += now - started;

        started = now;
        CompletionMessage.encode(completion).finish();
        totals['proto encode'] += performance.now() - started;
      }
    }
  }
  totals.wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  totals.cpu = (cpu.user + cpu.system) / 1000;
  if (manager.cachedRunCount !== 0) throw new Error(`${manager.cachedRunCount} runs still cached`);
  manager.disposeAll();
  return totals;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summary(values: number[], digits = 0): string {
  return `${median(values).toFixed(digits).padStart(8)}  [${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}]`;
}

/** Splits a run's first activation into its parts, replaying what the manager does (per-run contexts). */
function profileAnatomy(bundle: WorkflowBundle, count: number): Record<string, number[]> {
  const script = new vm.Script(bundle.code, { filename: bundle.filename });
  const hooks = { mapPosition: () => undefined, log: ignore };
  const configuration = {
    showStackTraceSources: false,
    sourceMap: { version: 3, sources: [], names: [], mappings: '' },
  };
  const timeoutMs = 5_000;
  const samples: Record<string, number[]> = {
    'context creation': [],
    'bundle evaluation': [],
    'configure+startRun': [],
    'prepare+activate': [],
    'settle (conclude)': [],
    'dispose+destroy': [],
  };
  for (let index = 0; index < count; index++) {
    const runId = `anatomy-${index}`;
    const activation = ActivationMessage.decode(encodedActivations(runId)[0]!);
    let started = performance.now();
    const { context } = createWorkflowContext(hooks);
    let now = performance.now();
    samples['context creation']!.push(now - started);
    const call = (name: string, ...callArgs: unknown[]) =>
      dispatchInContext(context, { name, args: callArgs }, timeoutMs);

    started = now;
    evaluateInContext(script, context, timeoutMs);
    now = performance.now();
    samples['bundle evaluation']!.push(now - started);

    started = now;
    call('configure', configuration);
    call('startRun', activation, placement);
    now = performance.now();
    samples['configure+startRun']!.push(now - started);

    started = now;
    // prepare runs the first batch itself.
    const batches = call('prepare', activation) as number;
    for (let batch = 1; batch < batches; batch++) call('activateBatch', batch);
    now = performance.now();
    samples['prepare+activate']!.push(now - started);

    started = now;
    while (call('settle', true) === undefined);
    now = performance.now();
    samples['settle (conclude)']!.push(now - started);

    started = now;
    call('dispose');
    call('destroy');
    samples['dispose+destroy']!.push(performance.now() - started);
  }
  return samples;
}

/**
 * `count` runs through a WorkflowTaskLoop, `concurrency` in flight: a run's next activation is
 * handed out once the previous one is completed (as core does). Returns wall and CPU ms.
 */
async function profileTaskLoop(
  bundle: WorkflowBundle,
  count: number,
  label: string,
): Promise<{ wall: number; cpu: number }> {
  const manager = await WorkflowIsolateManager.create({ bundle, logger, reuseV8Context } as Parameters<
    typeof WorkflowIsolateManager.create
  >[0]);
  const runs = Array.from({ length: count }, (_, index) => ({
    runId: `${label}-${index}`,
    activations: encodedActivations(`${label}-${index}`),
    next: 0,
  }));
  const byRunId = new Map(runs.map((run) => [run.runId, run]));
  const ready: Uint8Array[] = [];
  const waiting: ((bytes: Uint8Array | undefined) => void)[] = [];
  let started = 0;
  let finished = 0;
  const offer = (bytes: Uint8Array | undefined) => {
    const waiter = waiting.shift();
    if (waiter) waiter(bytes);
    else if (bytes) ready.push(bytes);
  };
  const startNextRun = () => {
    const run = runs[started++];
    if (run) offer(run.activations[run.next++]);
  };
  const native = {
    async nextWorkflowActivation() {
      const bytes =
        ready.shift() ??
        (finished === count
          ? undefined
          : await new Promise<Uint8Array | undefined>((resolve) => waiting.push(resolve)));
      if (bytes === undefined) throw new NativeError('SHUT_DOWN', 'all runs finished');
      return ActivationMessage.decode(bytes);
    },
    async completeWorkflowActivation(completion: coresdk.workflow_completion.IWorkflowActivationCompletion) {
      const encoded = CompletionMessage.encode(completion).finish();
      if (encoded.length === 0 || completion.failed)
        throw new Error(`activation failed: ${completion.failed?.failure?.message}`);
      const run = byRunId.get(completion.runId!)!;
      if (run.next < run.activations.length) {
        offer(run.activations[run.next++]);
      } else {
        finished++;
        if (finished === count) while (waiting.length > 0) offer(undefined);
        else startNextRun();
      }
    },
  } as unknown as NativeWorkerBase;
  const loop = new WorkflowTaskLoop(
    {
      native,
      namespace: placement.namespace,
      taskQueue: placement.taskQueue,
      dataConverter: loadDataConverter(args.codec ? { payloadCodecs: [new PassThroughCodec()] } : undefined),
      logger,
      metrics: new MetricsEmitter({ onEvent: () => undefined }),
    },
    manager,
  );
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let index = 0; index < Math.min(concurrency, count); index++) startNextRun();
  await loop.run();
  const wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  if (manager.cachedRunCount !== 0) throw new Error(`${manager.cachedRunCount} runs still cached`);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

async function profileMemory(
  bundle: WorkflowBundle,
  count: number,
): Promise<{ heapKiB: number; rssKiB: number; afterEvictionHeapKiB: number }> {
  const manager = await WorkflowIsolateManager.create({ bundle, logger, reuseV8Context } as Parameters<
    typeof WorkflowIsolateManager.create
  >[0]);
  // One run first, so that one-time costs (a shared context) are not counted per run.
  const warm = encodedActivations('memory-warm');
  for (const encoded of warm) await manager.activate(ActivationMessage.decode(encoded), placement, activationOptions);
  Bun.gc(true);
  const heapBefore = heapStats().heapSize;
  const rssBefore = process.memoryUsage().rss;
  for (let index = 0; index < count; index++) {
    await manager.activate(
      ActivationMessage.decode(encodedActivations(`memory-${index}`)[0]!),
      placement,
      activationOptions,
    );
  }
  Bun.gc(true);
  const heapCached = heapStats().heapSize;
  const rssCached = process.memoryUsage().rss;
  for (let index = 0; index < count; index++) {
    await manager.activate(
      ActivationMessage.decode(encodedActivations(`memory-${index}`)[2]!),
      placement,
      activationOptions,
    );
  }
  Bun.gc(true);
  const heapAfter = heapStats().heapSize;
  manager.disposeAll();
  return {
    heapKiB: (heapCached - heapBefore) / 1024 / count,
    rssKiB: (rssCached - rssBefore) / 1024 / count,
    afterEvictionHeapKiB: (heapAfter - heapBefore) / 1024 / count,
  };
}

const bundle = await bundleWorkflowCode({
  workflowsPath: resolve(import.meta.dir, '../tests/perf/fixtures/perf-workflows.ts'),
});
console.log(
  `one-activity workflow, ${runs} runs × ${repetitions} repetitions (after ${warmupRuns} warm-up runs), concurrency ${concurrency}, ` +
    `reuseV8Context ${reuseV8Context}, codec ${args.codec ? 'pass-through' : 'none'}; Bun ${Bun.version}`,
);

if (args.memory) {
  const samples: { heapKiB: number[]; rssKiB: number[]; afterEvictionHeapKiB: number[] } = {
    heapKiB: [],
    rssKiB: [],
    afterEvictionHeapKiB: [],
  };
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const result = await profileMemory(bundle, runs);
    samples.heapKiB.push(result.heapKiB);
    samples.rssKiB.push(result.rssKiB);
    samples.afterEvictionHeapKiB.push(result.afterEvictionHeapKiB);
  }
  console.log(`KiB per cached run (${runs} cached), median [min–max]`);
  console.log(`  JS heap              ${summary(samples.heapKiB, 1)}`);
  console.log(`  RSS                  ${summary(samples.rssKiB, 1)}`);
  console.log(`  JS heap left after eviction ${summary(samples.afterEvictionHeapKiB, 1)}`);
} else if (args['task-loop']) {
  await profileTaskLoop(bundle, warmupRuns, 'warmup');
  const samples: { wall: number[]; cpu: number[] } = { wall: [], cpu: [] };
  for (let repetition = 0; repetition < repetitions; repetition++) {
    Bun.gc(true);
    const { wall, cpu } = await profileTaskLoop(bundle, runs, `rep${repetition}`);
    samples.wall.push((wall / runs) * 1000);
    samples.cpu.push((cpu / runs) * 1000);
  }
  console.log(`WorkflowTaskLoop, ${concurrency} runs in flight: µs per run, median of repetition means [min–max]`);
  console.log(`  ${'wall'.padEnd(14)}${summary(samples.wall)}`);
  console.log(`  ${'CPU'.padEnd(14)}${summary(samples.cpu)}`);
} else if (args.anatomy) {
  profileAnatomy(bundle, warmupRuns);
  const medians: Record<string, number[]> = {};
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const [phase, values] of Object.entries(profileAnatomy(bundle, runs))) {
      (medians[phase] ??= []).push((values.reduce((sum, value) => sum + value, 0) / values.length) * 1000);
    }
  }
  console.log('first activation, anatomy: µs per run, median of repetition means [min–max]');
  for (const [phase, values] of Object.entries(medians)) console.log(`  ${phase.padEnd(22)}${summary(values)}`);
} else {
  await profileRuns(bundle, warmupRuns, 'warmup');
  const perPhase: Record<string, number[]> = {};
  for (let repetition = 0; repetition < repetitions; repetition++) {
    Bun.gc(true);
    const totals = await profileRuns(bundle, runs, `rep${repetition}`);
    for (const [phase, total] of Object.entries(totals)) (perPhase[phase] ??= []).push((total / runs) * 1000);
  }
  console.log('µs per run, median of repetition means [min–max]');
  for (const phase of PHASES) console.log(`  ${phase.padEnd(14)}${summary(perPhase[phase]!)}`);
  console.log(`  ${'wall total'.padEnd(14)}${summary(perPhase.wall!)}`);
  console.log(`  ${'CPU total'.padEnd(14)}${summary(perPhase.cpu!)}`);
}
