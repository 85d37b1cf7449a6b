/**
 * Stack traces in the sandbox: error stacks mapped through the bundle's source map, and the
 * `__stack_trace` query's await points.
 *
 * - `Error.prepareStackTrace` formats stacks as V8 does (what Temporal failures carry), with bundle
 *   positions mapped back, so a workflow failure points at `workflows.ts:12:5`, not at the bundle.
 * - The `__stack_trace` query. The official worker builds it from V8 promise hooks, which Bun does
 *   not implement. Instead, the sandbox's global `Promise` is a constructor that records where each
 *   explicitly constructed promise was created (`Error.captureStackTrace`) until it settles. Every
 *   workflow primitive that blocks (timers, activities, child workflows, `condition`, external
 *   signals and cancellations, triggers) creates its promise with `new Promise` at the point the
 *   workflow calls it, and JavaScriptCore includes the awaiting `async` callers in that stack. So
 *   the pending records are the workflow's await points. What this cannot see: promises that
 *   `async` functions create implicitly, so an `await` on something that is not a workflow
 *   primitive (e.g. `await Promise.resolve()`) is not listed; the official worker would list it.
 *
 * The instrumentation never changes promise semantics: the constructor returns a native promise
 * (same microtask timing, `await` fast path intact), static methods run on the native constructor,
 * and `instanceof Promise` still holds for every promise.
 */
import type { HostSourcePosition, SandboxHostCapabilities } from './host-capabilities';
import {
  ArrayPrototypeJoin,
  ReflectConstruct,
  ReflectDefineProperty,
  RegExpPrototypeExec,
  RegExpPrototypeTest,
  SandboxError,
  SandboxPromise,
  SandboxTypeError,
  StringCtor,
  StringPrototypeSplit,
  StringPrototypeTrim,
  append,
} from './primordials';

/** A stack frame as the stack-trace queries report it (the official SDK's `FileLocation`). */
export interface FileLocation {
  file_path?: string | undefined;
  function_name?: string | undefined;
  line?: number | undefined;
  column?: number | undefined;
  internal_code: boolean;
}

interface CallSite {
  getFunctionName(): string | null;
  getFileName(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

interface PromiseStackStore {
  promiseToStack: Map<unknown, unknown>;
  childToParent: Map<unknown, Set<unknown>>;
}

/** Frames past these belong to the SDK's activation machinery, not to the workflow. */
const INBOUND_HANDLER =
  /^(?:Activator\.)?(?:startWorkflow|queryWorkflow|signalWorkflow|update|validateUpdate)NextHandler$/;
const WORKER_INTERFACE = /[\\/]workflow[\\/](?:src|lib)[\\/]worker-interface\.[jt]s$/;
const INTERCEPTOR_CHAIN = /[\\/]common[\\/](?:src|lib)[\\/]interceptors\.[jt]s$/;
/** JavaScriptCore formats captured stacks as "name@file:line:column" ("async name@…" for awaiting callers). */
const JSC_FRAME = /^(?:(async )?([^@]*)@)?(.*?)(?::(\d+):(\d+))?$/;

/**
 * Installs the stack-trace formatter and the recording `Promise` on the sandbox's global.
 * `activatorStore` reads the current run's promise stack store (none before `initRuntime`).
 */
export function installStackTraces(
  global: typeof globalThis,
  host: SandboxHostCapabilities,
  activatorStore: () => PromiseStackStore | undefined,
): void {
  const captureStackTrace = (
    SandboxError as unknown as { captureStackTrace(target: object, constructor?: unknown): void }
  ).captureStackTrace;
  const mapPosition = host.mapPosition;

  /** The host's answer, as primitives only (its object is never kept). */
  function originalPosition(file: string, line: number, column: number): HostSourcePosition | undefined {
    let answer: HostSourcePosition | undefined;
    try {
      answer = mapPosition(file, line, column);
    } catch {
      return undefined;
    }
    if (answer === undefined || answer === null) return undefined;
    const source = answer.source;
    const mappedLine = answer.line;
    const mappedColumn = answer.column;
    const name = answer.name;
    if (typeof source !== 'string' || typeof mappedLine !== 'number' || typeof mappedColumn !== 'number')
      return undefined;
    return { source, line: mappedLine, column: mappedColumn, name: typeof name === 'string' ? name : undefined };
  }

  function locationOf(
    functionName: string | undefined,
    file: string | undefined,
    line: number | undefined,
    column: number | undefined,
  ): FileLocation {
    const location: FileLocation = {
      file_path: file,
      function_name: functionName || undefined,
      line,
      column,
      internal_code: false,
    };
    if (file !== undefined && line !== undefined && column !== undefined) {
      const original = originalPosition(file, line, column);
      if (original) {
        location.file_path = original.source;
        location.line = original.line;
        location.column = original.column;
        if (!location.function_name && original.name) location.function_name = original.name;
      }
    }
    return location;
  }

  function formatLocation(location: FileLocation): string {
    const where =
      location.file_path === '[native code]' || location.file_path === undefined
        ? 'native'
        : location.line === undefined
          ? location.file_path
          : `${location.file_path}:${location.line}:${location.column}`;
    return location.function_name ? `    at ${location.function_name} (${where})` : `    at ${where}`;
  }

  function isCutoff(location: FileLocation): boolean {
    const name = location.function_name || '';
    return (
      RegExpPrototypeTest(INBOUND_HANDLER, name) ||
      name === 'runInContext' ||
      RegExpPrototypeTest(WORKER_INTERFACE, location.file_path || '')
    );
  }

  function isDropped(location: FileLocation): boolean {
    // The closures that chain interceptors add nothing to a workflow's stack.
    return location.function_name === 'next' && RegExpPrototypeTest(INTERCEPTOR_CHAIN, location.file_path || '');
  }

  (SandboxError as unknown as { prepareStackTrace: unknown }).prepareStackTrace = function prepareWorkflowStackTrace(
    error: unknown,
    callsites: CallSite[],
  ): string {
    let header: string;
    try {
      header = StringCtor(error);
    } catch {
      header = 'Error';
    }
    const lines = [header];
    for (let index = 0; index < callsites.length; index++) {
      const callsite = callsites[index]!;
      const location = locationOf(
        callsite.getFunctionName() || undefined,
        callsite.getFileName() || undefined,
        callsite.getLineNumber() || undefined,
        callsite.getColumnNumber() || undefined,
      );
      append(lines, formatLocation(location));
    }
    return ArrayPrototypeJoin(lines, '\n');
  };

  function parseCapturedStack(stack: unknown): FileLocation[] {
    const locations: FileLocation[] = [];
    const lines = StringPrototypeSplit(StringCtor(stack || ''), '\n');
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      if (line.length === 0) continue;
      const match = RegExpPrototypeExec(JSC_FRAME, StringPrototypeTrim(line));
      if (!match) continue;
      const location = locationOf(
        match[2] || undefined,
        match[3] || undefined,
        match[4] === undefined ? undefined : Number(match[4]),
        match[5] === undefined ? undefined : Number(match[5]),
      );
      if (isCutoff(location)) break;
      if (isDropped(location)) continue;
      if (match[1] && location.function_name) location.function_name = `async ${location.function_name}`;
      append(locations, location);
    }
    return locations;
  }

  /** The store entry of a pending promise; formatted lazily (only a stack-trace query reads it). */
  function recordedStack(holder: { stack?: unknown }) {
    let structured: FileLocation[] | undefined;
    return {
      get structured(): FileLocation[] {
        structured ??= parseCapturedStack(holder.stack);
        return structured;
      },
      get formatted(): string {
        const lines: string[] = [];
        for (const location of this.structured) append(lines, formatLocation(location));
        return ArrayPrototypeJoin(lines, '\n');
      },
    };
  }

  type Executor = (resolve: (value: unknown) => void, reject: (reason: unknown) => void) => unknown;
  const OriginalPromise = SandboxPromise;

  function WorkflowPromise(this: unknown, executor: Executor): unknown {
    if (new.target === undefined) throw new SandboxTypeError("Promise constructor cannot be invoked without 'new'");
    const store = activatorStore();
    const prototypeTarget = new.target === WorkflowPromise ? OriginalPromise : new.target;
    if (store === undefined || typeof executor !== 'function') {
      return ReflectConstruct(OriginalPromise, [executor], prototypeTarget);
    }
    let promise: unknown;
    let settled = false;
    const forget = () => {
      settled = true;
      if (promise !== undefined) {
        store.promiseToStack.delete(promise);
        store.childToParent.delete(promise);
      }
    };
    promise = ReflectConstruct(
      OriginalPromise,
      [
        (resolve: (value: unknown) => void, reject: (reason: unknown) => void) =>
          executor(
            (value) => {
              forget();
              resolve(value);
            },
            (reason) => {
              forget();
              reject(reason);
            },
          ),
      ],
      prototypeTarget,
    );
    if (!settled) {
      const holder: { stack?: unknown } = {};
      captureStackTrace(holder, WorkflowPromise);
      store.promiseToStack.set(promise, recordedStack(holder));
      store.childToParent.set(promise, new Set());
    }
    return promise;
  }
  ReflectDefineProperty(WorkflowPromise, 'name', { value: 'Promise' });
  WorkflowPromise.prototype = OriginalPromise.prototype;
  Object.setPrototypeOf(WorkflowPromise, OriginalPromise);
  for (const name of ['all', 'allSettled', 'any', 'race', 'reject', 'resolve', 'withResolvers', 'try']) {
    const method = (OriginalPromise as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
    if (typeof method !== 'function') continue;
    ReflectDefineProperty(WorkflowPromise, name, {
      value: {
        [name](this: unknown, ...args: unknown[]) {
          return Reflect.apply(method, this === WorkflowPromise ? OriginalPromise : this, args);
        },
      }[name],
      writable: true,
      configurable: true,
    });
  }
  ReflectDefineProperty(WorkflowPromise, Symbol.hasInstance, {
    value: (value: unknown) => value instanceof OriginalPromise,
  });
  ReflectDefineProperty(global, 'Promise', {
    value: WorkflowPromise,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
