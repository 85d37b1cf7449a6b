/**
 * `AsyncLocalStorage` for workflow code (`@temporalio/workflow`'s cancellation and update scopes
 * are made of it). Each instance holds a host storage (`newAsyncLocalStorage`; Bun propagates it
 * through the sandbox's promises) in a private field. The host never hands back anything but what
 * the sandbox gave it: the store travels in a sandbox box that `getStore` recognises, and a
 * callback's result and error are carried past the host in a closure.
 *
 * Instances are disabled when the workflow run is disposed (`workflowSandboxDestructors` of the
 * run's activator), or, for those made while the bundle loads, when the sandbox is
 * (`__temporal_globalSandboxDestructors`, which `@temporalio/workflow`'s `destroy()` runs).
 *
 * `enterWith`, `bind` and `snapshot` are not provided: the host capability offers run semantics only.
 */
import type { HostAsyncLocalStorage, SandboxHostCapabilities } from '../host-capabilities';
import { callHost, callHostMethod, copyNothing, keepHost } from './host-values';
import {
  ReflectApply,
  StringCtor,
  TypeErrorCtor,
  WeakSetCtor,
  WeakSetPrototypeAdd,
  WeakSetPrototypeHas,
  defineData,
  defineToStringTag,
} from '../primordials';

/** `list.push(value)` as a data property definition: a setter workflow code put on `Array.prototype` is not run. */
function append(list: unknown[], value: unknown): void {
  defineData(list, list.length, value);
}

interface StoreBox {
  store: unknown;
}

function invalidThis(): TypeError {
  const error = new TypeErrorCtor('Value of "this" must be of type AsyncLocalStorage');
  defineData(error, 'code', 'ERR_INVALID_THIS');
  return error;
}

export function createAsyncLocalStorageClass(
  global: typeof globalThis,
  host: SandboxHostCapabilities,
): new (
  name?: string,
) => unknown {
  const hostNewAsyncLocalStorage = host.newAsyncLocalStorage;
  const boxes = new WeakSetCtor<object>();

  /** Registers `disable` to run when the current workflow run, or else the sandbox, is disposed. */
  function registerDestructor(disable: () => void): void {
    const sandboxGlobal = global as unknown as {
      __TEMPORAL_ACTIVATOR__?: { workflowSandboxDestructors?: unknown };
      __temporal_globalSandboxDestructors?: unknown;
    };
    const activator = sandboxGlobal.__TEMPORAL_ACTIVATOR__;
    const runDestructors =
      activator === undefined || activator === null ? undefined : activator.workflowSandboxDestructors;
    if (runDestructors !== undefined && runDestructors !== null) {
      append(runDestructors as unknown[], disable);
      return;
    }
    let globalDestructors = sandboxGlobal.__temporal_globalSandboxDestructors;
    if (globalDestructors === undefined || globalDestructors === null) {
      globalDestructors = [];
      sandboxGlobal.__temporal_globalSandboxDestructors = globalDestructors;
    }
    append(globalDestructors as unknown[], disable);
  }

  let isStorage!: (value: unknown) => boolean;
  let hostStorageOf!: (value: unknown) => HostAsyncLocalStorage;

  class AsyncLocalStorage {
    readonly #storage: HostAsyncLocalStorage;
    /** `@temporalio/workflow` names its storages (`new AsyncLocalStorage('cancellation scope')`). */
    declare readonly name: string;

    static {
      isStorage = (value) => typeof value === 'object' && value !== null && #storage in value;
      hostStorageOf = (value) => {
        if (!isStorage(value)) throw invalidThis();
        return (value as AsyncLocalStorage).#storage;
      };
    }

    constructor(name: unknown = 'anonymous') {
      const storage = callHost(hostNewAsyncLocalStorage, host, [], keepHost<HostAsyncLocalStorage>, AsyncLocalStorage);
      this.#storage = storage;
      defineData(this, 'name', typeof name === 'symbol' ? 'anonymous' : StringCtor(name));
      registerDestructor(() => {
        callHostMethod(storage, 'disable', [], copyNothing);
      });
    }

    /** Runs `callback(...args)` with `store` as the current store; returns what it returns. */
    run<R>(store: unknown, callback: (...args: unknown[]) => R, ...args: unknown[]): R {
      const storage = hostStorageOf(this);
      const box: StoreBox = { __proto__: null, store } as StoreBox;
      WeakSetPrototypeAdd(boxes, box);
      return runThroughHost(storage, 'run', box, callback, args, methods.run);
    }

    /** Runs `callback(...args)` outside of any store. */
    exit<R>(callback: (...args: unknown[]) => R, ...args: unknown[]): R {
      const storage = hostStorageOf(this);
      return runThroughHost(storage, 'exit', undefined, callback, args, methods.exit);
    }

    getStore(): unknown {
      const box = callHostMethod(hostStorageOf(this), 'getStore', [], keepHost<unknown>, methods.getStore);
      if (typeof box !== 'object' || box === null || !WeakSetPrototypeHas(boxes, box)) return undefined;
      return (box as StoreBox).store;
    }

    /** Clears the store; `run` enables the storage again. */
    disable(): void {
      callHostMethod(hostStorageOf(this), 'disable', [], copyNothing, methods.disable);
    }
  }
  const methods = AsyncLocalStorage.prototype;
  defineToStringTag(methods, 'AsyncLocalStorage');

  /**
   * Calls the host's `run`/`exit` with a sandbox callback that records what `callback` returned
   * or threw, so that the sandbox value (not whatever the host returns) reaches the caller, and a
   * thrown sandbox error keeps its identity.
   */
  function runThroughHost<R>(
    storage: HostAsyncLocalStorage,
    method: 'run' | 'exit',
    box: StoreBox | undefined,
    callback: (...args: unknown[]) => R,
    args: unknown[],
    stackStart: unknown,
  ): R {
    if (typeof callback !== 'function') {
      const error = new TypeErrorCtor(`The "callback" argument must be of type function. Received ${typeof callback}`);
      defineData(error, 'code', 'ERR_INVALID_ARG_TYPE');
      throw error;
    }
    let completed = false;
    let threw = false;
    let result: R | undefined;
    let thrown: unknown;
    const inside = (): void => {
      completed = true;
      try {
        result = ReflectApply(callback, undefined, args);
      } catch (error) {
        threw = true;
        thrown = error;
      }
    };
    callHostMethod(storage, method, method === 'run' ? [box, inside] : [inside], copyNothing, stackStart);
    if (!completed) throw new TypeErrorCtor(`AsyncLocalStorage.${method}: the host did not call the callback`);
    if (threw) throw thrown;
    return result as R;
  }

  return AsyncLocalStorage;
}
