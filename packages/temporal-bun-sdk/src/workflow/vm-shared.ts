/**
 * What both sandbox layouts share on the worker's side: a prepared `node:vm` context, the
 * capabilities handed to its runtime, calls into it under the deadlock deadline, the copy of its
 * answers into the worker's realm, and one cached run driven through its activations.
 *
 * The worker talks to a sandbox only through `__temporal_dispatch()` (see
 * `sandbox-runtime/index.ts`): it leaves a request in `__temporal_call`, which the runtime reads
 * and clears before any workflow code runs, and copies the answer with {@link fromSandbox}, which
 * reads own data properties only (never a getter, a proxy trap or a prototype method of the
 * sandbox). Every call is synchronous: contexts use `microtaskMode: 'afterEvaluate'`, so the
 * workflow's microtasks have all run when a call returns.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import vm from 'node:vm';
import { noFTL } from 'bun:jsc';
import { IllegalStateError } from '@temporalio/common';
import type { coresdk } from '@temporalio/proto';
import type { SinkCall, WorkflowInfo } from '@temporalio/workflow';
import Long from 'long';
import {
  HOST_CAPABILITIES_GLOBAL,
  type SandboxConsoleLevel,
  type SandboxHost,
} from './sandbox-runtime/host-capabilities';
import type { RunConfiguration } from './sandbox-runtime/run-driver';
import type { OriginalPosition } from './source-map';
import { type WorkflowRunPlacement, workflowInfoFromActivation } from './workflow-info';

type WorkflowActivation = coresdk.workflow_activation.IWorkflowActivation;
export type WorkflowActivationCompletion = coresdk.workflow_completion.IWorkflowActivationCompletion;

/** Workflow code ran for longer than `isolateExecutionTimeoutMs` without yielding. */
export class WorkflowDeadlockError extends Error {
  override readonly name = 'WorkflowDeadlockError';
}

/** What the worker gives a sandbox's runtime: source positions and console output. */
export interface SandboxHooks {
  mapPosition(file: string, line: number, column: number): OriginalPosition | undefined;
  log(level: SandboxConsoleLevel, message: string): void;
}

/** The capabilities of {@link SandboxHooks}, plus the host classes the runtime wraps. */
function hostCapabilities(hooks: SandboxHooks): SandboxHost {
  const encoder = new TextEncoder();
  return {
    log: hooks.log,
    mapPosition: hooks.mapPosition,
    textEncode: (input) => encoder.encode(input),
    newTextDecoder: (label, options) => {
      const decoder = new TextDecoder(label as ConstructorParameters<typeof TextDecoder>[0], options);
      return {
        encoding: decoder.encoding,
        fatal: decoder.fatal,
        ignoreBOM: decoder.ignoreBOM,
        decode: (input, decodeOptions) => decoder.decode(input as Uint8Array | undefined, decodeOptions),
      };
    },
    newURL: (url, base) => new URL(url, base),
    newURLSearchParams: (init) => new URLSearchParams(init),
    newAsyncLocalStorage: () => new AsyncLocalStorage(),
    keepFromTopTier: (functions) => {
      // By index: iterating would run the sandbox's array iterator.
      for (let index = 0; index < functions.length; index++) {
        const fn = functions[index];
        if (typeof fn === 'function') noFTL(fn as (...args: unknown[]) => unknown);
      }
    },
  };
}

export interface WorkflowContext {
  context: vm.Context;
  /**
   * The context's own `Promise` constructor (before instrumentation). Every native promise created
   * in the sandbox has it as `constructor`, which is how an unhandled rejection is traced back to
   * its workflow run.
   */
  intrinsicPromise: unknown;
}

/**
 * A new context with the runtime's capabilities waiting for it: the caller evaluates the bundle
 * (whose first module is the runtime) right after.
 */
export function createWorkflowContext(hooks: SandboxHooks): WorkflowContext {
  const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
  const intrinsicPromise = vm.runInContext('Promise', context);
  Object.defineProperty(context, HOST_CAPABILITIES_GLOBAL, {
    value: hostCapabilities(hooks),
    writable: false,
    enumerable: false,
    configurable: true,
  });
  return { context, intrinsicPromise };
}

/** Evaluates a script in a context under the deadline; the runtime must have consumed its capabilities. */
export function evaluateInContext(script: vm.Script, context: vm.Context, timeoutMs: number): unknown {
  try {
    return runWithDeadline(() => script.runInContext(context, { timeout: timeoutMs, displayErrors: false }), timeoutMs);
  } finally {
    // A bundle without the runtime leaves them: never let workflow code find them later.
    delete (context as Record<string, unknown>)[HOST_CAPABILITIES_GLOBAL];
  }
}

/** A request for `__temporal_dispatch()`; arguments are copied into the sandbox. */
export interface SandboxRequest {
  name: string;
  run?: number;
  args?: unknown[];
  raw?: unknown;
}

const dispatchScript = new vm.Script('__temporal_dispatch()', { filename: 'temporal-worker-call.js' });

/** One call into a sandbox: the raw answer (a sandbox value: read it with {@link fromSandbox}). */
export function dispatchInContext(context: vm.Context, request: SandboxRequest, timeoutMs: number): unknown {
  const sandboxGlobal = context as Record<string, unknown>;
  sandboxGlobal.__temporal_call = request;
  try {
    return runWithDeadline(
      () => dispatchScript.runInContext(context, { timeout: timeoutMs, displayErrors: false }),
      timeoutMs,
    );
  } finally {
    sandboxGlobal.__temporal_call = undefined;
  }
}

/** Runs a synchronous sandbox call, turning the vm's timeout error into a {@link WorkflowDeadlockError}. */
export function runWithDeadline<T>(call: () => T, timeoutMs: number): T {
  try {
    return call();
  } catch (error) {
    if (isTimeout(error)) {
      throw new WorkflowDeadlockError(
        `Potential deadlock detected: workflow code did not yield within ${timeoutMs} ms ` +
          '(isolateExecutionTimeoutMs). Look for an endless loop or a long synchronous computation.',
        { cause: error },
      );
    }
    throw error;
  }
}

export function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return true;
  return error instanceof WorkflowDeadlockError;
}

/**
 * The worker's copy of a sandbox answer. The runtime answers with prototype-less records of plain
 * data, arrays, byte arrays, dates and Long records (`membrane.ts`); this reads own properties
 * only, so no sandbox code runs, and makes the worker's own objects.
 */
export function fromSandbox(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (depth > 64) return undefined;
  if (Array.isArray(value)) {
    const length = value.length;
    const copy = new Array<unknown>(length);
    for (let index = 0; index < length; index++) copy[index] = fromSandbox(value[index], depth + 1);
    return copy;
  }
  if (ArrayBuffer.isView(value)) return new Uint8Array(value as Uint8Array);
  if (Object.getPrototypeOf(value) !== null) {
    // Besides arrays and byte arrays, the only objects the runtime answers with a prototype are dates.
    const time = dateValue(value);
    return time === undefined ? undefined : new Date(time);
  }
  const record = value as Record<string, unknown>;
  if (record.__isLong__ === true)
    return Long.fromBits(record.low as number, record.high as number, record.unsigned === true);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const item = fromSandbox(record[key], depth + 1);
    // An own `__proto__` key is data, never this copy's prototype.
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: item, writable: true, enumerable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
}
// Kept from JavaScriptCore's top tier, like the runtime's membrane (see `keepFromTopTier` in
// sandbox-runtime/host-capabilities.ts): a generic recursive copy gains little from the FTL and costs
// 15 ms of JIT to compile there.
noFTL(fromSandbox);

const getTime = Date.prototype.getTime;
function dateValue(value: object): number | undefined {
  try {
    return getTime.call(value);
  } catch {
    return undefined;
  }
}

/** An error made of a sandbox error's data (name, message, stack). */
export function errorFromSandbox(data: unknown): Error {
  if (data === null || typeof data !== 'object') return new Error(String(data));
  const record = data as Record<string, unknown>;
  const error = new Error(typeof record.message === 'string' ? record.message : String(record.message));
  if (typeof record.name === 'string') error.name = record.name;
  if (typeof record.stack === 'string') error.stack = record.stack;
  for (const [key, item] of Object.entries(record)) {
    if (key !== 'name' && key !== 'message' && key !== 'stack')
      (error as unknown as Record<string, unknown>)[key] = item;
  }
  return error;
}

/** Where one run's workflow code executes: calls into its sandbox for it. */
export interface RunSandbox {
  /** Sends a request for the run; the raw answer. */
  call(request: SandboxRequest): unknown;
  /** Drops the run's place without calling into the sandbox (after `dispose`, or when it never started). */
  release(): void;
  /** True when the run has the context to itself (and destroys it with the run). */
  readonly ownsContext: boolean;
}

/** What one activation of a run produced, in the worker's realm. */
export interface RunOutcome {
  completion: WorkflowActivationCompletion;
  /** Why the activation failed (its completion is `failed`). */
  failure?: Error | undefined;
  sinkCalls: SinkCall[];
  info: WorkflowInfo | undefined;
}

/** What the runtime's `startRun` answers. */
export type RunStart = { info: WorkflowInfo } | { failure: Error; completion: WorkflowActivationCompletion };

/** One cached run: its sandbox, driven through its activations (see `run-driver.ts`). */
export class WorkflowRun {
  #info: WorkflowInfo;
  #sandbox: RunSandbox | undefined;
  /** The first unhandled rejection of the run's code (a sandbox value). */
  #unhandledRejection: { reason: unknown } | undefined;

  constructor(info: WorkflowInfo, sandbox: (run: WorkflowRun) => RunSandbox) {
    this.#info = info;
    this.#sandbox = sandbox(this);
  }

  /** The run's info as its start made it (identity, placement, start time): what logs and the task loop read. */
  get info(): WorkflowInfo {
    return this.#info;
  }

  #call(request: SandboxRequest): unknown {
    const sandbox = this.#sandbox;
    if (sandbox === undefined) throw new IllegalStateError(`workflow run ${this.#info.runId} was disposed`);
    return sandbox.call(request);
  }

  /**
   * `initRuntime`: loads the run's modules. Answers the run's info, which the worker builds from the
   * same activation as the sandbox (`workflowInfoFromActivation`: identity, placement, times, the
   * fields that need no payload converter), or why the run could not start. `initialize` is the
   * activation's `initializeWorkflow` job, which the caller has already found.
   */
  start(
    activation: WorkflowActivation,
    initialize: coresdk.workflow_activation.IInitializeWorkflow,
    placement: WorkflowRunPlacement,
  ): RunStart {
    const answer = this.#call({ name: 'startRun', args: [activation, placement] });
    if (answer !== true) {
      const { failure, completion } = fromSandbox(answer) as {
        failure: unknown;
        completion: WorkflowActivationCompletion;
      };
      return { failure: errorFromSandbox(failure), completion };
    }
    this.#info = workflowInfoFromActivation(activation, initialize, placement);
    return { info: this.#info };
  }

  setUnhandledRejection(reason: unknown): void {
    // Keep the first; the activation fails once its macrotask has ended, and so does any later one.
    this.#unhandledRejection ??= { reason };
  }

  /** `silencedLogCalls`: the workflow logger's functions whose calls the sandbox leaves out of the answer. */
  async activate(activation: WorkflowActivation, silencedLogCalls: readonly string[]): Promise<RunOutcome> {
    let answer: unknown;
    if (this.#unhandledRejection === undefined) {
      // `prepare` runs the first batch too: one call fewer per activation.
      const batches = this.#call({ name: 'prepare', args: [activation, silencedLogCalls] }) as number;
      for (let batch = 0; batch < batches && answer === undefined; batch++) {
        if (batch > 0 && this.#call({ name: 'activateBatch', args: [batch] }) !== true) break;
        let settled: unknown;
        do settled = this.#call({ name: 'settle', args: [batch === batches - 1] });
        while (settled === undefined);
        if (settled !== null) answer = settled;
      }
      // A step failed (or there was nothing to run): the failure is concluded here.
      answer ??= this.#call({ name: 'settle', args: [true] });
      // Unhandled rejections are reported on the next macrotask; wait for it (outside the sandbox).
      await nextMacrotask();
    }
    if (this.#unhandledRejection !== undefined) {
      answer = this.#call({ name: 'failWithUnhandledRejection', raw: this.#unhandledRejection.reason });
    }
    const outcome = fromSandbox(answer) as {
      completion: WorkflowActivationCompletion;
      failure?: unknown;
      sinkCalls?: SinkCall[];
    };
    return {
      completion: outcome.completion,
      failure: outcome.failure === undefined ? undefined : errorFromSandbox(outcome.failure),
      sinkCalls: outcome.sinkCalls ?? [],
      info: this.#info,
    };
  }

  /** Runs the workflow's disposal hooks, then (in a context of its own) the sandbox's, and drops the sandbox. */
  dispose(): void {
    const sandbox = this.#sandbox;
    if (sandbox === undefined) return;
    try {
      throwIfFailed(this.#call({ name: 'dispose' }));
      if (sandbox.ownsContext) throwIfFailed(this.#call({ name: 'destroy' }));
    } finally {
      this.forget();
    }
  }

  /** Drops the sandbox without calling into it. */
  forget(): void {
    const sandbox = this.#sandbox;
    this.#sandbox = undefined;
    sandbox?.release();
  }
}

/** A `dispose` or `destroy` answer: nothing, or what the sandbox's hooks threw (as the worker's error). */
export function throwIfFailed(answer: unknown): void {
  if (answer === undefined || answer === null) return;
  const { failure } = fromSandbox(answer) as { failure?: unknown };
  if (failure !== undefined) throw errorFromSandbox(failure);
}

/** The configuration every run of a context shares (the runtime copies it once per context). */
export type { RunConfiguration };

export function nextMacrotask(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Lets the event loop take up the I/O that arrived while this thread was busy (the bridge's
 * answers, on its wake socket) before going on. Bun runs a turn's immediates before it polls, so
 * this takes two turns: the poll comes between them. Costs microseconds when nothing is pending.
 */
export async function takeUpPendingIo(): Promise<void> {
  await nextMacrotask();
  await nextMacrotask();
}
