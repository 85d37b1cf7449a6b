/**
 * One workflow sandbox: a `node:vm` context prepared for `@temporalio/workflow` code.
 *
 * The context gets what workflow code may use (console routed to the worker logger, `assert`,
 * `URL`, `TextEncoder`/`TextDecoder`, `AbortController`, `AsyncLocalStorage`), loses what would
 * break determinism (`ShadowRealm`, `Temporal.Now`), and is instrumented for stack traces:
 *
 * - Error stacks are mapped through the bundle's source map (`Error.prepareStackTrace`), so a
 *   workflow failure points at `workflows.ts:12:5`, not at the bundle.
 * - The `__stack_trace` query. The official worker builds it from V8 promise hooks
 *   (`v8.promiseHooks.createHook`), which Bun does not implement (it throws
 *   `ERR_NOT_IMPLEMENTED`; `async_hooks.createHook` never calls `init` either). Instead, the
 *   sandbox's global `Promise` is a constructor that records where each explicitly constructed
 *   promise was created (`Error.captureStackTrace`) until it settles. Every workflow primitive
 *   that blocks — timers, activities, child workflows, `condition`, external signals and
 *   cancellations, triggers — creates its promise with `new Promise` at the point the workflow
 *   calls it, and JavaScriptCore includes the awaiting `async` callers in that stack. So the
 *   pending records are the workflow's await points. What this cannot see: promises that
 *   `async` functions create implicitly (they never pass through the global constructor), so an
 *   `await` on something that is not a workflow primitive (e.g. `await Promise.resolve()`) is
 *   not listed; the official worker would list it.
 *
 * The instrumentation never changes promise semantics: the constructor returns a native promise
 * (same microtask timing, `await` fast path intact), static methods run on the native
 * constructor, and `instanceof Promise` still holds for every promise.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import nodeAssert from 'node:assert';
import vm from 'node:vm';
import type { OriginalPosition } from './source-map';

/** The outside functions a sandbox calls back into. All are synchronous. */
export interface SandboxHooks {
  /**
   * Original position of a position (1-based line and column) in one of the bundle's scripts;
   * `undefined` for any other file, or when the position maps to nothing.
   */
  mapPosition(file: string, line: number, column: number): OriginalPosition | undefined;
  /** The sandbox's `console.*` methods. */
  console: SandboxConsole;
}

export type SandboxConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
export type SandboxConsole = Record<SandboxConsoleLevel, (...args: unknown[]) => void>;

export interface Sandbox {
  context: vm.Context;
  /**
   * The context's own `Promise` constructor (before instrumentation). Every native promise created
   * in the sandbox has it as `constructor`, which is how an unhandled rejection is traced back to
   * its workflow run.
   */
  intrinsicPromise: unknown;
  /** The context's `console` object (made of `hooks.console`). */
  console: SandboxConsole;
}

/** A stack frame as the stack-trace queries report it (the official SDK's `FileLocation`). */
export interface FileLocation {
  file_path?: string;
  function_name?: string;
  line?: number;
  column?: number;
  internal_code: boolean;
}

/** Creates and prepares a context; the caller then evaluates the bundle in it. */
export function createSandbox(hooks: SandboxHooks): Sandbox {
  const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
  const sandboxGlobal = context as Record<string, unknown>;
  const intrinsicPromise = vm.runInContext('Promise', context);

  const globals: Record<string, unknown> = {
    assert: nodeAssert,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    AbortController,
    AsyncLocalStorage: sandboxAsyncLocalStorage(sandboxGlobal),
  };
  for (const [name, value] of Object.entries(globals)) {
    Object.defineProperty(sandboxGlobal, name, { value, writable: false, enumerable: true, configurable: false });
  }
  const sandboxConsole = { ...hooks.console };
  Object.defineProperty(sandboxGlobal, 'console', {
    value: sandboxConsole,
    writable: true,
    enumerable: false,
    configurable: true,
  });

  sandboxGlobal.__temporal_sandbox_hooks = hooks;
  try {
    vm.runInContext(SANDBOX_BOOTSTRAP, context, { filename: 'temporal-sandbox-bootstrap.js' });
  } finally {
    delete sandboxGlobal.__temporal_sandbox_hooks;
  }
  return { context, intrinsicPromise, console: sandboxConsole };
}

/**
 * `AsyncLocalStorage` for workflow code (cancellation and update scopes rely on it). Instances
 * are disabled when the run (or, if created while loading the bundle, the sandbox) is disposed.
 */
function sandboxAsyncLocalStorage(
  sandboxGlobal: Record<string, unknown>,
): new (
  name?: string,
) => AsyncLocalStorage<unknown> {
  return class WorkflowAsyncLocalStorage<T> extends AsyncLocalStorage<T> {
    // `@temporalio/workflow` names its storages (`new AsyncLocalStorage('cancellation scope')`).
    readonly storageName: string;
    constructor(name = 'anonymous') {
      super();
      this.storageName = name;
      const disable = () => this.disable();
      const activator = sandboxGlobal.__TEMPORAL_ACTIVATOR__ as
        | { workflowSandboxDestructors?: (() => void)[] }
        | undefined;
      if (activator?.workflowSandboxDestructors) {
        activator.workflowSandboxDestructors.push(disable);
      } else {
        // `destroy()` in @temporalio/workflow's worker interface runs these.
        const destructors = (sandboxGlobal.__temporal_globalSandboxDestructors ??= []) as (() => void)[];
        destructors.push(disable);
      }
    }
  };
}

/**
 * Runs inside the sandbox before the bundle. Kept as plain JavaScript source (evaluated in the
 * context's realm) so that the promises, errors and collections it creates belong to the sandbox.
 */
const SANDBOX_BOOTSTRAP = String.raw`
(function installWorkflowSandbox(hooks) {
  'use strict';
  const OriginalPromise = Promise;
  const OriginalError = Error;
  const captureStackTrace = OriginalError.captureStackTrace;

  // Nothing here may reach real time or a fresh, unpatched realm.
  delete globalThis.ShadowRealm;
  if (typeof Temporal === 'object' && Temporal !== null && typeof Temporal.Now === 'object') {
    const nondeterministic = function () {
      throw new OriginalError('Temporal.Now is not deterministic and cannot be used in workflow code: use Date.now() (the workflow clock) instead');
    };
    const now = {};
    for (const key of Object.getOwnPropertyNames(Temporal.Now)) now[key] = nondeterministic;
    Object.defineProperty(Temporal, 'Now', { value: Object.freeze(now), writable: false, configurable: false });
  }

  // ── Stack frames ──────────────────────────────────────────────────────────────────────────────

  function locationOf(functionName, file, line, column) {
    const location = { file_path: file, function_name: functionName || undefined, line, column, internal_code: false };
    if (file !== undefined && line !== undefined && column !== undefined) {
      const original = hooks.mapPosition(file, line, column);
      if (original) {
        location.file_path = original.source;
        location.line = original.line;
        location.column = original.column;
        if (!location.function_name && original.name) location.function_name = original.name;
      }
    }
    return location;
  }

  function formatLocation(location) {
    const where = location.file_path === '[native code]' || location.file_path === undefined
      ? 'native'
      : location.line === undefined
        ? location.file_path
        : location.file_path + ':' + location.line + ':' + location.column;
    return location.function_name ? '    at ' + location.function_name + ' (' + where + ')' : '    at ' + where;
  }

  // Frames past these belong to the SDK's activation machinery, not to the workflow.
  const INBOUND_HANDLER = /^(?:Activator\.)?(?:startWorkflow|queryWorkflow|signalWorkflow|update|validateUpdate)NextHandler$/;
  function isCutoff(location) {
    const name = location.function_name || '';
    const file = location.file_path || '';
    return INBOUND_HANDLER.test(name) || name === 'runInContext' || /[\\/]workflow[\\/](?:src|lib)[\\/]worker-interface\.[jt]s$/.test(file);
  }
  function isDropped(location) {
    // The closures that chain interceptors add nothing to a workflow's stack.
    return location.function_name === 'next' && /[\\/]common[\\/](?:src|lib)[\\/]interceptors\.[jt]s$/.test(location.file_path || '');
  }

  // Error stacks: V8's format (what Temporal failures carry), with bundle positions mapped back.
  OriginalError.prepareStackTrace = function prepareWorkflowStackTrace(error, callsites) {
    let header;
    try {
      header = String(error);
    } catch (_) {
      header = 'Error';
    }
    const lines = [header];
    for (const callsite of callsites) {
      const location = locationOf(
        callsite.getFunctionName(),
        callsite.getFileName() || undefined,
        callsite.getLineNumber() || undefined,
        callsite.getColumnNumber() || undefined,
      );
      lines.push(formatLocation(location));
    }
    return lines.join('\n');
  };

  // JavaScriptCore formats captured stacks as "name@file:line:column" ("async name@…" for awaiting callers).
  const JSC_FRAME = /^(?:(async )?([^@]*)@)?(.*?)(?::(\d+):(\d+))?$/;
  function parseCapturedStack(stack) {
    const locations = [];
    for (const line of String(stack || '').split('\n')) {
      if (line.length === 0) continue;
      const match = JSC_FRAME.exec(line.trim());
      if (!match) continue;
      const location = locationOf(
        match[2] || undefined,
        match[3] || undefined,
        match[4] === undefined ? undefined : Number(match[4]),
        match[5] === undefined ? undefined : Number(match[5]),
      );
      if (isCutoff(location)) break;
      if (isDropped(location)) continue;
      if (match[1] && location.function_name) location.function_name = 'async ' + location.function_name;
      locations.push(location);
    }
    return locations;
  }

  // ── Await points ──────────────────────────────────────────────────────────────────────────────

  function stackStore() {
    const activator = globalThis.__TEMPORAL_ACTIVATOR__;
    return activator === undefined ? undefined : activator.promiseStackStore;
  }

  /** The store entry of a pending promise; formatted lazily (only a stack-trace query reads it). */
  function recordedStack(holder) {
    let structured;
    return {
      get structured() {
        if (structured === undefined) structured = parseCapturedStack(holder.stack);
        return structured;
      },
      get formatted() {
        return this.structured.map(formatLocation).join('\n');
      },
    };
  }

  function WorkflowPromise(executor) {
    if (new.target === undefined) throw new TypeError("Promise constructor cannot be invoked without 'new'");
    const store = stackStore();
    const prototypeTarget = new.target === WorkflowPromise ? OriginalPromise : new.target;
    if (store === undefined || typeof executor !== 'function') {
      return Reflect.construct(OriginalPromise, [executor], prototypeTarget);
    }
    let promise;
    let settled = false;
    const forget = () => {
      settled = true;
      if (promise !== undefined) {
        store.promiseToStack.delete(promise);
        store.childToParent.delete(promise);
      }
    };
    promise = Reflect.construct(
      OriginalPromise,
      [
        function (resolve, reject) {
          return executor(
            function (value) { forget(); return resolve(value); },
            function (reason) { forget(); return reject(reason); },
          );
        },
      ],
      prototypeTarget,
    );
    if (!settled) {
      const holder = {};
      captureStackTrace(holder, WorkflowPromise);
      store.promiseToStack.set(promise, recordedStack(holder));
      store.childToParent.set(promise, new Set());
    }
    return promise;
  }
  Object.defineProperty(WorkflowPromise, 'name', { value: 'Promise' });
  WorkflowPromise.prototype = OriginalPromise.prototype;
  Object.setPrototypeOf(WorkflowPromise, OriginalPromise);
  for (const name of ['all', 'allSettled', 'any', 'race', 'reject', 'resolve', 'withResolvers', 'try']) {
    const method = OriginalPromise[name];
    if (typeof method !== 'function') continue;
    Object.defineProperty(WorkflowPromise, name, {
      value: {
        [name](...args) {
          return method.apply(this === WorkflowPromise ? OriginalPromise : this, args);
        },
      }[name],
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(WorkflowPromise, Symbol.hasInstance, {
    value: function (value) { return value instanceof OriginalPromise; },
  });
  Object.defineProperty(globalThis, 'Promise', { value: WorkflowPromise, writable: true, configurable: true, enumerable: false });
})(globalThis.__temporal_sandbox_hooks);
`;
