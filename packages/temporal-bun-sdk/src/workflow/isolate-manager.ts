/**
 * WorkflowIsolateManager: a sandbox for each cached workflow run, driven by activations.
 *
 * The manager keeps the run cache, chooses the sandbox layout and takes turns in a shared context.
 * A run's sandbox is created on the activation carrying `initializeWorkflow` and lives until core
 * evicts the run (`removeFromCache`). By default (`reuseV8Context`) runs share one context in
 * which the SDK's library was evaluated once (`reusable-vm.ts`); otherwise each run has a context of
 * its own (`vm.ts`). Inside a sandbox, its runtime (`sandbox-runtime/`) drives the activation
 * algorithm; the worker only sends requests and copies answers (`vm-shared.ts`). Sink calls are
 * collected after each activation and returned with its completion; the task loop delivers them
 * outside the sandbox (see `sinks.ts`).
 *
 * @example
 * const manager = await WorkflowIsolateManager.create({ bundle, logger });
 * const { completion, sinkCalls } = await manager.activate(activation, { namespace, taskQueue });
 */
import {
  IllegalStateError,
  defaultFailureConverter,
  defaultPayloadConverter,
  type FailureConverter,
  type PayloadConverter,
} from '@temporalio/common';
import type { coresdk } from '@temporalio/proto';
import type { SinkCall, WorkflowInfo } from '@temporalio/workflow';
import Long from 'long';
import { errorMessage } from '../common/error-message';
import { type Logger, logLevelEnabled } from '../common/logger';
import {
  type ReusableWorkflowBundle,
  type WorkflowBundle,
  WorkflowBundleError,
  bundleReusableWorkflowCode,
} from './bundler';
import { ReusableWorkflowContext, SharedContextLayout } from './reusable-vm';
import { sandboxLog } from './sandbox-console';
import { type RawSourceMap, SourceMapLookup } from './source-map';
import { unhandledRejections } from './unhandled-rejections';
import { ContextPerRunLayout } from './vm';
import {
  type RunConfiguration,
  type SandboxHooks,
  type WorkflowActivationCompletion,
  WorkflowRun,
  isTimeout,
  nextMacrotask,
  takeUpPendingIo,
} from './vm-shared';
import { type WorkflowRunPlacement, workflowLogAttributes } from './workflow-info';

export { WorkflowDeadlockError } from './vm-shared';
export type { WorkflowActivationCompletion } from './vm-shared';
export type { WorkflowRunPlacement } from './workflow-info';

type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;

export interface WorkflowIsolateManagerOptions {
  /** The whole bundle: what a context per run evaluates. Needed unless `reusable` is given with `reuseV8Context`. */
  bundle?: WorkflowBundle;
  /** The bundle split for a shared context (`bundleReusableWorkflowCode`, or a prebuilt bundle's). */
  reusable?: ReusableWorkflowBundle;
  /** Receives the sandboxes' `console.*` output (not during replay) and lifecycle logs. */
  logger: Logger;
  /**
   * Longest a single synchronous call into a sandbox may run, in milliseconds. A workflow that
   * does not yield for this long (an endless loop) fails its workflow task. Default 5000.
   */
  isolateExecutionTimeoutMs?: number;
  /**
   * Activity types the worker can run. Workflows fail a local activity of another type at once
   * (outside replay). Default: any type is accepted.
   */
  registeredActivityNames?: Iterable<string>;
  /** Include source code in `__enhanced_stack_trace` answers. Default false. */
  showStackTraceSources?: boolean;
  /**
   * Convert errors raised outside workflow code (a deadlock, a disposed run) into Temporal
   * failures. Failures of workflow code are converted inside the sandbox, with the run's own
   * converters. Default: `@temporalio/common`'s default converters.
   */
  failureConverter?: FailureConverter;
  payloadConverter?: PayloadConverter;
  /**
   * Run all workflows in one shared `vm` context instead of one context per run. The SDK's library
   * is evaluated once; each run still gets fresh instances of the workflow modules (and of any
   * package they import besides the SDK's), its own globals, timers, random state and activator.
   * Much cheaper per run in CPU and memory. Needs `reusable`, or a bundle made by
   * `bundleWorkflowCode` to split; another bundle runs one context per run, with a warning.
   * Default false.
   */
  reuseV8Context?: boolean;
}

/** How the worker takes an activation's answer. */
export interface ActivationOptions {
  /**
   * The workflow logger's functions (`'debug'`…) whose calls the worker drops: the sandbox leaves
   * them out of the sink calls (see `silencedLoggerSinkCalls` in `sinks.ts`). Default: none.
   */
  silencedLogCalls?: readonly string[];
}

/** What one activation produced. */
export interface WorkflowActivationResult {
  /** For `completeWorkflowActivation`; payloads not yet encoded by codecs. */
  completion: WorkflowActivationCompletion;
  /** Sink calls the workflow made during the activation, to deliver outside the sandbox. */
  sinkCalls: SinkCall[];
  /** The run's info as its start made it (identity, placement, start time), when the run is (or was, until this eviction) cached. Sink calls carry the info of their moment. */
  workflowInfo: WorkflowInfo | undefined;
  /** True when the activation was an eviction: the run's sandbox is gone. */
  evicted: boolean;
  /** Why the activation failed (its completion is `failed`), for logs. */
  failure?: unknown;
}

const DEFAULT_ISOLATE_EXECUTION_TIMEOUT_MS = 5_000;
/** The workflow type of the start-up probe run: no module exports a function of this name. */
const PROBE_WORKFLOW_TYPE = '__temporal_bun_sdk_load_probe__';

/** The probe's failure when the workflows loaded and export functions, none of them the probe's. */
function isExpectedProbeFailure(failure: unknown): boolean {
  return errorMessage(failure).startsWith(`Failed to initialize workflow of type '${PROBE_WORKFLOW_TYPE}'`);
}

type Layout =
  | { kind: 'context-per-run'; layout: ContextPerRunLayout }
  | { kind: 'shared-context'; layout: SharedContextLayout };

export class WorkflowIsolateManager {
  readonly #options: WorkflowIsolateManagerOptions & { isolateExecutionTimeoutMs: number };
  readonly #layout: Layout;
  readonly #configuration: RunConfiguration;
  /** Source maps of the scripts evaluated in sandboxes, by script name, or how to load one on first use. */
  readonly #sourceMaps = new Map<string, SourceMapLookup | (() => SourceMapLookup | undefined) | undefined>();
  /** False while the start-up probe runs (see {@link #probeWorkflowsModule}). */
  #mapStacks = true;
  readonly #runs = new Map<string, WorkflowRun>();
  /** Shared context only: the context new runs start in. */
  #sharedContext: ReusableWorkflowContext | undefined;
  /** Shared context only: settles when the activation holding the turn is done. */
  #turn: Promise<void> = Promise.resolve();
  /** Shared context only: the run whose activation holds the turn. */
  #turnRun: WorkflowRun | undefined;

  private constructor(
    options: WorkflowIsolateManagerOptions,
    scripts: { filename: string; sourceMap: string }[],
    layout: (configuration: RunConfiguration, timeoutMs: number) => Layout,
  ) {
    const timeoutMs = options.isolateExecutionTimeoutMs ?? DEFAULT_ISOLATE_EXECUTION_TIMEOUT_MS;
    this.#options = { ...options, isolateExecutionTimeoutMs: timeoutMs };
    const showStackTraceSources = options.showStackTraceSources ?? false;
    const maps: RawSourceMap[] = [];
    for (const script of scripts) {
      if (showStackTraceSources) {
        const lookup = SourceMapLookup.fromJson(script.sourceMap);
        if (lookup === undefined) continue;
        this.#sourceMaps.set(script.filename, lookup);
        maps.push(lookup.map);
        continue;
      }
      // Read and parsed when a stack is first mapped (a megabyte of JSON for the library, and a
      // start-up maps no stack). Positions are mapped here (mappings, sources, names); the sources'
      // text serves only `__enhanced_stack_trace` with showStackTraceSources.
      this.#sourceMaps.set(script.filename, () => {
        const lookup = SourceMapLookup.fromJson(script.sourceMap);
        if (lookup !== undefined) delete lookup.map.sourcesContent;
        return lookup;
      });
    }
    this.#configuration = {
      showStackTraceSources,
      // What the sandbox's activator reads: the sources' names and text, never the mappings. It is
      // copied into every context (one per run without reuseV8Context), so it holds nothing more.
      sourceMap: showStackTraceSources ? mergeSources(maps) : mergeSources([]),
      registeredActivityNames:
        options.registeredActivityNames === undefined ? undefined : [...options.registeredActivityNames],
    };
    this.#layout = layout(this.#configuration, timeoutMs);
  }

  /**
   * Compiles the bundle and loads the workflows once, as a run does, so a bundle that cannot run
   * fails here (at worker start) rather than on the first workflow task.
   */
  static async create(options: WorkflowIsolateManagerOptions): Promise<WorkflowIsolateManager> {
    // A worker's start connects meanwhile (createWorker): its answers are taken up between the
    // steps here, each of which holds this thread for milliseconds.
    await takeUpPendingIo();
    let manager: WorkflowIsolateManager;
    const reusable = options.reuseV8Context ? (options.reusable ?? (await splitForSharedContext(options))) : undefined;
    if (reusable !== undefined) {
      manager = new WorkflowIsolateManager(options, [reusable.library, reusable.runModules], () => ({
        kind: 'shared-context',
        layout: new SharedContextLayout(reusable),
      }));
      try {
        manager.#sharedContext = manager.#newSharedContext();
      } catch (cause) {
        throw new WorkflowBundleError(
          `the workflow bundle ${reusable.library.filename} failed to evaluate: ${errorMessage(cause)}`,
          [],
          { cause },
        );
      }
    } else {
      const bundle = options.bundle;
      if (bundle === undefined)
        throw new IllegalStateError('WorkflowIsolateManager needs a bundle to run a context per run');
      manager = new WorkflowIsolateManager(options, [bundle], (configuration, timeoutMs) => ({
        kind: 'context-per-run',
        layout: new ContextPerRunLayout(bundle, configuration, timeoutMs),
      }));
    }
    await takeUpPendingIo();
    manager.#probeWorkflowsModule();
    return manager;
  }

  /**
   * Loads the workflows once as a run does (`initRuntime`, for a workflow type that no module
   * exports), so that a module that throws or never returns while loading, or that exports no
   * function, fails the worker's start with a {@link WorkflowBundleError} instead of every
   * workflow task later.
   */
  #probeWorkflowsModule(): void {
    // The expected failure's stack is of no use, and mapping it would decode most of the library's
    // source map (~17 ms at start-up); an unexpected failure is probed again with mapped stacks.
    this.#mapStacks = false;
    let failure: unknown;
    try {
      failure = this.#probeFailure();
    } finally {
      this.#mapStacks = true;
    }
    // Loaded, and exports functions: just not one named for the probe.
    if (failure === undefined || isExpectedProbeFailure(failure)) return;
    // Again for a stack that names the workflows' own lines (not after a deadlock: that is slow
    // to repeat, and its context is retired).
    if (!isTimeout(failure)) failure = this.#probeFailure() ?? failure;
    if (isExpectedProbeFailure(failure)) return;
    const bundleName =
      this.#options.bundle?.filename ?? this.#options.reusable?.library.filename ?? 'the workflow bundle';
    throw new WorkflowBundleError(`the workflows failed to load (${bundleName}): ${errorMessage(failure)}`, [], {
      cause: failure,
    });
  }

  /** One probe run: what its start failed with, or undefined when it started (a workflow of that name exists). */
  #probeFailure(): unknown {
    const runId = `${PROBE_WORKFLOW_TYPE}-${crypto.randomUUID()}`;
    const initialize: coresdk.workflow_activation.IInitializeWorkflow = {
      workflowType: PROBE_WORKFLOW_TYPE,
      workflowId: PROBE_WORKFLOW_TYPE,
      firstExecutionRunId: runId,
      randomnessSeed: Long.fromNumber(0),
      attempt: 1,
      startTime: { seconds: Long.fromNumber(Math.floor(Date.now() / 1000)) },
      workflowTaskTimeout: { seconds: Long.fromNumber(10) },
    };
    // A plain object, as the sandbox takes any activation (the protobuf classes are built later,
    // while the worker's first polls are out).
    const activation = {
      runId,
      timestamp: initialize.startTime,
      jobs: [{ initializeWorkflow: initialize }],
    } as coresdk.workflow_activation.WorkflowActivation;
    let failure: unknown;
    let run: WorkflowRun | undefined;
    try {
      run = this.#newRun(activation, { namespace: PROBE_WORKFLOW_TYPE, taskQueue: PROBE_WORKFLOW_TYPE });
      const started = run.start(activation, initialize, {
        namespace: PROBE_WORKFLOW_TYPE,
        taskQueue: PROBE_WORKFLOW_TYPE,
      });
      if ('failure' in started) failure = started.failure;
    } catch (error) {
      failure = error;
    }
    try {
      if (failure === undefined) run?.dispose();
      else run?.forget();
    } catch {
      // The probe's disposal is of no interest.
    }
    return failure;
  }

  /** Number of runs with a live sandbox. */
  get cachedRunCount(): number {
    return this.#runs.size;
  }

  /** The info of a cached run. */
  workflowInfo(runId: string): WorkflowInfo | undefined {
    return this.#runs.get(runId)?.info;
  }

  /**
   * Runs one (codec-decoded) activation and returns its completion. Never rejects: a failure
   * becomes a failed completion (a failed workflow *task*; core evicts the run and the server
   * retries it), which is how non-determinism and bugs in workflow code surface.
   */
  async activate(
    activation: WorkflowActivation,
    placement: WorkflowRunPlacement,
    options: ActivationOptions = {},
  ): Promise<WorkflowActivationResult> {
    if (this.#layout.kind === 'context-per-run') return this.#activate(activation, placement, options);
    // One activation at a time in the shared context, until the macrotask after its last call:
    // every run's promises have the same constructor there, so an unhandled rejection (reported
    // at the end of the macrotask) can only be told apart by when it happens.
    const previous = this.#turn;
    let release!: () => void;
    this.#turn = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      const result = await this.#activate(activation, placement, options);
      // Disposal may reject promises too; they are reported (and ignored) before the next turn.
      if (result.evicted) await nextMacrotask();
      return result;
    } finally {
      this.#turnRun = undefined;
      release();
    }
  }

  async #activate(
    activation: WorkflowActivation,
    placement: WorkflowRunPlacement,
    options: ActivationOptions,
  ): Promise<WorkflowActivationResult> {
    const runId = activation.runId;
    const eviction = activation.jobs.find((job) => job.removeFromCache)?.removeFromCache;
    const jobs = activation.jobs.filter((job) => !job.removeFromCache);
    let run = this.#runs.get(runId);

    if (jobs.length === 0) {
      if (!eviction) return this.#failed(runId, run, new IllegalStateError(`activation of run ${runId} has no jobs`));
      const workflowInfo = run?.info;
      this.#turnRun = run;
      this.#evict(runId, eviction.message ?? '');
      return { completion: { runId, successful: {} }, sinkCalls: [], workflowInfo, evicted: true };
    }

    if (run === undefined) {
      const initialize = jobs.find((job) => job.initializeWorkflow)?.initializeWorkflow;
      if (!initialize) {
        return this.#failed(
          runId,
          undefined,
          new IllegalStateError(`activation of run ${runId}, which is not cached, has no initializeWorkflow job`),
        );
      }
      try {
        run = this.#newRun(activation, placement);
        this.#turnRun = run;
        const started = run.start(activation, initialize, placement);
        if ('failure' in started) {
          run.forget();
          return {
            completion: started.completion,
            sinkCalls: [],
            workflowInfo: undefined,
            evicted: false,
            failure: started.failure,
          };
        }
      } catch (error) {
        run?.forget();
        return this.#failed(runId, undefined, error);
      }
      this.#runs.set(runId, run);
      const logger = this.#options.logger;
      if (logLevelEnabled(logger, 'DEBUG')) logger.debug('Workflow run cached', workflowLogAttributes(run.info));
    }

    this.#turnRun = run;
    let outcome: Awaited<ReturnType<WorkflowRun['activate']>>;
    try {
      outcome = await run.activate(
        jobs.length === activation.jobs.length ? activation : ({ ...activation, jobs } as WorkflowActivation),
        options.silencedLogCalls ?? [],
      );
    } catch (error) {
      // Outside workflow code: a deadlock, a disposed run.
      const result = this.#failed(runId, run, error);
      if (eviction) this.#evict(runId, eviction.message ?? '');
      return { ...result, evicted: eviction !== undefined };
    }
    const workflowInfo = run.info;
    if (eviction) this.#evict(runId, eviction.message ?? '');
    return {
      completion: outcome.completion,
      sinkCalls: outcome.sinkCalls,
      workflowInfo,
      evicted: eviction !== undefined,
      ...(outcome.failure === undefined ? {} : { failure: outcome.failure }),
    };
  }

  /** Disposes every cached run (at worker shutdown, once core will send no more activations). */
  disposeAll(): void {
    for (const runId of [...this.#runs.keys()]) this.#evict(runId, 'worker shut down');
    const context = this.#sharedContext;
    this.#sharedContext = undefined;
    try {
      context?.destroy();
    } catch (error) {
      this.#options.logger.warn('Destroying the shared workflow context failed', { error });
    }
  }

  /** A run (not started yet) with its sandbox: a new context, or a place in the shared one. */
  #newRun(activation: WorkflowActivation, placement: WorkflowRunPlacement): WorkflowRun {
    const info = provisionalInfo(activation, placement);
    const layout = this.#layout;
    if (layout.kind === 'shared-context') {
      const context = this.#sharedContextForNewRun();
      return new WorkflowRun(info, () => context.newRun());
    }
    let run: WorkflowRun | undefined;
    return (run = new WorkflowRun(info, (owner) =>
      layout.layout.newSandbox(
        owner,
        this.#hooks(() => run),
      ),
    ));
  }

  #sourceMap(file: string): SourceMapLookup | undefined {
    let lookup = this.#sourceMaps.get(file);
    if (typeof lookup === 'function') {
      lookup = lookup();
      this.#sourceMaps.set(file, lookup);
    }
    return lookup;
  }

  #hooks(currentRun: () => WorkflowRun | undefined): SandboxHooks {
    return {
      mapPosition: (file, line, column) =>
        this.#mapStacks ? this.#sourceMap(file)?.originalPositionFor(line, column) : undefined,
      log: sandboxLog(this.#options.logger, currentRun),
    };
  }

  /** The shared context, or a new one when it was retired (after a deadlock) or destroyed. */
  #sharedContextForNewRun(): ReusableWorkflowContext {
    let context = this.#sharedContext;
    if (context === undefined || !context.acceptsNewRuns) {
      context = this.#newSharedContext();
      this.#sharedContext = context;
    }
    return context;
  }

  #newSharedContext(): ReusableWorkflowContext {
    const layout = this.#layout;
    if (layout.kind !== 'shared-context') throw new IllegalStateError('this manager runs one context per workflow run');
    const context = ReusableWorkflowContext.create(
      layout.layout,
      this.#configuration,
      this.#hooks(() => this.#turnRun),
      {
        timeoutMs: this.#options.isolateExecutionTimeoutMs,
        onDestroyed: (destroyed) => unhandledRejections.unregister(destroyed.intrinsicPromise),
      },
    );
    unhandledRejections.register(context.intrinsicPromise, () => this.#turnRun);
    return context;
  }

  #evict(runId: string, reason: string): void {
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    this.#runs.delete(runId);
    try {
      run.dispose();
    } catch (error) {
      this.#options.logger.warn('Disposing an evicted workflow run failed', {
        ...workflowLogAttributes(run.info),
        error,
      });
    }
    const logger = this.#options.logger;
    if (logLevelEnabled(logger, 'DEBUG'))
      logger.debug('Workflow run evicted', { ...workflowLogAttributes(run.info), reason });
  }

  #failed(runId: string, run: WorkflowRun | undefined, error: unknown): WorkflowActivationResult {
    return {
      completion: { runId, failed: { failure: this.#errorToFailure(error) } },
      sinkCalls: [],
      workflowInfo: run?.info,
      evicted: false,
      failure: error,
    };
  }

  #errorToFailure(error: unknown) {
    const failureConverter = this.#options.failureConverter ?? defaultFailureConverter;
    const payloadConverter = this.#options.payloadConverter ?? defaultPayloadConverter;
    try {
      return failureConverter.errorToFailure(error, payloadConverter);
    } catch (conversionError) {
      // A failure must still reach core, or the workflow task would hang until its timeout.
      return {
        message: `${errorMessage(error)} (and converting it to a failure threw: ${errorMessage(conversionError)})`,
      };
    }
  }
}

/** The little the worker knows of a run before the sandbox has built its info (for logs). */
function provisionalInfo(activation: WorkflowActivation, placement: WorkflowRunPlacement): WorkflowInfo {
  const initialize = activation.jobs.find((job) => job.initializeWorkflow)?.initializeWorkflow;
  return {
    workflowId: initialize?.workflowId ?? '',
    runId: activation.runId,
    workflowType: initialize?.workflowType ?? '',
    namespace: placement.namespace,
    taskQueue: placement.taskQueue,
  } as WorkflowInfo;
}

/**
 * Splits the bundle for a shared context; `undefined` (after a warning) when it cannot be split,
 * so that the worker still runs, one context per run.
 */
async function splitForSharedContext(
  options: WorkflowIsolateManagerOptions,
): Promise<ReusableWorkflowBundle | undefined> {
  if (options.bundle === undefined) return undefined;
  try {
    return await bundleReusableWorkflowCode(options.bundle);
  } catch (error) {
    if (!(error instanceof WorkflowBundleError)) throw error;
    options.logger.warn(`reuseV8Context is set, but ${error.message}; running one context per workflow run instead`, {
      error,
    });
    return undefined;
  }
}

/** The sources of several maps, as one map without mappings (what `__enhanced_stack_trace` reads). */
function mergeSources(maps: RawSourceMap[]): RawSourceMap {
  const merged: RawSourceMap = { version: 3, sources: [], names: [], sourcesContent: [], mappings: '' };
  for (const map of maps) {
    merged.sources.push(...map.sources);
    merged.sourcesContent!.push(...map.sources.map((_, index) => map.sourcesContent?.[index] ?? null));
  }
  return merged;
}
