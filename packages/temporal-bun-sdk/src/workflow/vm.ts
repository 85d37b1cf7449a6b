/**
 * A context per run (`reuseV8Context: false`): each run gets a `node:vm` context of its own, in
 * which the whole bundle is evaluated. The simplest isolation, at the price of evaluating the
 * bundle for every run.
 */
import vm from 'node:vm';
import { unhandledRejections } from './unhandled-rejections';
import {
  type RunConfiguration,
  type RunSandbox,
  type SandboxHooks,
  type SandboxRequest,
  type WorkflowRun,
  createWorkflowContext,
  dispatchInContext,
  evaluateInContext,
} from './vm-shared';
import type { WorkflowBundle } from './bundler';

/** The compiled bundle, evaluated afresh in every run's context. */
export class ContextPerRunLayout {
  readonly #script: vm.Script;
  readonly #configuration: RunConfiguration;
  readonly #timeoutMs: number;

  constructor(bundle: WorkflowBundle, configuration: RunConfiguration, timeoutMs: number) {
    this.#script = new vm.Script(bundle.code, { filename: bundle.filename });
    this.#configuration = configuration;
    this.#timeoutMs = timeoutMs;
  }

  /** A new context with the bundle evaluated in it, for `run`. Throws what evaluating threw. */
  newSandbox(run: WorkflowRun, hooks: SandboxHooks): RunSandbox {
    const { context, intrinsicPromise } = createWorkflowContext(hooks);
    evaluateInContext(this.#script, context, this.#timeoutMs);
    dispatchInContext(context, { name: 'configure', args: [this.#configuration] }, this.#timeoutMs);
    return new OwnContextSandbox(context, intrinsicPromise, run, this.#timeoutMs);
  }
}

/** A context of the run's own, in which the whole bundle was evaluated. */
class OwnContextSandbox implements RunSandbox {
  readonly ownsContext = true;
  #context: vm.Context | undefined;
  readonly #intrinsicPromise: unknown;
  readonly #timeoutMs: number;

  constructor(context: vm.Context, intrinsicPromise: unknown, run: WorkflowRun, timeoutMs: number) {
    this.#context = context;
    this.#intrinsicPromise = intrinsicPromise;
    this.#timeoutMs = timeoutMs;
    unhandledRejections.register(intrinsicPromise, () => run);
  }

  call(request: SandboxRequest): unknown {
    const context = this.#context;
    if (context === undefined) throw new Error('the workflow run was disposed');
    return dispatchInContext(context, request, this.#timeoutMs);
  }

  release(): void {
    this.#context = undefined;
    unhandledRejections.unregister(this.#intrinsicPromise);
  }
}
