/**
 * One workflow run as the sandbox drives it: started from its first activation, then activated
 * once per activation the worker receives, all inside the sandbox. The worker makes one call per
 * activation (under the deadlock deadline) and gets back plain data: the completion and the sink
 * calls (each with the run's info as of the call; the worker builds the run's starting info itself).
 * It never reads or calls the run's activator itself.
 *
 * The activation algorithm follows `@temporalio/workflow`'s worker interface contract: queries
 * alone, patches and the random seed first, signals in their own batch unless the run's SDK flags
 * say otherwise, blocked conditions re-evaluated until none unblocks. A failed activation (a failed
 * workflow *task*) is converted to a Temporal failure here, with the run's own failure converter.
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
import { SdkFlags } from '@temporalio/workflow/lib/flags';
import Long from 'long';
import type { RawSourceMap } from '../source-map';
import {
  activationInfoFields,
  activationTimeMs,
  workflowInfoFromActivation,
  type WorkflowRunPlacement,
} from '../workflow-info';
import { ArrayPrototypeIncludes, DateNow, SandboxSet, SetPrototypeAdd, append } from './primordials';

type WorkflowActivation = coresdk.workflow_activation.IWorkflowActivation;
type WorkflowActivationJob = coresdk.workflow_activation.IWorkflowActivationJob;
type WorkflowActivationCompletion = coresdk.workflow_completion.IWorkflowActivationCompletion;

/** `@temporalio/workflow/lib/worker-interface`, as the runtime calls it. */
export interface WorkerInterface {
  initRuntime(options: unknown): void;
  initialize(job: coresdk.workflow_activation.IInitializeWorkflow): void;
  activate(activation: WorkflowActivation, batchIndex?: number): void;
  concludeActivation(): WorkflowActivationCompletion;
  tryUnblockConditions(): number;
  dispose(): void;
  destroy(): void;
}

/** The parts of the run's `Activator` the runtime reads or calls. */
export interface SandboxActivator {
  info: WorkflowInfo;
  now: number;
  sdkVersion?: string;
  payloadConverter: PayloadConverter;
  failureConverter: FailureConverter;
  mutateWorkflowInfo(update: (info: WorkflowInfo) => WorkflowInfo): void;
  addKnownFlags(flags: number[]): void;
  hasFlag(flag: unknown): boolean;
  notifyHasPatch(job: coresdk.workflow_activation.INotifyHasPatch): void;
  updateRandomSeed(job: coresdk.workflow_activation.IUpdateRandomSeed): void;
  getAndResetSinkCalls(): SinkCall[];
  workflowTaskError: unknown;
  /** The conditions (`condition()`) waiting to be true. */
  blockedConditions: { readonly size: number };
  promiseStackStore?: unknown;
  workflowSandboxDestructors?: (() => void)[];
}

/** What every run of a context shares: set once per context by the worker. */
export interface RunConfiguration {
  showStackTraceSources: boolean;
  /** The sources `__enhanced_stack_trace` shows. */
  sourceMap: RawSourceMap;
  /** Activity types the worker can run; absent: any. */
  registeredActivityNames?: string[] | undefined;
}

/** What an activation produced. */
export interface ActivationOutcome {
  /** For `completeWorkflowActivation` (payloads not yet encoded by codecs). */
  completion: WorkflowActivationCompletion;
  /** Why the activation failed (its completion is `failed`), as data: name, message, stack. */
  failure?: unknown;
  /** Each carries the run's info as of the call. */
  sinkCalls: SinkCall[];
}

/** A set that contains every name: when the worker's activity names are unknown. */
class AnyActivityName extends SandboxSet<string> {
  override has(): boolean {
    return true;
  }
}

let configuration: RunConfiguration | undefined;
let registeredActivityNames: Set<string> | undefined;
let logicalNanos = 0n;

export function configureRuns(value: RunConfiguration): void {
  configuration = value;
  if (value.registeredActivityNames === undefined) {
    registeredActivityNames = new AnyActivityName();
  } else {
    registeredActivityNames = new SandboxSet();
    for (const name of value.registeredActivityNames) SetPrototypeAdd(registeredActivityNames, name);
  }
}

/** Wall-clock time in nanoseconds, strictly increasing (the workflow logger orders records by it). */
function timeOfDayNs(): bigint {
  const now = BigInt(DateNow()) * 1_000_000n;
  logicalNanos = now > logicalNanos ? now : logicalNanos + 1n;
  return logicalNanos;
}

/**
 * Starts a run from its first activation (`initRuntime`): builds its info, loads its workflow
 * modules and finds its workflow function. Returns the run's activator; throws what loading threw.
 */
export function startRun(
  api: WorkerInterface,
  activation: WorkflowActivation,
  placement: WorkflowRunPlacement,
  currentActivator: () => unknown,
): SandboxActivator {
  if (configuration === undefined || registeredActivityNames === undefined) {
    throw new IllegalStateError('the workflow sandbox was not configured');
  }
  const initialize = activation.jobs?.find((job) => job.initializeWorkflow)?.initializeWorkflow;
  if (!initialize) {
    throw new IllegalStateError(
      `activation of run ${activation.runId}, which is not cached, has no initializeWorkflow job`,
    );
  }
  const info = workflowInfoFromActivation(activation, initialize, placement);
  api.initRuntime({
    info,
    randomnessSeed: Long.fromValue(initialize.randomnessSeed ?? 0).toBytes(),
    now: activationTimeMs(activation),
    showStackTraceSources: configuration.showStackTraceSources,
    sourceMap: configuration.sourceMap,
    getTimeOfDay: timeOfDayNs,
    registeredActivityNames,
    stackTracesEnabled: true,
  });
  const activator = currentActivator() as SandboxActivator | undefined;
  if (!activator) throw new IllegalStateError('initRuntime did not install a workflow activator');
  return activator;
}

/**
 * The steps of one activation. The worker calls them one by one (each a call into the sandbox,
 * after which the sandbox's microtasks have run: `microtaskMode: 'afterEvaluate'`), because
 * workflow code continues in microtasks between the steps:
 *
 * 1. {@link prepare}: the run's clock, info and flags, `initialize`, patches and the random seed,
 *    then the first batch of jobs in the same call (as the official worker runs them, with no
 *    microtask turn in between); answers how many job batches there are.
 * 2. {@link activateBatch} for each further batch.
 * 3. {@link settle} after each batch, until it answers: blocked conditions are re-evaluated
 *    (each time in a call of its own) until none unblocks; after the last batch it concludes the
 *    activation and answers its outcome.
 *
 * A step that throws records the failure; the next {@link settle} answers the failed outcome.
 */
export class ActivationDriver {
  readonly #api: WorkerInterface;
  readonly #activator: SandboxActivator;
  #activation: WorkflowActivation | undefined;
  #batches: WorkflowActivationJob[][] = [];
  #query = false;
  #failure: { error: unknown } | undefined;
  /** The workflow logger's functions whose calls the worker drops (see {@link prepare}). */
  #silencedLogCalls: readonly string[] | undefined;

  constructor(api: WorkerInterface, activator: SandboxActivator) {
    this.#api = api;
    this.#activator = activator;
  }

  get activator(): SandboxActivator {
    return this.#activator;
  }

  /**
   * Step 1, and step 2 for the first batch. Answers the number of batches (0 when preparing
   * failed; the first batch's own failure is answered by {@link settle}). `silencedLogCalls` names
   * the workflow logger's functions (`'debug'`…) whose calls the worker would drop: they are left
   * out of the activation's sink calls.
   */
  prepare(activation: WorkflowActivation, silencedLogCalls?: readonly string[]): number {
    const batches = this.#prepare(activation, silencedLogCalls);
    if (batches > 0) this.activateBatch(0);
    return batches;
  }

  #prepare(activation: WorkflowActivation, silencedLogCalls: readonly string[] | undefined): number {
    this.#activation = activation;
    this.#silencedLogCalls = silencedLogCalls;
    this.#failure = undefined;
    this.#batches = [];
    this.#query = false;
    const activator = this.#activator;
    try {
      const jobs = activation.jobs ?? [];
      for (const job of jobs) withVariant(job);
      const queries = jobs.filter((job) => job.queryWorkflow);
      if (queries.length > 0) {
        if (queries.length !== jobs.length) {
          throw new TypeError('an activation mixes queries with other jobs, which core never sends');
        }
        // A query is a live, read-only look at the state: console and sinks are not suppressed.
        activator.mutateWorkflowInfo((info) => ({
          ...info,
          unsafe: { ...info.unsafe, isReplaying: true, isReplayingHistoryEvents: false },
        }));
        this.#query = true;
        this.#batches = [jobs];
        return 1;
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
      const initialize = jobs.find((job) => job.initializeWorkflow)?.initializeWorkflow;
      if (initialize) this.#api.initialize(initialize);

      // Patches (and the random seed) apply to the whole activation, so they go first and without
      // re-evaluating conditions in between.
      const [patches, rest] = partition(jobs, (job) => job.notifyHasPatch != null);
      for (const { notifyHasPatch } of patches) activator.notifyHasPatch(notifyHasPatch!);

      const hasSignals = rest.some((job) => job.signalWorkflow != null);
      if (!hasSignals || activator.hasFlag(SdkFlags.ProcessWorkflowActivationJobsAsSingleBatch)) {
        const [seeds, others] = partition(rest, (job) => job.updateRandomSeed != null);
        const lastSeed = seeds.at(-1)?.updateRandomSeed;
        if (lastSeed) activator.updateRandomSeed(lastSeed);
        this.#batches = [others];
      } else {
        // Histories written before the single-batch flag ran signals first, then the rest, with
        // microtasks settling in between; replaying them must do the same.
        const [signals, others] = partition(rest, (job) => job.signalWorkflow != null);
        this.#batches = [signals, others].filter((batch) => batch.length > 0);
      }
      return this.#batches.length;
    } catch (error) {
      this.#failure = { error };
      return 0;
    }
  }

  /** Step 2 (for the first batch, {@link prepare} calls it). False when the step failed. */
  activateBatch(batchIndex: number): boolean {
    if (this.#failure !== undefined) return false;
    const jobs = this.#batches[batchIndex];
    if (this.#activation === undefined || jobs === undefined) {
      this.#failure = { error: new IllegalStateError(`no batch ${batchIndex} to activate`) };
      return false;
    }
    try {
      this.#api.activate({ ...this.#activation, jobs }, batchIndex);
      return true;
    } catch (error) {
      this.#failure = { error };
      return false;
    }
  }

  /**
   * Step 3. Undefined: call again (a condition unblocked, its code runs before the next call).
   * After the last batch, the activation's outcome; otherwise null once the batch has settled.
   */
  settle(last: boolean): ActivationOutcome | null | undefined {
    const activator = this.#activator;
    if (this.#failure === undefined && !this.#query) {
      try {
        if (activator.blockedConditions.size > 0) {
          if (this.#api.tryUnblockConditions() > 0) return undefined;
        } else if (activator.workflowTaskError) {
          throw activator.workflowTaskError;
        }
      } catch (error) {
        this.#failure = { error };
      }
    }
    if (this.#failure === undefined && !last) return null;
    return this.#conclude();
  }

  /** An unhandled rejection of the run's code, reported once the activation's macrotask ended. */
  failWithUnhandledRejection(reason: unknown): ActivationOutcome {
    const error = new Error(`Unhandled promise rejection in workflow code: ${describe(reason)}`, { cause: reason });
    error.name = 'WorkflowUnhandledRejectionError';
    // Any further progress of the run fails too (the worker evicts it).
    this.#activator.workflowTaskError ??= error;
    this.#failure = { error };
    return this.#conclude();
  }

  #conclude(): ActivationOutcome {
    const runId = this.#activation?.runId ?? '';
    let completion: WorkflowActivationCompletion | undefined;
    if (this.#failure === undefined) {
      try {
        completion = this.#api.concludeActivation();
      } catch (error) {
        this.#failure = { error };
      }
    }
    const failure = this.#failure;
    this.#activation = undefined;
    this.#batches = [];
    this.#failure = undefined;
    return {
      completion: failure === undefined ? completion! : failedCompletion(runId, failure.error, this.#activator),
      failure: failure?.error,
      sinkCalls: takeSinkCalls(this.#activator, this.#silencedLogCalls),
    };
  }
}

/** The failed completion of an activation (a failed workflow task), with the run's converters. */
export function failedCompletion(
  runId: string,
  error: unknown,
  activator: SandboxActivator | undefined,
): WorkflowActivationCompletion {
  const failureConverter = activator?.failureConverter ?? defaultFailureConverter;
  const payloadConverter = activator?.payloadConverter ?? defaultPayloadConverter;
  try {
    return { runId, failed: { failure: failureConverter.errorToFailure(error, payloadConverter) } };
  } catch (conversionError) {
    // A failure must still reach core, or the workflow task would hang until its timeout.
    return {
      runId,
      failed: {
        failure: {
          message: `${describe(error)} (and converting it to a failure threw: ${describe(conversionError)})`,
        },
      },
    };
  }
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an error that cannot be described';
  }
}

/** A job made as a plain object has no `variant` (a decoded message's oneof getter): name its set field. */
function withVariant(job: WorkflowActivationJob): void {
  const record = job as Record<string, unknown>;
  if (typeof record.variant === 'string') return;
  for (const key in record) {
    if (key !== 'variant' && record[key] !== null && typeof record[key] === 'object') {
      record.variant = key;
      return;
    }
  }
}

function takeSinkCalls(activator: SandboxActivator, silencedLogCalls: readonly string[] | undefined): SinkCall[] {
  let calls: SinkCall[];
  try {
    calls = activator.getAndResetSinkCalls();
  } catch {
    return [];
  }
  if (silencedLogCalls === undefined || silencedLogCalls.length === 0) return calls;
  const kept: SinkCall[] = [];
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index]!;
    if (!isLoggerSink(call.ifaceName) || !ArrayPrototypeIncludes(silencedLogCalls, call.fnName)) append(kept, call);
  }
  return kept;
}

/** The workflow logger's sink, by its name and its deprecated one. */
function isLoggerSink(name: string): boolean {
  return name === '__temporal_logger' || name === 'defaultWorkerLogger';
}

function partition<T>(items: T[], predicate: (item: T) => boolean): [T[], T[]] {
  const matching: T[] = [];
  const rest: T[] = [];
  for (const item of items) (predicate(item) ? matching : rest).push(item);
  return [matching, rest];
}
