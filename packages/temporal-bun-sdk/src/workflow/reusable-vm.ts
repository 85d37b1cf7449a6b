/**
 * One `node:vm` context in which many workflow runs execute, one at a time (`reuseV8Context`).
 * Creating a context and evaluating the whole bundle costs milliseconds per run; here the SDK's
 * library is evaluated once, and a run costs what is really its own: fresh instances of its
 * workflow modules, its activator, its timer globals. How runs are kept apart inside the context
 * is `sandbox-runtime/shared-context.ts`'s job; this is the worker's side: the context's scripts,
 * calls for a given run, and retirement.
 *
 * A call interrupted by the deadlock timeout may leave some of the run's microtasks behind: they
 * are drained at once, and the context is retired (no new runs; it is destroyed once its last run
 * is gone) because the interruption may have cut through shared code.
 *
 * The caller must not interleave two runs' activations in a way that mixes their unhandled promise
 * rejections: all runs share one `Promise` realm (see `isolate-manager.ts`).
 */
import vm from 'node:vm';
import { IllegalStateError } from '@temporalio/common';
import type { ReusableWorkflowBundle } from './bundler';
import {
  type RunConfiguration,
  type RunSandbox,
  type SandboxHooks,
  type SandboxRequest,
  createWorkflowContext,
  dispatchInContext,
  evaluateInContext,
  isTimeout,
  throwIfFailed,
} from './vm-shared';

export interface SharedContextSettings {
  /** Longest a call may run, in milliseconds (the deadlock timeout). */
  timeoutMs: number;
  /** Called once the context is destroyed (it takes no more calls). */
  onDestroyed?: (context: ReusableWorkflowContext) => void;
}

const drainScript = new vm.Script('void 0', { filename: 'temporal-worker-drain.js' });

/** The bundle's two scripts, compiled once for every context made from them. */
export class SharedContextLayout {
  readonly library: vm.Script;
  readonly runModules: vm.Script;

  constructor(bundle: ReusableWorkflowBundle) {
    this.library = new vm.Script(bundle.library.code, { filename: bundle.library.filename });
    this.runModules = new vm.Script(bundle.runModules.code, { filename: bundle.runModules.filename });
  }
}

export class ReusableWorkflowContext {
  readonly #context: vm.Context;
  readonly #timeoutMs: number;
  readonly #onDestroyed: ((context: ReusableWorkflowContext) => void) | undefined;
  /** The context's own `Promise` (every promise workflow code creates has it as `constructor`). */
  readonly intrinsicPromise: unknown;
  #nextRunKey = 1;
  #runCount = 0;
  #retired = false;
  #destroyed = false;

  private constructor(context: vm.Context, intrinsicPromise: unknown, settings: SharedContextSettings) {
    this.#context = context;
    this.intrinsicPromise = intrinsicPromise;
    this.#timeoutMs = settings.timeoutMs;
    this.#onDestroyed = settings.onDestroyed;
  }

  /**
   * Prepares a context: evaluates the library and the run-module script, then lets the runtime
   * snapshot the pristine globals and seal what runs share. Throws what evaluating the bundle threw.
   */
  static create(
    layout: SharedContextLayout,
    configuration: RunConfiguration,
    hooks: SandboxHooks,
    settings: SharedContextSettings,
  ): ReusableWorkflowContext {
    const { context, intrinsicPromise } = createWorkflowContext(hooks);
    evaluateInContext(layout.library, context, settings.timeoutMs);
    evaluateInContext(layout.runModules, context, settings.timeoutMs);
    dispatchInContext(context, { name: 'setupSharedContext', args: [configuration] }, settings.timeoutMs);
    return new ReusableWorkflowContext(context, intrinsicPromise, settings);
  }

  /** False once retired: existing runs continue here, new runs need a new context. */
  get acceptsNewRuns(): boolean {
    return !this.#retired && !this.#destroyed;
  }

  /** A place for a new run. */
  newRun(): RunSandbox {
    if (!this.acceptsNewRuns) throw new IllegalStateError('this workflow context was retired and takes no new runs');
    this.#runCount++;
    const key = this.#nextRunKey++;
    let released = false;
    return {
      ownsContext: false,
      call: (request: SandboxRequest) => {
        if (released) throw new IllegalStateError('this workflow run was released from its context');
        return this.#call({ ...request, run: key });
      },
      release: () => {
        if (released) return;
        released = true;
        this.#release();
      },
    };
  }

  #call(request: SandboxRequest): unknown {
    if (this.#destroyed) throw new IllegalStateError('this workflow context was destroyed');
    try {
      return dispatchInContext(this.#context, request, this.#timeoutMs);
    } catch (error) {
      if (isTimeout(error)) this.#recoverFromInterruption();
      // A global that cannot be taken back is visible to every run here from now on.
      else if ((error as { name?: unknown } | null)?.name === 'WorkflowContextIsolationError') this.#retired = true;
      throw error;
    }
  }

  #release(): void {
    this.#runCount--;
    if (this.#retired && this.#runCount === 0) this.destroy();
  }

  /** Runs the library's sandbox destructors (`destroy`); the context takes no more calls. */
  destroy(): void {
    if (this.#destroyed) return;
    try {
      throwIfFailed(dispatchInContext(this.#context, { name: 'destroy' }, this.#timeoutMs));
    } finally {
      this.#destroyed = true;
      this.#onDestroyed?.(this);
    }
  }

  /** After a deadlock timeout: settle what the interrupted run left queued, under its own globals. */
  #recoverFromInterruption(): void {
    this.#retired = true;
    try {
      drainScript.runInContext(this.#context, { timeout: this.#timeoutMs, displayErrors: false });
    } catch {
      // Its continuations deadlock too; the context is retired either way.
    }
    if (this.#runCount === 0) this.destroy();
  }
}
