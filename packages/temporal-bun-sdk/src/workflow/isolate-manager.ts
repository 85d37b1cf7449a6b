/**
 * WorkflowIsolateManager: a sandbox for each cached workflow run, driven by activations.
 *
 * A run's sandbox is created on the activation carrying `initializeWorkflow` and lives until core
 * evicts the run (`removeFromCache`). By default it is a `vm` context of its own, in which the
 * whole bundle is evaluated. With `reuseV8Context`, runs share one context in which the SDK's
 * library was evaluated once; each run gets fresh instances of the workflow modules and its own
 * globals (see `reusable-context.ts`), and activations take turns in it. Every call into a sandbox
 * is synchronous: `vm` contexts here use `microtaskMode: 'afterEvaluate'`, so the workflow's
 * microtasks have all run by the time a call returns, and no promise created inside a sandbox is
 * ever awaited outside it. The activation algorithm follows `@temporalio/workflow`'s worker
 * interface contract: queries alone, patches and the random seed first, signals in their own batch
 * unless the run's SDK flags say otherwise, blocked conditions re-evaluated until none unblocks.
 * Sink calls are collected after each activation and returned with its completion; the task loop
 * delivers them outside the sandbox (see `sinks.ts`).
 *
 * @example
 * const manager = await WorkflowIsolateManager.create({ bundle, logger });
 * const { completion, sinkCalls } = await manager.activate(activation, { namespace, taskQueue });
 */
import { format } from 'node:util';
import vm from 'node:vm';
import {
  IllegalStateError,
  defaultFailureConverter,
  defaultPayloadConverter,
  type FailureConverter,
  type PayloadConverter,
} from '@temporalio/common';
import { coresdk } from '@temporalio/proto';
import type { SinkCall, WorkflowInfo } from '@temporalio/workflow';
import { SdkFlags } from '@temporalio/workflow/lib/flags';
import Long from 'long';
import { logLevelEnabled, type Logger } from '../common/logger';
import {
  WorkflowBundleError,
  bundleReusableWorkflowCode,
  type ReusableWorkflowBundle,
  type WorkflowBundle,
} from './bundler';
import { ReusableWorkflowContext, type ReusableContextRun } from './reusable-context';
import { createSandbox, type SandboxConsole, type SandboxConsoleLevel, type SandboxHooks } from './sandbox';
import { SourceMapLookup, type RawSourceMap } from './source-map';
import {
  activationInfoFields,
  activationTimeMs,
  workflowInfoFromActivation,
  workflowLogAttributes,
  type WorkflowRunPlacement,
} from './workflow-info';
import { errorMessage } from '../common/error-message';

type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;
type WorkflowActivationJob = coresdk.workflow_activation.IWorkflowActivationJob;
export type WorkflowActivationCompletion = coresdk.workflow_completion.IWorkflowActivationCompletion;

export type { WorkflowRunPlacement } from './workflow-info';

export interface WorkflowIsolateManagerOptions {
  bundle: WorkflowBundle;
  /** `bundle` already split for a shared context (a prebuilt bundle carries it); else split here when needed. */
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
   * Convert errors that escape a sandbox (failed workflow tasks) into Temporal failures.
   * Default: `@temporalio/common`'s default converters.
   */
  failureConverter?: FailureConverter;
  payloadConverter?: PayloadConverter;
  /**
   * Run all workflows in one shared `vm` context instead of one context per run. The SDK's library
   * is evaluated once; each run still gets fresh instances of the workflow modules (and of any
   * package they import besides the SDK's), its own globals, timers, random state and activator.
   * Much cheaper per run in CPU and memory. Shared built-in objects (`Math`, `JSON`, …) are frozen,
   * and activations take turns in the context (so that an unhandled rejection is charged to the
   * right run). Needs a bundle made by `bundleWorkflowCode`, or `reusable`; another bundle runs one
   * context per run, with a warning. Default false.
   */
  reuseV8Context?: boolean;
}

/** What one activation produced. */
export interface WorkflowActivationResult {
  /** For `completeWorkflowActivation`; payloads not yet encoded by codecs. */
  completion: WorkflowActivationCompletion;
  /** Sink calls the workflow made during the activation, to deliver outside the sandbox. */
  sinkCalls: SinkCall[];
  /** The run's info after the activation, when the run is (or was, until this eviction) cached. */
  workflowInfo: WorkflowInfo | undefined;
  /** True when the activation was an eviction: the run's sandbox is gone. */
  evicted: boolean;
  /** Why the activation failed (its completion is `failed`), for logs. */
  failure?: unknown;
}

/** Workflow code ran for longer than `isolateExecutionTimeoutMs` without yielding. */
export class WorkflowDeadlockError extends Error {
  override readonly name = 'WorkflowDeadlockError';
}

/** A promise created by workflow code was rejected and nothing handled the rejection. */
export class WorkflowUnhandledRejectionError extends Error {
  override readonly name = 'WorkflowUnhandledRejectionError';
}

const DEFAULT_ISOLATE_EXECUTION_TIMEOUT_MS = 5_000;
/** The workflow type of the start-up probe run: no module exports a function of this name. */
const PROBE_WORKFLOW_TYPE = '__temporal_bun_sdk_load_probe__';

/** A set that contains every name: the default when the worker's activity names are unknown. */
class AnyActivityName extends Set<string> {
  override has(): boolean {
    return true;
  }
}

/** How runs execute: a context each (the whole bundle evaluated in it), or one shared context. */
type SandboxLayout =
  | { kind: 'context-per-run'; bundleScript: vm.Script }
  | { kind: 'shared-context'; bundle: ReusableWorkflowBundle; scripts: { library: vm.Script; runModules: vm.Script } };

export class WorkflowIsolateManager {
  readonly #options: Required<
    Pick<WorkflowIsolateManagerOptions, 'isolateExecutionTimeoutMs' | 'showStackTraceSources'>
  > &
    WorkflowIsolateManagerOptions;
  readonly #layout: SandboxLayout;
  /** Source maps of the scripts evaluated in sandboxes, by script name. */
  readonly #sourceMaps = new Map<string, SourceMapLookup>();
  /** What `initRuntime` receives as `sourceMap`: the sources shown by `__enhanced_stack_trace`. */
  readonly #stackTraceSources: RawSourceMap;
  readonly #registeredActivityNames: Set<string>;
  readonly #runs = new Map<string, WorkflowRun>();
  /** Shared context only: the context new runs start in. */
  #sharedContext: ReusableWorkflowContext<WorkflowRun> | undefined;
  /** Shared context only: settles when the activation holding the turn is done. */
  #turn: Promise<void> = Promise.resolve();
  /** Shared context only: the run whose activation holds the turn. */
  #turnRunId: string | undefined;

  private constructor(options: WorkflowIsolateManagerOptions, layout: SandboxLayout) {
    this.#options = {
      ...options,
      isolateExecutionTimeoutMs: options.isolateExecutionTimeoutMs ?? DEFAULT_ISOLATE_EXECUTION_TIMEOUT_MS,
      showStackTraceSources: options.showStackTraceSources ?? false,
    };
    this.#layout = layout;
    const scripts =
      layout.kind === 'shared-context' ? [layout.bundle.library, layout.bundle.runModules] : [options.bundle];
    const maps: RawSourceMap[] = [];
    for (const script of scripts) {
      const lookup = SourceMapLookup.fromJson(script.sourceMap);
      if (lookup === undefined) continue;
      this.#sourceMaps.set(script.filename, lookup);
      maps.push(lookup.map);
    }
    this.#stackTraceSources = maps.length === 1 ? maps[0]! : mergeSources(maps);
    this.#registeredActivityNames =
      options.registeredActivityNames === undefined ? new AnyActivityName() : new Set(options.registeredActivityNames);
  }

  /**
   * Compiles the bundle and evaluates it once (in a scratch sandbox, or in the shared context), so
   * a bundle that cannot run fails here (at worker start) rather than on the first workflow task.
   */
  static async create(options: WorkflowIsolateManagerOptions): Promise<WorkflowIsolateManager> {
    if (options.reuseV8Context) {
      const reusable = options.reusable ?? (await splitForSharedContext(options));
      if (reusable !== undefined) {
        const manager = new WorkflowIsolateManager(options, {
          kind: 'shared-context',
          bundle: reusable,
          scripts: {
            library: new vm.Script(reusable.library.code, { filename: reusable.library.filename }),
            runModules: new vm.Script(reusable.runModules.code, { filename: reusable.runModules.filename }),
          },
        });
        try {
          manager.#sharedContext = manager.#newSharedContext();
        } catch (cause) {
          throw new IllegalStateError(
            `the workflow bundle ${options.bundle.filename} failed to evaluate: ${errorMessage(cause)}`,
            { cause },
          );
        }
        manager.#probeWorkflowsModule();
        return manager;
      }
    }
    const bundleScript = new vm.Script(options.bundle.code, { filename: options.bundle.filename });
    const manager = new WorkflowIsolateManager(options, { kind: 'context-per-run', bundleScript });
    const probe = createSandbox(manager.#sandboxHooks(() => undefined));
    try {
      bundleScript.runInContext(probe.context, { timeout: manager.#options.isolateExecutionTimeoutMs });
    } catch (cause) {
      throw new IllegalStateError(
        `the workflow bundle ${options.bundle.filename} failed to evaluate: ${errorMessage(cause)}`,
        {
          cause,
        },
      );
    }
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
    const activation = coresdk.workflow_activation.WorkflowActivation.create({
      runId,
      timestamp: initialize.startTime,
      jobs: [{ initializeWorkflow: initialize }],
    });
    let run: WorkflowRun;
    try {
      run = this.#startRun(activation, initialize, { namespace: PROBE_WORKFLOW_TYPE, taskQueue: PROBE_WORKFLOW_TYPE });
    } catch (error) {
      // Loaded, and exports functions: just not one named for the probe. (The error comes from the
      // sandbox's realm, so it is recognised by its message, not by instanceof.)
      if (errorMessage(error).startsWith(`Failed to initialize workflow of type '${PROBE_WORKFLOW_TYPE}'`)) return;
      throw new WorkflowBundleError(
        `the workflows failed to load (${this.#options.bundle.filename}): ${errorMessage(error)}`,
        [],
        { cause: error },
      );
    }
    run.dispose(); // it loaded, with a default export that is a function
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
  async activate(activation: WorkflowActivation, placement: WorkflowRunPlacement): Promise<WorkflowActivationResult> {
    if (this.#layout.kind === 'context-per-run') return this.#activate(activation, placement);
    // One activation at a time in the shared context, until the macrotask after its last call:
    // every run's promises have the same constructor there, so an unhandled rejection (reported
    // at the end of the macrotask) can only be told apart by when it happens.
    const previous = this.#turn;
    let release!: () => void;
    this.#turn = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#turnRunId = activation.runId;
    try {
      const result = await this.#activate(activation, placement);
      // Disposal may reject promises too; they are reported (and ignored) before the next turn.
      if (result.evicted) await nextMacrotask();
      return result;
    } finally {
      this.#turnRunId = undefined;
      release();
    }
  }

  async #activate(activation: WorkflowActivation, placement: WorkflowRunPlacement): Promise<WorkflowActivationResult> {
    const runId = activation.runId;
    const eviction = activation.jobs.find((job) => job.removeFromCache)?.removeFromCache;
    const jobs = activation.jobs.filter((job) => !job.removeFromCache);
    let run = this.#runs.get(runId);

    if (jobs.length === 0) {
      if (!eviction) return this.#failed(runId, run, new IllegalStateError(`activation of run ${runId} has no jobs`));
      const workflowInfo = run?.info;
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
        run = this.#startRun(activation, initialize, placement);
      } catch (error) {
        return this.#failed(runId, undefined, error);
      }
      this.#runs.set(runId, run);
    }

    const activated = await run.activate(
      jobs.length === activation.jobs.length
        ? activation
        : coresdk.workflow_activation.WorkflowActivation.fromObject({ ...activation, jobs }),
    );
    const sinkCalls = run.takeSinkCalls();
    const workflowInfo = run.info;
    if (eviction) this.#evict(runId, eviction.message ?? '');
    if ('failure' in activated) {
      return {
        completion: { runId, failed: { failure: this.#errorToFailure(activated.failure) } },
        sinkCalls,
        workflowInfo,
        evicted: eviction !== undefined,
        failure: activated.failure,
      };
    }
    return { completion: activated.completion, sinkCalls, workflowInfo, evicted: eviction !== undefined };
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

  #startRun(
    activation: WorkflowActivation,
    initialize: coresdk.workflow_activation.IInitializeWorkflow,
    placement: WorkflowRunPlacement,
  ): WorkflowRun {
    const info = workflowInfoFromActivation(activation, initialize, placement);
    const timeout = this.#options.isolateExecutionTimeoutMs;
    const logger = this.#options.logger;
    let run: WorkflowRun;
    if (this.#layout.kind === 'shared-context') {
      const context = this.#sharedContextForNewRun();
      run = new WorkflowRun(info, (owner) => new SharedContextSandbox(context.newRun(owner)), timeout, logger);
    } else {
      const { bundleScript } = this.#layout;
      const sandbox = createSandbox(this.#sandboxHooks(() => run));
      run = new WorkflowRun(
        info,
        (owner) => new OwnContextSandbox(sandbox.context, sandbox.intrinsicPromise, owner, timeout),
        timeout,
        logger,
      );
      try {
        runWithDeadline(() => bundleScript.runInContext(sandbox.context, { timeout, displayErrors: false }), timeout);
      } catch (error) {
        run.forget();
        throw error;
      }
    }
    try {
      const activator = run.call('initRuntime', {
        info,
        randomnessSeed: Long.fromValue(initialize.randomnessSeed ?? 0).toBytes(),
        now: activationTimeMs(activation),
        showStackTraceSources: this.#options.showStackTraceSources,
        sourceMap: this.#stackTraceSources,
        getTimeOfDay: timeOfDayNs,
        registeredActivityNames: this.#registeredActivityNames,
        stackTracesEnabled: true,
      });
      run.attachActivator(activator);
    } catch (error) {
      // initRuntime disposes the workflow context itself when it fails; the sandbox is dropped.
      run.forget();
      throw error;
    }
    if (logLevelEnabled(logger, 'DEBUG')) logger.debug('Workflow run cached', workflowLogAttributes(info));
    return run;
  }

  #sandboxHooks(currentRun: () => WorkflowRun | undefined): SandboxHooks {
    const sourceMaps = this.#sourceMaps;
    return {
      mapPosition: (file, line, column) => sourceMaps.get(file)?.originalPositionFor(line, column),
      console: sandboxConsole(this.#options.logger, currentRun),
    };
  }

  /** The shared context, or a new one when it was retired (after a deadlock) or destroyed. */
  #sharedContextForNewRun(): ReusableWorkflowContext<WorkflowRun> {
    let context = this.#sharedContext;
    if (context === undefined || !context.acceptsNewRuns) {
      context = this.#newSharedContext();
      this.#sharedContext = context;
    }
    return context;
  }

  #newSharedContext(): ReusableWorkflowContext<WorkflowRun> {
    if (this.#layout.kind !== 'shared-context')
      throw new IllegalStateError('this manager runs one context per workflow run');
    let context: ReusableWorkflowContext<WorkflowRun> | undefined;
    const hooks = this.#sandboxHooks(() => context?.activeOwner);
    context = ReusableWorkflowContext.create<WorkflowRun>(this.#layout.bundle, this.#layout.scripts, hooks, {
      timeoutMs: this.#options.isolateExecutionTimeoutMs,
      onDestroyed: (destroyed) => unhandledRejections.unregister(destroyed.intrinsicPromise),
    });
    const shared = context;
    unhandledRejections.register(shared.intrinsicPromise, () => {
      const run = this.#turnRunId === undefined ? undefined : this.#runs.get(this.#turnRunId);
      return run?.sharedContext === shared ? run : undefined;
    });
    return shared;
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

/** The worker interface of `@temporalio/workflow/lib/worker-interface`, as called from outside. */
type WorkerInterfaceFunction =
  | 'initRuntime'
  | 'initialize'
  | 'activate'
  | 'concludeActivation'
  | 'tryUnblockConditions'
  | 'dispose'
  | 'destroy';

/** The parts of the sandbox's `Activator` read or called from outside (all synchronous). */
interface SandboxActivator {
  info: WorkflowInfo;
  now: number;
  sdkVersion?: string;
  mutateWorkflowInfo(update: (info: WorkflowInfo) => WorkflowInfo): void;
  addKnownFlags(flags: number[]): void;
  hasFlag(flag: unknown): boolean;
  notifyHasPatch(job: coresdk.workflow_activation.INotifyHasPatch): void;
  updateRandomSeed(job: coresdk.workflow_activation.IUpdateRandomSeed): void;
  getAndResetSinkCalls(): SinkCall[];
  workflowTaskError: unknown;
  /** The conditions (`condition()`) waiting to be true. */
  blockedConditions: { readonly size: number };
}

type RunActivation = { completion: WorkflowActivationCompletion } | { failure: unknown };

/** Where one run's workflow code executes. */
interface RunSandbox {
  /**
   * Calls a worker-interface function; returns once the sandbox's microtasks have settled.
   * `initRuntime` returns the activator it installed.
   */
  call(name: WorkerInterfaceFunction, args: unknown[]): unknown;
  /** True when the run has the context to itself (and destroys it with the run). */
  readonly ownsContext: boolean;
  /** The shared context the run executes in, if any. */
  readonly sharedContext: ReusableWorkflowContext<WorkflowRun> | undefined;
  /** Drops the run's state without calling into the sandbox. No call follows. */
  release(): void;
}

const callScript = new vm.Script('__TEMPORAL__.api[__temporal_call.name](...__temporal_call.args)', {
  filename: 'temporal-worker-call.js',
});

/** A context of the run's own, in which the whole bundle was evaluated. */
class OwnContextSandbox implements RunSandbox {
  readonly ownsContext = true;
  readonly sharedContext = undefined;
  #context: vm.Context | undefined;
  readonly #intrinsicPromise: unknown;
  readonly #timeoutMs: number;

  constructor(context: vm.Context, intrinsicPromise: unknown, run: WorkflowRun, timeoutMs: number) {
    this.#context = context;
    this.#intrinsicPromise = intrinsicPromise;
    this.#timeoutMs = timeoutMs;
    unhandledRejections.register(intrinsicPromise, () => run);
  }

  call(name: WorkerInterfaceFunction, args: unknown[]): unknown {
    const context = this.#context;
    if (context === undefined) throw new IllegalStateError('the workflow run was disposed');
    const sandboxGlobal = context as Record<string, unknown>;
    sandboxGlobal.__temporal_call = { name, args };
    try {
      // displayErrors would prepend a bundle source excerpt to the error's stack (and failure).
      const result = callScript.runInContext(context, { timeout: this.#timeoutMs, displayErrors: false });
      return name === 'initRuntime' ? sandboxGlobal.__TEMPORAL_ACTIVATOR__ : result;
    } finally {
      sandboxGlobal.__temporal_call = undefined;
    }
  }

  release(): void {
    this.#context = undefined;
    unhandledRejections.unregister(this.#intrinsicPromise);
  }
}

/** The run's place in a context shared with other runs. */
class SharedContextSandbox implements RunSandbox {
  readonly ownsContext = false;
  readonly #place: ReusableContextRun<WorkflowRun>;

  constructor(place: ReusableContextRun<WorkflowRun>) {
    this.#place = place;
  }

  get sharedContext(): ReusableWorkflowContext<WorkflowRun> {
    return this.#place.context;
  }

  call(name: WorkerInterfaceFunction, args: unknown[]): unknown {
    return this.#place.context.call(this.#place, name, args);
  }

  release(): void {
    this.#place.context.release(this.#place);
  }
}

/** One cached run: its sandbox and its activator. */
class WorkflowRun {
  readonly #info: WorkflowInfo;
  #sandbox: RunSandbox | undefined;
  #activator: SandboxActivator | undefined;
  #unhandledRejection: WorkflowUnhandledRejectionError | undefined;
  readonly #timeoutMs: number;
  readonly #logger: Logger;

  constructor(info: WorkflowInfo, sandbox: (run: WorkflowRun) => RunSandbox, timeoutMs: number, logger: Logger) {
    this.#info = info;
    this.#timeoutMs = timeoutMs;
    this.#logger = logger;
    this.#sandbox = sandbox(this);
  }

  get info(): WorkflowInfo {
    return this.#activator?.info ?? this.#info;
  }

  /** The live activator (after `initRuntime`); `undefined` once disposed. */
  get activator(): SandboxActivator | undefined {
    return this.#activator;
  }

  /** The shared context the run executes in, if any. */
  get sharedContext(): ReusableWorkflowContext<WorkflowRun> | undefined {
    return this.#sandbox?.sharedContext;
  }

  attachActivator(activator: unknown): void {
    if (!activator) throw new IllegalStateError('initRuntime did not install a workflow activator');
    this.#activator = activator as SandboxActivator;
  }

  /** Calls a worker-interface function inside the sandbox; returns once its microtasks have run. */
  call(name: WorkerInterfaceFunction, ...args: unknown[]): unknown {
    const sandbox = this.#sandbox;
    if (sandbox === undefined) throw new IllegalStateError(`workflow run ${this.#info.runId} was disposed`);
    return runWithDeadline(() => sandbox.call(name, args), this.#timeoutMs);
  }

  setUnhandledRejection(reason: unknown): void {
    const error = new WorkflowUnhandledRejectionError(
      `Unhandled promise rejection in workflow code: ${errorMessage(reason)}`,
      {
        cause: reason,
      },
    );
    // Keep the first; fail any further progress of this activation too.
    this.#unhandledRejection ??= error;
    if (this.#activator && this.#activator.workflowTaskError === undefined) this.#activator.workflowTaskError = error;
  }

  async activate(activation: WorkflowActivation): Promise<RunActivation> {
    const activator = this.#activator;
    if (activator === undefined)
      return { failure: new IllegalStateError(`workflow run ${activation.runId} was disposed`) };
    try {
      const queries = activation.jobs.filter((job) => job.queryWorkflow);
      if (queries.length > 0) {
        if (queries.length !== activation.jobs.length) {
          throw new TypeError('an activation mixes queries with other jobs, which core never sends');
        }
        return { completion: this.#activateQueries(activator, activation) };
      }

      activator.now = activationTimeMs(activation);
      const isReplaying = activation.isReplaying ?? false;
      activator.mutateWorkflowInfo((info) => ({
        ...info,
        ...activationInfoFields(activation),
        unsafe: { ...info.unsafe, isReplaying, isReplayingHistoryEvents: isReplaying },
      }));
      activator.addKnownFlags(activation.availableInternalFlags ?? []);
      if (activation.lastSdkVersion) activator.sdkVersion = activation.lastSdkVersion;

      // The run must be initialized before any other job; the job itself stays in the list, where
      // the worker interface uses it as the cue to start the workflow function.
      const initialize = activation.jobs.find((job) => job.initializeWorkflow)?.initializeWorkflow;
      if (initialize) this.call('initialize', initialize);

      // Patches (and the random seed) apply to the whole activation, so they go first and without
      // re-evaluating conditions in between.
      const [patches, rest] = partition(activation.jobs, (job) => job.notifyHasPatch != null);
      for (const { notifyHasPatch } of patches) activator.notifyHasPatch(notifyHasPatch!);

      const hasSignals = rest.some((job) => job.signalWorkflow != null);
      if (!hasSignals || activator.hasFlag(SdkFlags.ProcessWorkflowActivationJobsAsSingleBatch)) {
        const [seeds, jobs] = partition(rest, (job) => job.updateRandomSeed != null);
        const lastSeed = seeds.at(-1)?.updateRandomSeed;
        if (lastSeed) activator.updateRandomSeed(lastSeed);
        this.#activateBatch(activator, activation, jobs, 0);
      } else {
        // Histories written before the single-batch flag ran signals first, then the rest, with
        // microtasks settling in between; replaying them must do the same.
        const [signals, others] = partition(rest, (job) => job.signalWorkflow != null);
        let batchIndex = 0;
        for (const jobs of [signals, others]) {
          if (jobs.length > 0) this.#activateBatch(activator, activation, jobs, batchIndex++);
        }
      }

      const completion = this.call('concludeActivation') as WorkflowActivationCompletion;
      // Unhandled rejections are reported on the next macrotask; wait for it (outside the sandbox).
      await nextMacrotask();
      if (this.#unhandledRejection) throw this.#unhandledRejection;
      return { completion };
    } catch (error) {
      return { failure: error };
    }
  }

  #activateQueries(activator: SandboxActivator, activation: WorkflowActivation): WorkflowActivationCompletion {
    // A query is a live, read-only look at the state: console and sinks are not suppressed.
    activator.mutateWorkflowInfo((info) => ({
      ...info,
      unsafe: { ...info.unsafe, isReplaying: true, isReplayingHistoryEvents: false },
    }));
    this.call('activate', activation);
    return this.call('concludeActivation') as WorkflowActivationCompletion;
  }

  #activateBatch(
    activator: SandboxActivator,
    activation: WorkflowActivation,
    jobs: WorkflowActivationJob[],
    batchIndex: number,
  ): void {
    this.call(
      'activate',
      coresdk.workflow_activation.WorkflowActivation.fromObject({ ...activation, jobs }),
      batchIndex,
    );
    // Each call settles the sandbox's microtasks; a condition that became true may unblock code
    // that makes another condition true, so loop until nothing unblocks. With no condition waiting,
    // tryUnblockConditions would only rethrow the workflow task error captured meanwhile (nothing
    // else is queued: the last call settled everything), so that is done here, without a call.
    for (;;) {
      if (activator.blockedConditions.size === 0) {
        if (activator.workflowTaskError) throw activator.workflowTaskError;
        return;
      }
      if ((this.call('tryUnblockConditions') as number) === 0) return;
    }
  }

  takeSinkCalls(): SinkCall[] {
    try {
      return this.#activator?.getAndResetSinkCalls() ?? [];
    } catch (error) {
      this.#logger.warn('Could not collect sink calls from a workflow run', {
        ...workflowLogAttributes(this.info),
        error,
      });
      return [];
    }
  }

  /** Runs the workflow's disposal hooks, then (in a context of its own) the sandbox's, and drops the sandbox. */
  dispose(): void {
    const sandbox = this.#sandbox;
    if (sandbox === undefined) return;
    try {
      if (this.#activator) this.call('dispose');
      if (sandbox.ownsContext) this.call('destroy');
    } finally {
      this.forget();
    }
  }

  /** Drops the sandbox without calling into it. */
  forget(): void {
    this.#activator = undefined;
    const sandbox = this.#sandbox;
    this.#sandbox = undefined;
    sandbox?.release();
  }
}

/**
 * Routes unhandled rejections of sandbox promises to their run. Node-style `unhandledRejection`
 * events carry the promise; a sandbox promise's `constructor` is its context's own `Promise`,
 * which identifies the context, and the context tells the run (its only run, or in a shared
 * context the run holding the turn).
 */
const unhandledRejections = new (class UnhandledRejectionRouter {
  readonly #runsByPromiseConstructor = new Map<unknown, () => WorkflowRun | undefined>();
  /** Every sandbox's `Promise`, also after disposal: late rejections from gone runs are not foreign. */
  readonly #sandboxPromiseConstructors = new WeakSet<object>();
  #installed = false;

  register(promiseConstructor: unknown, run: () => WorkflowRun | undefined): void {
    this.#runsByPromiseConstructor.set(promiseConstructor, run);
    this.#sandboxPromiseConstructors.add(promiseConstructor as object);
    if (!this.#installed) {
      this.#installed = true;
      process.on('unhandledRejection', this.#onUnhandledRejection);
    }
  }

  unregister(promiseConstructor: unknown): void {
    this.#runsByPromiseConstructor.delete(promiseConstructor);
  }

  readonly #onUnhandledRejection = (reason: unknown, promise: Promise<unknown>): void => {
    const promiseConstructor = (promise as { constructor?: unknown } | undefined)?.constructor;
    const run = this.#runsByPromiseConstructor.get(promiseConstructor)?.();
    if (run) {
      run.setUnhandledRejection(reason);
      return;
    }
    if (typeof promiseConstructor === 'object' || typeof promiseConstructor === 'function') {
      if (this.#sandboxPromiseConstructors.has(promiseConstructor as object)) return; // the run is gone
    }
    // Not a workflow's promise. With no other listener, keep the process's default behaviour
    // (an unhandled rejection is fatal) instead of silently swallowing it.
    if (process.listenerCount('unhandledRejection') <= 1) throw reason;
  };
})();

/** Runs a synchronous sandbox call, turning the vm's timeout error into a {@link WorkflowDeadlockError}. */
function runWithDeadline<T>(call: () => T, timeoutMs: number): T {
  try {
    return call();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new WorkflowDeadlockError(
        `Potential deadlock detected: workflow code did not yield within ${timeoutMs} ms ` +
          '(isolateExecutionTimeoutMs). Look for an endless loop or a long synchronous computation.',
        { cause: error },
      );
    }
    throw error;
  }
}

/** `console.*` of a sandbox: to the worker logger, tagged with the run, silent while replaying. */
function sandboxConsole(logger: Logger, currentRun: () => WorkflowRun | undefined): SandboxConsole {
  const levels: Record<SandboxConsoleLevel, 'info' | 'warn' | 'error' | 'debug' | 'trace'> = {
    log: 'info',
    info: 'info',
    warn: 'warn',
    error: 'error',
    debug: 'debug',
    trace: 'trace',
  };
  const methods = {} as SandboxConsole;
  for (const [method, level] of Object.entries(levels) as [
    SandboxConsoleLevel,
    (typeof levels)[SandboxConsoleLevel],
  ][]) {
    methods[method] = (...args: unknown[]) => {
      const run = currentRun();
      const info = run?.activator?.info;
      if (info?.unsafe.isReplayingHistoryEvents) return;
      const attributes = info ? workflowLogAttributes(info) : {};
      logger[level](format(...args), { sdkComponent: 'workflow', ...attributes });
    };
  }
  return methods;
}

/**
 * Splits the bundle for a shared context; `undefined` (after a warning) when it cannot be split,
 * so that the worker still runs, one context per run.
 */
async function splitForSharedContext(
  options: WorkflowIsolateManagerOptions,
): Promise<ReusableWorkflowBundle | undefined> {
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

/** One source map's worth of sources (for `__enhanced_stack_trace`) from several maps. */
function mergeSources(maps: RawSourceMap[]): RawSourceMap {
  const merged: RawSourceMap = { version: 3, sources: [], names: [], sourcesContent: [], mappings: '' };
  for (const map of maps) {
    merged.sources.push(...map.sources);
    merged.sourcesContent!.push(...map.sources.map((_, index) => map.sourcesContent?.[index] ?? null));
  }
  return merged;
}

function nextMacrotask(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Wall-clock time in nanoseconds (the workflow logger orders records with it). */
function timeOfDayNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1_000)) * 1_000n;
}

function partition<T>(items: T[], predicate: (item: T) => boolean): [T[], T[]] {
  const matching: T[] = [];
  const rest: T[] = [];
  for (const item of items) (predicate(item) ? matching : rest).push(item);
  return [matching, rest];
}
