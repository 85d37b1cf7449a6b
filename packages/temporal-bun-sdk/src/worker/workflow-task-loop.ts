/**
 * WorkflowTaskLoop: poll an activation → decode its payloads (codecs, outside the sandbox) → run
 * it in the run's sandbox → deliver sink calls → encode the completion → send it to core.
 *
 * Activations of different runs are handled concurrently (core's slots bound how many); core never
 * hands out a second activation of a run before the first is completed.
 *
 * @example
 * const loop = new WorkflowTaskLoop(context, await WorkflowIsolateManager.create({ bundle, logger }), { sinks });
 * await loop.run(); // resolves once core reports SHUT_DOWN and in-flight activations are completed
 */
import type { coresdk } from '@temporalio/proto';
import { isShutdownError } from '../native';
import { WorkflowActivationCodecs } from '../workflow/activation-codecs';
import type { WorkflowActivationCompletion, WorkflowIsolateManager } from '../workflow/isolate-manager';
import { builtInSinks, deliverSinkCalls, type InjectedSinks, silencedLoggerSinkCalls } from '../workflow/sinks';
import { createPollingLoop } from './polling-loop';
import { withoutUndecodableSignals } from './signal-payloads';
import type { TaskLoopContext } from './task-loop-context';

type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;
type RemoveFromCache = coresdk.workflow_activation.IRemoveFromCache;

/** Observes what happens to activations; the replayer uses it to learn how each history ended. */
export interface WorkflowTaskLoopObserver {
  /** A run's first activation was received (before it ran). */
  onActivation?(activation: WorkflowActivation): void;
  /** Core evicted a run. `reason`/`message` say why (e.g. `NONDETERMINISM`). */
  onEviction?(runId: string, eviction: RemoveFromCache): void;
  /** The workflow task failed in the sandbox (its completion was a failure). */
  onActivationFailed?(runId: string, failure: unknown): void;
  /** Core refused a completion (a `WORKER_ERROR` whose `details.rejectedCompletion` says why). */
  onCompletionRejected?(runId: string, error: unknown): void;
}

export interface WorkflowTaskLoopOptions {
  /** Implementations of the sinks workflows call through `proxySinks()`. Default: none. */
  sinks?: InjectedSinks;
  /** Replay mode: sink functions without `callDuringReplay` are never called. Default false. */
  isReplayWorker?: boolean;
  observer?: WorkflowTaskLoopObserver;
  /**
   * Worker versioning without a default behaviour (`compileWorkerOptions`): a workflow task whose
   * workflow declares no versioning behaviour fails, naming the two ways to declare one. Default false.
   */
  requireVersioningBehavior?: boolean;
}

/** A workflow on a worker that uses worker versioning without a default declares no versioning behaviour. */
class MissingVersioningBehaviorError extends Error {
  override readonly name = 'MissingVersioningBehaviorError';
}

export class WorkflowTaskLoop {
  readonly #context: TaskLoopContext;
  readonly #manager: WorkflowIsolateManager;
  readonly #sinks: InjectedSinks;
  readonly #silencedLogCalls: () => readonly string[];
  readonly #isReplayWorker: boolean;
  readonly #observer: WorkflowTaskLoopObserver;
  readonly #codecs: WorkflowActivationCodecs;
  readonly #requireVersioningBehavior: boolean;
  #running: Promise<void> | undefined;

  constructor(context: TaskLoopContext, manager: WorkflowIsolateManager, options: WorkflowTaskLoopOptions = {}) {
    this.#context = context;
    this.#manager = manager;
    // User sinks may replace the built-in logger sink (the official SDK allows it too).
    const builtIn = builtInSinks(context.logger, context.metricMeter);
    this.#sinks = { ...builtIn, ...(options.sinks ?? {}) };
    this.#silencedLogCalls = silencedLoggerSinkCalls(this.#sinks, builtIn, context.logger);
    this.#isReplayWorker = options.isReplayWorker ?? false;
    this.#observer = options.observer ?? {};
    this.#requireVersioningBehavior = options.requireVersioningBehavior ?? false;
    this.#codecs = new WorkflowActivationCodecs(context.dataConverter.payloadCodecs, context.namespace);
  }

  /**
   * Polls until core reports shutdown (after `initiateShutdown`, once core has handed out the
   * evictions of every cached run), then waits for in-flight activations. Rejects when polling
   * fails for good. Calling it again returns the same promise.
   */
  run(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<void> {
    const { logger } = this.#context;
    const loop = createPollingLoop<WorkflowActivation>({
      name: 'workflow',
      poll: () => this.#poll(),
      handler: (activation) => this.#handle(activation),
      onHandlerError: (error) => logger.error('Handling a workflow activation failed', { error }),
    });
    try {
      await loop.done;
    } finally {
      // Core evicts every cached run before it reports shutdown; anything left is dropped here.
      this.#manager.disposeAll();
    }
  }

  async #poll(): Promise<WorkflowActivation> {
    const started = performance.now();
    const activation = await this.#context.native.nextWorkflowActivation();
    this.#context.metrics.emit({ type: 'pollWait', taskKind: 'workflow', durationMs: performance.now() - started });
    return activation;
  }

  async #handle(activation: WorkflowActivation): Promise<void> {
    const { native, logger, metrics, namespace, taskQueue } = this.#context;
    const payloadConverter = this.#context.dataConverter.payloadConverter;
    const started = performance.now();
    const runId = activation.runId;
    const jobCount = activation.jobs.length;
    const eviction = activation.jobs.find((job) => job.removeFromCache)?.removeFromCache ?? undefined;
    const initialize = activation.jobs.find((job) => job.initializeWorkflow)?.initializeWorkflow;
    if (initialize) this.#observer.onActivation?.(activation);

    let completion: WorkflowActivationCompletion;
    let workflowType = this.#manager.workflowInfo(runId)?.workflowType ?? initialize?.workflowType ?? 'unknown';
    let failure: unknown;
    try {
      // Without codecs or sink calls there is nothing to wait for (each await costs a microtask turn).
      const codecs = this.#codecs.enabled ? this.#codecs : undefined;
      const decoded = withoutUndecodableSignals(
        codecs ? await codecs.decodeActivation(activation) : activation,
        payloadConverter,
        ({ signalName, error }) =>
          logger.error('Dropped a signal whose payload could not be decoded', {
            runId,
            workflowType,
            signalName,
            error,
          }),
      );
      if (decoded.jobs.length === 0) {
        // Every job was a dropped signal: nothing for the workflow to do.
        completion = { runId, successful: {} };
      } else {
        const result = await this.#manager.activate(
          decoded,
          { namespace, taskQueue },
          { silencedLogCalls: this.#silencedLogCalls() },
        );
        workflowType = result.workflowInfo?.workflowType ?? workflowType;
        failure = result.failure;
        if (result.sinkCalls.length > 0) {
          const delivered = deliverSinkCalls(result.sinkCalls, this.#sinks, {
            logger,
            isReplayWorker: this.#isReplayWorker,
          });
          if (delivered) await delivered; // only asynchronous sink functions are waited for
        }
        completion = codecs ? await codecs.encodeCompletion(result.completion) : result.completion;
        if (this.#requireVersioningBehavior && lacksVersioningBehavior(activation, completion)) {
          // Sent as is, the server could not tell whether to pin the run to this version.
          failure = new MissingVersioningBehaviorError(
            `Workflow ${JSON.stringify(workflowType)} declares no versioning behavior, and the worker uses worker versioning (workerDeploymentOptions.useWorkerVersioning) without a defaultVersioningBehavior: declare one with defineWorkflowWithOptions or setWorkflowOptions from @temporalio/workflow ({ versioningBehavior: 'PINNED' | 'AUTO_UPGRADE' }), or set workerDeploymentOptions.defaultVersioningBehavior`,
          );
          completion = { runId, failed: { failure: await this.#encodedFailure(failure) } };
        }
      }
    } catch (error) {
      // Codec failures land here: the workflow task fails and the server retries it.
      failure = error;
      completion = { runId, failed: { failure: await this.#encodedFailure(error) } };
    }
    if (eviction) {
      this.#codecs.forgetRun(runId);
      this.#observer.onEviction?.(runId, eviction);
    }
    if (failure !== undefined) {
      logger.warn('Workflow task failed', { runId, workflowType, error: failure });
      this.#observer.onActivationFailed?.(runId, failure);
    }

    // The answer to a successful completion comes with the JS thread's next wake-up (deferAck):
    // the activation is measured up to sending it, and a refusal is logged when it arrives.
    const acknowledged = native.completeWorkflowActivation(completion, { deferAck: true });
    metrics.emit({
      type: 'workflowActivation',
      workflowType,
      jobCount,
      durationMs: performance.now() - started,
      outcome: failure === undefined ? 'completed' : 'failed',
    });
    try {
      await acknowledged;
    } catch (error) {
      if (isShutdownError(error)) {
        logger.debug('Workflow activation completion skipped: the worker is shutting down', { runId });
      } else {
        logger.error('Core refused a workflow activation completion', { runId, workflowType, error });
        this.#observer.onCompletionRejected?.(runId, error);
      }
    }
  }

  /** The failure of a workflow task that failed outside the sandbox, codec-encoded when possible. */
  async #encodedFailure(error: unknown): Promise<coresdk.workflow_completion.IFailure['failure']> {
    const { failureConverter, payloadConverter } = this.#context.dataConverter;
    const failure = failureConverter.errorToFailure(error, payloadConverter);
    try {
      const encoded = await this.#codecs.encodeCompletion({ runId: '', failed: { failure } });
      return encoded.failed?.failure ?? failure;
    } catch {
      // The codec is what failed: send the failure as is rather than none at all.
      return failure;
    }
  }
}

/**
 * A successful completion of a workflow task without a versioning behaviour. Evictions and
 * query-only activations are not workflow tasks that carry one.
 */
function lacksVersioningBehavior(activation: WorkflowActivation, completion: WorkflowActivationCompletion): boolean {
  if (!completion.successful || completion.successful.versioningBehavior) return false;
  return activation.jobs.some((job) => !job.removeFromCache && !job.queryWorkflow);
}
