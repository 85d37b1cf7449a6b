/**
 * ReusableWorkflowContext: one `node:vm` context in which many workflow runs execute, one at a time
 * (`reuseV8Context`). Creating a context and evaluating the whole bundle costs milliseconds per
 * run; here the SDK's library is evaluated once, and a run costs what is really its own: fresh
 * instances of its workflow modules, its activator, its timer globals.
 *
 * What keeps runs apart:
 *
 * - **Globals.** Each run sees the context's pristine globals plus its own changes. When a call is
 *   for another run than the last one, the context's global object is compared with the pristine
 *   snapshot; the difference (properties added, changed or deleted, another prototype) is stored
 *   with the run that made it, undone, and the next run's difference applied. What the SDK itself
 *   keeps per run sits behind globals that never change, so a typical run has no difference:
 *   `__TEMPORAL_ACTIVATOR__` is saved and set on each switch, and `setTimeout` and `clearTimeout`
 *   call the installed run's own (their closure holds its timer scopes).
 * - **Module state.** The workflows and every module they import outside the SDK's packages are
 *   instantiated once per run (see `bundleReusableWorkflowCode`); library modules keep what belongs
 *   to a run on its activator.
 * - **Shared objects.** The pristine globals' values that belong to the context (`Math`, `JSON`,
 *   `Reflect`, constructors…) and the library's modules are frozen before the first run, so no run
 *   can change what another one sees through them. Built-in prototypes are not frozen (as in the
 *   official SDK): freezing `Object.prototype` breaks ordinary assignments in user code. Globals a
 *   run defines are always configurable (`Object.defineProperty` on the global object is made so,
 *   and freezing or sealing the global object is refused), so they can always be taken back.
 * - **Microtasks.** Every call settles the context's microtasks before it returns
 *   (`microtaskMode: 'afterEvaluate'`), so no run's continuation ever runs during another's call.
 *   A call interrupted by the deadlock timeout may leave some behind: they are drained at once,
 *   under the interrupted run's globals, and the context is retired (no new runs) because the
 *   interruption may have cut through shared code.
 *
 * The caller must not interleave two runs' activations in a way that mixes their unhandled promise
 * rejections: all runs share one `Promise` realm (see `isolate-manager.ts`).
 */
import vm from 'node:vm';
import { IllegalStateError } from '@temporalio/common';
import type { ReusableWorkflowBundle } from './bundler';
import { createSandbox, type SandboxHooks } from './sandbox';

/**
 * A run's place in a shared context. Inside the context, the run's own state (its globals while
 * another run is installed, its module instances, activator and timers) is kept on this object.
 */
export interface ReusableContextRun<Owner> {
  readonly owner: Owner;
  readonly context: ReusableWorkflowContext<Owner>;
  /** Set once the run is gone; its globals are then dropped at the next switch. */
  released: boolean;
}

export interface ReusableContextSettings<Owner> {
  /** Longest a call may run, in milliseconds (the deadlock timeout). */
  timeoutMs: number;
  /** Called once the context is destroyed (it takes no more calls). */
  onDestroyed?: (context: ReusableWorkflowContext<Owner>) => void;
}

const dispatchScript = new vm.Script('__temporal_dispatch()', { filename: 'temporal-worker-call.js' });
const drainScript = new vm.Script('void 0', { filename: 'temporal-worker-drain.js' });

export class ReusableWorkflowContext<Owner> {
  readonly #context: vm.Context;
  readonly #timeoutMs: number;
  readonly #onDestroyed: ((context: ReusableWorkflowContext<Owner>) => void) | undefined;
  /** The context's own `Promise` (every promise workflow code creates has it as `constructor`). */
  readonly intrinsicPromise: unknown;
  #activeRun: ReusableContextRun<Owner> | undefined;
  #runCount = 0;
  #retired = false;
  #destroyed = false;

  private constructor(context: vm.Context, intrinsicPromise: unknown, settings: ReusableContextSettings<Owner>) {
    this.#context = context;
    this.intrinsicPromise = intrinsicPromise;
    this.#timeoutMs = settings.timeoutMs;
    this.#onDestroyed = settings.onDestroyed;
  }

  /**
   * Prepares a context: evaluates the library and the run-module factory, snapshots the pristine
   * globals and freezes what runs share. Throws what evaluating the bundle threw.
   *
   * `hooks.console` should attribute output to {@link activeOwner}.
   */
  static create<Owner>(
    bundle: ReusableWorkflowBundle,
    scripts: { library: vm.Script; runModules: vm.Script },
    hooks: SandboxHooks,
    settings: ReusableContextSettings<Owner>,
  ): ReusableWorkflowContext<Owner> {
    const { context, intrinsicPromise, console } = createSandbox(hooks);
    const options = { timeout: settings.timeoutMs, displayErrors: false };
    scripts.library.runInContext(context, options);
    const runModulesFactory = scripts.runModules.runInContext(context, options) as unknown;
    if (typeof runModulesFactory !== 'function') {
      throw new IllegalStateError(
        `${bundle.runModules.filename} did not evaluate to a function; make it with bundleReusableWorkflowCode`,
      );
    }
    // The console object is the worker's; it is shared by every run of the context.
    Object.freeze(console);
    const sandboxGlobal = context as Record<string, unknown>;
    sandboxGlobal.__temporal_runtime_setup = { runModulesFactory };
    vm.runInContext(REUSABLE_CONTEXT_RUNTIME, context, { ...options, filename: 'temporal-reusable-context.js' });
    return new ReusableWorkflowContext<Owner>(context, intrinsicPromise, settings);
  }

  /** False once retired: existing runs continue here, new runs need a new context. */
  get acceptsNewRuns(): boolean {
    return !this.#retired && !this.#destroyed;
  }

  /** The owner of the run whose code is executing (during {@link call}), for console attribution. */
  get activeOwner(): Owner | undefined {
    return this.#activeRun?.owner;
  }

  newRun(owner: Owner): ReusableContextRun<Owner> {
    if (!this.acceptsNewRuns) throw new IllegalStateError('this workflow context was retired and takes no new runs');
    this.#runCount++;
    return { owner, context: this, released: false };
  }

  /**
   * Calls a worker-interface function for `run` (synchronous; microtasks settled on return). The
   * first call of a run must be `initRuntime`: it instantiates the run's modules and globals first,
   * and returns the run's activator.
   */
  call(run: ReusableContextRun<Owner>, name: string, args: unknown[]): unknown {
    if (run.released || run.context !== this)
      throw new IllegalStateError('this workflow run was released from its context');
    const sandboxGlobal = this.#context as Record<string, unknown>;
    sandboxGlobal.__temporal_call = { run, name, args };
    this.#activeRun = run;
    try {
      return dispatchScript.runInContext(this.#context, { timeout: this.#timeoutMs, displayErrors: false });
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
        this.#recoverFromInterruption();
      // A global that cannot be taken back is visible to every run here from now on.
      else if ((error as { name?: unknown } | null)?.name === 'WorkflowContextIsolationError') this.#retired = true;
      throw error;
    } finally {
      this.#activeRun = undefined;
      sandboxGlobal.__temporal_call = undefined;
    }
  }

  /** Forgets a run (after its `dispose` call). Destroys a retired context once its last run is gone. */
  release(run: ReusableContextRun<Owner>): void {
    if (run.released) return;
    run.released = true;
    this.#runCount--;
    if (this.#retired && this.#runCount === 0) this.destroy();
  }

  /** Runs the library's sandbox destructors (`destroy`); the context takes no more calls. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const sandboxGlobal = this.#context as Record<string, unknown>;
    sandboxGlobal.__temporal_call = { run: undefined, name: 'destroy', args: [] };
    try {
      dispatchScript.runInContext(this.#context, { timeout: this.#timeoutMs, displayErrors: false });
    } finally {
      sandboxGlobal.__temporal_call = undefined;
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

/**
 * Runs inside the context once the library (`__TEMPORAL_LIBRARY__`) and the run-module factory
 * are evaluated. Plain JavaScript evaluated in the context's realm: the snapshots and differences
 * it makes belong to the sandbox. Installs `__temporal_dispatch`, which `call` runs.
 */
const REUSABLE_CONTEXT_RUNTIME = String.raw`
(function installReusableContext() {
  'use strict';
  const global = globalThis;
  const setup = global.__temporal_runtime_setup;
  delete global.__temporal_runtime_setup;
  const ownKeys = Reflect.ownKeys;
  const objectKeys = Object.keys;
  const ownSymbols = Object.getOwnPropertySymbols;
  const getDescriptor = Reflect.getOwnPropertyDescriptor;
  const defineProperty = Reflect.defineProperty;
  const deleteProperty = Reflect.deleteProperty;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const setPrototypeOf = Reflect.setPrototypeOf;
  const freeze = Object.freeze; // captured before it refuses the global object (below)
  const hasOwn = Object.prototype.hasOwnProperty;
  const is = Object.is;
  const SandboxObject = Object;
  const SandboxFunction = Function;
  const SandboxError = Error;

  const library = global.__TEMPORAL_LIBRARY__;
  delete global.__TEMPORAL_LIBRARY__;
  const runModulesFactory = setup.runModulesFactory;
  const { api, overrideGlobals, modules } = library;

  function requireShared(id) {
    if (hasOwn.call(modules, id)) return modules[id];
    throw new SandboxError('module ' + id + ' is not part of the shared workflow library');
  }
  // Module-level require.resolve('./x') (worker options kept beside workflows) must evaluate; the
  // value is the specifier the bundler left (the official SDK's is a webpack module id).
  requireShared.resolve = function resolve(id) {
    return id;
  };

  /** The run whose globals are installed (and whose code runs). */
  let installed;

  // ── What differs between runs, behind globals that stay the same ─────────────────────────────

  // The library asks the run being initialized for its modules.
  defineProperty(global, '__TEMPORAL__', {
    value: freeze({
      api,
      importWorkflows() { return installed.modules.importWorkflows(); },
      importInterceptors() { return installed.modules.importInterceptors(); },
      importPayloadConverter() { return installed.modules.importPayloadConverter(); },
      importFailureConverter() { return installed.modules.importFailureConverter(); },
    }),
    writable: false,
    enumerable: false,
    configurable: false,
  });
  // The library sets and reads the activator as a global (constantly): a plain property, which
  // install() saves with the outgoing run and sets from the incoming one.
  defineProperty(global, '__TEMPORAL_ACTIVATOR__', { value: undefined, writable: true, enumerable: false, configurable: false });
  // Sets Math.random once, on the shared Math, before it is frozen. Of what else it installs, only
  // setTimeout and clearTimeout hold run state (a closure mapping timer sequence numbers, which
  // every run numbers from 1, to cancellation scopes): each run gets its own (startRun), called
  // through these.
  overrideGlobals();
  global.setTimeout = { setTimeout(...args) { return installed.setTimeout(...args); } }.setTimeout;
  global.clearTimeout = { clearTimeout(handle) { return installed.clearTimeout(handle); } }.clearTimeout;

  // ── Workflow code cannot make globals permanent ───────────────────────────────────────────────

  // Globals a run defines must stay removable, or the next run would see them: definitions on the
  // global object are made configurable, and it cannot be frozen, sealed or made non-extensible.
  // Such definitions may change attributes only: they make the next switch compare descriptors.
  let globalRedefined = false;
  function removable(descriptor) {
    globalRedefined = true;
    return descriptor !== null && typeof descriptor === 'object' ? { ...descriptor, configurable: true } : descriptor;
  }
  function refuseOnGlobal(name, original) {
    return {
      [name](target, ...rest) {
        if (target === global) throw new TypeError(name + ' cannot be applied to the global object in workflow code');
        return original(target, ...rest);
      },
    }[name];
  }
  const objectDefineProperty = Object.defineProperty;
  const objectDefineProperties = Object.defineProperties;
  const reflectDefineProperty = Reflect.defineProperty;
  Object.defineProperty = {
    defineProperty(target, key, descriptor) {
      return objectDefineProperty(target, key, target === global ? removable(descriptor) : descriptor);
    },
  }.defineProperty;
  Object.defineProperties = {
    defineProperties(target, descriptors) {
      if (target !== global || descriptors === null || typeof descriptors !== 'object') return objectDefineProperties(target, descriptors);
      const made = {};
      for (const key of ownKeys(descriptors)) made[key] = removable(descriptors[key]);
      return objectDefineProperties(target, made);
    },
  }.defineProperties;
  Reflect.defineProperty = {
    defineProperty(target, key, descriptor) {
      return reflectDefineProperty(target, key, target === global ? removable(descriptor) : descriptor);
    },
  }.defineProperty;
  Object.freeze = refuseOnGlobal('freeze', Object.freeze);
  Object.seal = refuseOnGlobal('seal', Object.seal);
  Object.preventExtensions = refuseOnGlobal('preventExtensions', Object.preventExtensions);
  Reflect.preventExtensions = refuseOnGlobal('preventExtensions', Reflect.preventExtensions);

  defineProperty(global, '__temporal_call', { value: undefined, writable: true, enumerable: false, configurable: false });
  defineProperty(global, '__temporal_dispatch', { value: dispatch, writable: false, enumerable: false, configurable: false });

  // ── Pristine globals ──────────────────────────────────────────────────────────────────────────

  const pristine = new Map();
  for (const key of ownKeys(global)) pristine.set(key, getDescriptor(global, key));
  const pristinePrototype = getPrototypeOf(global);
  // Properties that can change: all but those both non-configurable and non-writable.
  const watchedKeys = [];
  const watchedOriginals = [];
  for (const [key, descriptor] of pristine) {
    if (key === '__TEMPORAL_ACTIVATOR__') continue;
    if (descriptor.configurable || descriptor.writable === true || !('value' in descriptor)) {
      watchedKeys.push(key);
      watchedOriginals.push(descriptor);
    }
  }

  function isSandboxValue(value) {
    if (typeof value === 'function') return value instanceof SandboxFunction;
    return value instanceof SandboxObject || getPrototypeOf(value) === null;
  }
  function freezeDeeply(value, seen) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (seen.has(value) || !isSandboxValue(value)) return;
    seen.add(value);
    if (typeof value === 'object') {
      for (const key of ownKeys(value)) {
        const descriptor = getDescriptor(value, key);
        if (descriptor !== undefined && 'value' in descriptor) freezeDeeply(descriptor.value, seen);
      }
    }
    try {
      freeze(value);
    } catch (_) {
      // Typed arrays with elements cannot be frozen.
    }
  }
  // The global object itself stays open (runs add globals), and so does the list the library's
  // destroy() empties.
  const seen = new WeakSet([global, global.__temporal_globalSandboxDestructors].filter((value) => value !== undefined));
  for (const [, descriptor] of pristine) if ('value' in descriptor) freezeDeeply(descriptor.value, seen);
  freezeDeeply(modules, seen);

  // ── Switching runs ────────────────────────────────────────────────────────────────────────────

  function sameDescriptor(a, b) {
    return is(a.value, b.value) && a.get === b.get && a.set === b.set &&
      a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable;
  }

  /**
   * How the global object differs from the pristine one: changed or added properties
   * ([key, descriptor, …]), deleted keys, another prototype; undefined when it does not. Unless
   * workflow code defined properties on it, a pristine data property can only have changed value,
   * and a new one is enumerable (assignment), so comparing values and enumerable keys suffices.
   */
  function differenceFromPristine() {
    const compareDescriptors = globalRedefined;
    let changed;
    let deleted;
    for (let index = 0; index < watchedKeys.length; index++) {
      const key = watchedKeys[index];
      const original = watchedOriginals[index];
      if (!compareDescriptors && 'value' in original) {
        if (is(global[key], original.value) && (original.value !== undefined || hasOwn.call(global, key))) continue;
      }
      const descriptor = getDescriptor(global, key);
      if (descriptor === undefined) (deleted ??= []).push(key);
      else if (!sameDescriptor(descriptor, original)) (changed ??= []).push(key, descriptor);
    }
    const keys = compareDescriptors ? ownKeys(global) : objectKeys(global);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      if (!pristine.has(key)) (changed ??= []).push(key, getDescriptor(global, key));
    }
    if (!compareDescriptors) {
      const symbols = ownSymbols(global);
      for (let index = 0; index < symbols.length; index++) {
        const key = symbols[index];
        if (!pristine.has(key)) (changed ??= []).push(key, getDescriptor(global, key));
      }
    }
    const prototype = getPrototypeOf(global);
    if (changed === undefined && deleted === undefined && prototype === pristinePrototype) return undefined;
    return { changed, deleted, prototype, compareDescriptors };
  }

  function isolationError(key) {
    const error = new SandboxError(
      'workflow code left the global ' + String(key) + ' in a state that cannot be hidden from other runs of a shared context ' +
        '(set reuseV8Context: false to run it)',
    );
    error.name = 'WorkflowContextIsolationError';
    return error;
  }

  function undo(difference) {
    const changed = difference.changed;
    if (changed !== undefined) {
      for (let index = 0; index < changed.length; index += 2) {
        const key = changed[index];
        const original = pristine.get(key);
        if (!(original === undefined ? deleteProperty(global, key) : defineProperty(global, key, original))) throw isolationError(key);
      }
    }
    if (difference.deleted !== undefined) for (const key of difference.deleted) defineProperty(global, key, pristine.get(key));
    if (difference.prototype !== pristinePrototype) setPrototypeOf(global, pristinePrototype);
  }

  function apply(difference) {
    const changed = difference.changed;
    if (changed !== undefined) for (let index = 0; index < changed.length; index += 2) defineProperty(global, changed[index], changed[index + 1]);
    if (difference.deleted !== undefined) for (const key of difference.deleted) deleteProperty(global, key);
    if (difference.prototype !== pristinePrototype) setPrototypeOf(global, difference.prototype);
    // Attributes it changed are only seen by comparing descriptors.
    if (difference.compareDescriptors) globalRedefined = true;
  }

  /** Installs the globals of \`run\` (the pristine ones when it is undefined). */
  function install(run) {
    if (installed === run) return;
    if (installed !== undefined) {
      const difference = differenceFromPristine();
      if (difference !== undefined) undo(difference);
      globalRedefined = false;
      installed.globals = installed.released ? undefined : difference;
      installed.activator = installed.released ? undefined : global.__TEMPORAL_ACTIVATOR__;
    }
    installed = undefined;
    if (run !== undefined && run.globals !== undefined) apply(run.globals);
    global.__TEMPORAL_ACTIVATOR__ = run === undefined ? undefined : run.activator;
    installed = run;
  }

  // ── A run's own modules and timers ────────────────────────────────────────────────────────────

  const sharedMath = global.Math;
  const sharedGlobals = ['Date', 'WeakRef', 'FinalizationRegistry', 'setTimeout', 'clearTimeout'].map((key) => [key, global[key]]);

  function startRun(run) {
    const module = { exports: {} };
    runModulesFactory(module, module.exports, requireShared);
    run.modules = module.exports;
    // overrideGlobals assigns Math.random too: on a scratch object, the shared Math being frozen.
    global.Math = {};
    try {
      overrideGlobals();
      run.setTimeout = global.setTimeout;
      run.clearTimeout = global.clearTimeout;
    } finally {
      global.Math = sharedMath;
      for (const [key, value] of sharedGlobals) global[key] = value;
    }
  }

  function dispatch() {
    const request = global.__temporal_call;
    global.__temporal_call = undefined;
    const run = request.run;
    install(run);
    if (request.name === 'destroy') return api.destroy();
    if (request.name === 'initRuntime') {
      startRun(run);
      api.initRuntime(request.args[0]);
      return global.__TEMPORAL_ACTIVATOR__;
    }
    return api[request.name](...request.args);
  }
})();
`;
