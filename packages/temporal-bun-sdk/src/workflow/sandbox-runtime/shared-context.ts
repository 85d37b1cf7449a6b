/**
 * One context shared by many runs (`reuseV8Context`), inside the sandbox. The library (the
 * worker interface and the SDK's modules) is evaluated once; each run gets fresh instances of its
 * own modules, its own globals, timers and activator. Runs take turns: the worker never
 * interleaves two runs' calls in a way that mixes their microtasks.
 *
 * What keeps runs apart:
 *
 * - **Globals.** Each run sees the context's pristine globals plus its own changes. When a call is
 *   for another run than the last one, the global object is compared with its pristine snapshot;
 *   the difference (properties added, changed or deleted, another prototype) is stored with the run
 *   that made it, undone, and the next run's difference applied. What the SDK keeps per run sits
 *   behind globals that never change (`__TEMPORAL_ACTIVATOR__` is saved and set on each switch;
 *   `setTimeout` and `clearTimeout` call the installed run's own).
 * - **Shared prototypes.** The built-in prototypes (`Object.prototype`, `Array.prototype`, the
 *   iterator and generator prototypes, …) are shared by every run, so they are frozen: a run that
 *   adds a property to `Object.prototype`, replaces `Array.prototype.push`, deletes or redefines a
 *   property, is refused (a TypeError in strict code; sloppy code's assignment has no effect), and
 *   no switch has to look for changes. The names programs commonly assign on their own objects
 *   (`constructor`, `name`, `message`, `toString`, …) stay assignable there: on a shared prototype
 *   they are accessors whose setter defines the property on the object assigned to.
 * - **Module state.** The workflows and every module they import outside the SDK's packages are
 *   instantiated once per run; library modules keep what belongs to a run on its activator.
 * - **Shared objects.** The pristine globals' values that belong to the context (`Math`, `JSON`,
 *   `Reflect`, constructors…) and the library's modules are frozen before the first run.
 *
 * Everything here calls the realm's built-ins through `primordials.ts`, so that what a run changes
 * cannot change how runs are switched.
 */
import {
  MapPrototypeGet,
  MapPrototypeSet,
  ObjectFreeze,
  ObjectGetPrototypeOf,
  ObjectHasOwn,
  ObjectIs,
  ObjectKeys,
  ReflectApply,
  ReflectDefineProperty,
  ReflectDeleteProperty,
  ReflectGetOwnPropertyDescriptor,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  ObjectGetOwnPropertySymbols,
  ReflectSetPrototypeOf,
  SandboxError,
  SandboxFunction,
  SandboxMap,
  SandboxObject,
  SandboxSet,
  SandboxTypeError,
  SetPrototypeAdd,
  SetPrototypeHas,
  append,
} from './primordials';

/** What the library script registers: the worker interface, the global overrides, the shared modules. */
export interface SharedLibrary {
  api: Record<string, (...args: unknown[]) => unknown>;
  overrideGlobals(): void;
  modules: Record<string, unknown>;
}

/** The per-run module factory the run-modules script evaluates to. */
export type RunModulesFactory = (
  module: { exports: Record<string, unknown> },
  exports: Record<string, unknown>,
  require: (id: string) => unknown,
) => void;

/** A run's own state in the shared context. */
export interface SharedRun {
  modules?: Record<string, () => unknown>;
  setTimeout?: unknown;
  clearTimeout?: unknown;
  /** The run's globals while another run is installed. */
  globals?: GlobalsDifference | undefined;
  activator?: unknown;
  released: boolean;
}

interface GlobalsDifference {
  changed: unknown[] | undefined;
  deleted: PropertyKey[] | undefined;
  prototype: object | null;
  compareDescriptors: boolean;
}

export interface SharedContext {
  /** Makes `run`'s globals the context's (the pristine ones for undefined). */
  install(run: SharedRun | undefined): void;
  /** Instantiates the run's modules and timers; `run` must be installed. */
  startRun(run: SharedRun): void;
  readonly api: SharedLibrary['api'];
}

/**
 * Properties of shared prototypes that programs commonly assign on their own objects (the
 * "override mistake" of frozen prototypes): accessors that define them on the object assigned to.
 */
const OVERRIDABLE_NAMES = new SandboxSet([
  'constructor',
  'name',
  'message',
  'toString',
  'toLocaleString',
  'valueOf',
  'toJSON',
  'then',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
]);

function dataDescriptor(
  value: unknown,
  writable: boolean,
  enumerable: boolean,
  configurable: boolean,
): PropertyDescriptor {
  return { __proto__: null, value, writable, enumerable, configurable } as PropertyDescriptor;
}

/** A descriptor without a prototype (a polluted `Object.prototype` cannot add `get` to it). */
function ownDescriptor(descriptor: PropertyDescriptor): PropertyDescriptor {
  const copy = { __proto__: null } as PropertyDescriptor;
  for (const key of ['value', 'writable', 'get', 'set', 'enumerable', 'configurable'] as const) {
    if (ObjectHasOwn(descriptor, key)) (copy as Record<string, unknown>)[key] = descriptor[key];
  }
  return copy;
}

function isolationError(what: string): Error {
  const error = new SandboxError(
    `workflow code left ${what} in a state that cannot be hidden from other runs of a shared context ` +
      '(set reuseV8Context: false to run it)',
  );
  ReflectDefineProperty(error, 'name', dataDescriptor('WorkflowContextIsolationError', true, false, true));
  return error;
}

function sharedObjectError(operation: string): TypeError {
  return new SandboxTypeError(
    `${operation} cannot be applied to a built-in or SDK object shared by every workflow run of this worker ` +
      '(reuseV8Context); change your own objects instead',
  );
}

/**
 * Prepares the context once the library and the run-module factory are evaluated: snapshots the
 * pristine globals, seals the shared prototypes, freezes what runs share.
 */
export function installSharedContext(
  global: typeof globalThis & Record<PropertyKey, unknown>,
  library: SharedLibrary,
  runModulesFactory: RunModulesFactory,
): SharedContext {
  const { api, overrideGlobals, modules } = library;

  function requireShared(id: string): unknown {
    if (ObjectHasOwn(modules, id)) return modules[id];
    throw new SandboxError(`module ${id} is not part of the shared workflow library`);
  }
  // Module-level require.resolve('./x') (worker options kept beside workflows) must evaluate; the
  // value is the specifier the bundler left (the official SDK's is a webpack module id).
  requireShared.resolve = (id: string) => id;

  /** The run whose globals are installed (and whose code runs). */
  let installed: SharedRun | undefined;

  // ── What differs between runs, behind globals that stay the same ─────────────────────────────

  const runModule = (name: string) => () => {
    const importer = installed?.modules?.[name];
    if (importer === undefined) throw new SandboxError('no workflow run is being initialized');
    return importer();
  };
  ReflectDefineProperty(
    global,
    '__TEMPORAL__',
    dataDescriptor(
      ObjectFreeze({
        __proto__: null,
        api,
        importWorkflows: runModule('importWorkflows'),
        importInterceptors: runModule('importInterceptors'),
        importPayloadConverter: runModule('importPayloadConverter'),
        importFailureConverter: runModule('importFailureConverter'),
      }),
      false,
      false,
      false,
    ),
  );
  // The library sets and reads the activator as a global (constantly): a plain property, which
  // install() saves with the outgoing run and sets from the incoming one.
  ReflectDefineProperty(global, '__TEMPORAL_ACTIVATOR__', dataDescriptor(undefined, true, false, false));
  // Sets Math.random once, on the shared Math, before it is frozen. Of what else it installs, only
  // setTimeout and clearTimeout hold run state: each run gets its own (startRun), called through these.
  overrideGlobals();
  global.setTimeout = {
    setTimeout(...args: unknown[]) {
      return ReflectApply(installed!.setTimeout as (...a: unknown[]) => unknown, undefined, args);
    },
  }.setTimeout as unknown as typeof setTimeout;
  global.clearTimeout = {
    clearTimeout(handle: unknown) {
      return ReflectApply(installed!.clearTimeout as (...a: unknown[]) => unknown, undefined, [handle]);
    },
  }.clearTimeout as unknown as typeof clearTimeout;

  // ── Shared prototypes ─────────────────────────────────────────────────────────────────────────

  const isSandboxValue = (value: object) =>
    typeof value === 'function'
      ? value instanceof SandboxFunction
      : value instanceof SandboxObject || ObjectGetPrototypeOf(value) === null;

  const sharedPrototypes = new SandboxSet<object>();
  function sharePrototypeChain(start: unknown): void {
    for (let object = start; object !== null && (typeof object === 'object' || typeof object === 'function'); ) {
      if (object === global || SetPrototypeHas(sharedPrototypes, object) || !isSandboxValue(object as object)) return;
      SetPrototypeAdd(sharedPrototypes, object);
      object = ReflectGetPrototypeOf(object as object);
    }
  }
  function sharePrototypesOf(value: unknown): void {
    if (typeof value === 'function') {
      const descriptor = ReflectGetOwnPropertyDescriptor(value, 'prototype');
      if (descriptor !== undefined && ObjectHasOwn(descriptor, 'value')) sharePrototypeChain(descriptor.value);
      sharePrototypeChain(ReflectGetPrototypeOf(value));
    } else if (value !== null && typeof value === 'object') {
      sharePrototypeChain(ReflectGetPrototypeOf(value));
    }
  }
  // Prototypes no global names: iterators, generators, async functions.
  const hiddenIntrinsics: unknown[] = [
    [][Symbol.iterator](),
    new Map().entries(),
    new Set().values(),
    ''[Symbol.iterator](),
    /a/[Symbol.matchAll]('a'),
    (function* generator() {})(),
    function* generatorFunction() {},
    async function asyncFunction() {},
    (async function* asyncGenerator() {})(),
    async function* asyncGeneratorFunction() {},
  ];
  for (const value of hiddenIntrinsics) sharePrototypesOf(value);
  sharePrototypeChain(ReflectGetPrototypeOf(global));

  // ── Workflow code cannot make globals permanent, nor change shared prototypes' shape ──────────

  // Globals a run defines must stay removable, or the next run would see them: definitions on the
  // global object are made configurable, and it cannot be frozen, sealed or made non-extensible.
  let globalRedefined = false;
  function removable(descriptor: unknown): unknown {
    globalRedefined = true;
    return descriptor !== null && typeof descriptor === 'object' ? { ...descriptor, configurable: true } : descriptor;
  }
  function guardTarget(name: string, target: unknown): void {
    if (target === global)
      throw new SandboxTypeError(`${name} cannot be applied to the global object in workflow code`);
    if (SetPrototypeHas(sharedPrototypes, target)) throw sharedObjectError(name);
  }
  function refuseOnShared<F extends (target: object, ...rest: never[]) => unknown>(name: string, original: F): F {
    return {
      [name](target: object, ...rest: never[]) {
        guardTarget(name, target);
        return ReflectApply(original, undefined, [target, ...rest]);
      },
    }[name] as F;
  }
  const objectDefineProperty = Object.defineProperty;
  const objectDefineProperties = Object.defineProperties;
  const reflectDefineProperty = Reflect.defineProperty;
  Object.defineProperty = {
    defineProperty<T>(target: T, key: PropertyKey, descriptor: PropertyDescriptor & ThisType<unknown>): T {
      if (SetPrototypeHas(sharedPrototypes, target)) throw sharedObjectError('Object.defineProperty');
      return objectDefineProperty(
        target,
        key,
        target === global ? (removable(descriptor) as PropertyDescriptor) : descriptor,
      );
    },
  }.defineProperty;
  Object.defineProperties = {
    defineProperties<T>(target: T, descriptors: PropertyDescriptorMap & ThisType<unknown>): T {
      if (SetPrototypeHas(sharedPrototypes, target)) throw sharedObjectError('Object.defineProperties');
      if (target !== global || descriptors === null || typeof descriptors !== 'object')
        return objectDefineProperties(target, descriptors);
      const made: PropertyDescriptorMap = {};
      for (const key of ReflectOwnKeys(descriptors)) {
        ReflectDefineProperty(
          made,
          key,
          dataDescriptor(removable((descriptors as Record<PropertyKey, unknown>)[key]), true, true, true),
        );
      }
      return objectDefineProperties(target, made);
    },
  }.defineProperties;
  Reflect.defineProperty = {
    defineProperty(target: object, key: PropertyKey, descriptor: PropertyDescriptor): boolean {
      if (SetPrototypeHas(sharedPrototypes, target)) throw sharedObjectError('Reflect.defineProperty');
      return reflectDefineProperty(
        target,
        key,
        target === global ? (removable(descriptor) as PropertyDescriptor) : descriptor,
      );
    },
  }.defineProperty;
  Object.freeze = refuseOnShared('freeze', Object.freeze);
  Object.seal = refuseOnShared('seal', Object.seal);
  Object.preventExtensions = refuseOnShared('preventExtensions', Object.preventExtensions);
  Reflect.preventExtensions = refuseOnShared('preventExtensions', Reflect.preventExtensions);

  // ── Pristine globals ──────────────────────────────────────────────────────────────────────────

  const pristine = new SandboxMap<PropertyKey, PropertyDescriptor>();
  for (const key of ReflectOwnKeys(global)) {
    MapPrototypeSet(
      pristine as Map<unknown, unknown>,
      key,
      ownDescriptor(ReflectGetOwnPropertyDescriptor(global, key)!),
    );
  }
  const pristinePrototype = ReflectGetPrototypeOf(global);
  // Properties that can change: all but those both non-configurable and non-writable.
  const watchedKeys: PropertyKey[] = [];
  const watchedOriginals: PropertyDescriptor[] = [];
  for (const key of ReflectOwnKeys(global)) {
    if (key === '__TEMPORAL_ACTIVATOR__') continue;
    const descriptor = MapPrototypeGet(pristine as Map<unknown, unknown>, key) as PropertyDescriptor;
    if (descriptor.configurable || descriptor.writable === true || !ObjectHasOwn(descriptor, 'value')) {
      append(watchedKeys, key);
      append(watchedOriginals, descriptor);
    }
  }

  // Values that belong to the context are frozen, deeply; functions' prototypes are shared (above).
  function freezeDeeply(value: unknown, seen: Set<unknown>): void {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (SetPrototypeHas(seen, value) || !isSandboxValue(value as object)) return;
    SetPrototypeAdd(seen, value);
    sharePrototypesOf(value);
    if (typeof value === 'object' && !SetPrototypeHas(sharedPrototypes, value)) {
      for (const key of ReflectOwnKeys(value)) {
        const descriptor = ReflectGetOwnPropertyDescriptor(value, key);
        if (descriptor !== undefined && ObjectHasOwn(descriptor, 'value')) freezeDeeply(descriptor.value, seen);
      }
    }
    if (SetPrototypeHas(sharedPrototypes, value)) return;
    try {
      ObjectFreeze(value);
    } catch {
      // Typed arrays with elements cannot be frozen.
    }
  }
  // The global object itself stays open (runs add globals), and so does the list the library's
  // destroy() empties.
  const seen = new SandboxSet<unknown>();
  SetPrototypeAdd(seen, global);
  if (global.__temporal_globalSandboxDestructors !== undefined)
    SetPrototypeAdd(seen, global.__temporal_globalSandboxDestructors);
  for (const key of ReflectOwnKeys(global)) {
    const descriptor = MapPrototypeGet(pristine as Map<unknown, unknown>, key) as PropertyDescriptor;
    if (ObjectHasOwn(descriptor, 'value')) freezeDeeply(descriptor.value, seen);
  }
  freezeDeeply(modules, seen);

  // Shared prototypes are frozen, so that no run can change what another one sees through them and
  // no switch has to look for changes. Freezing alone would break an ordinary pattern: assigning a
  // property that an instance inherits from a frozen prototype (`error.name = …`, `obj.toString = …`,
  // `Sub.prototype.constructor = Sub`) is refused. So the properties programs commonly give their
  // own objects become accessors whose setter defines the property on the object assigned to, and
  // refuses (with a TypeError that says why) only an assignment to the shared prototype itself.
  for (const object of sharedPrototypes) {
    for (const key of ReflectOwnKeys(object)) {
      if (typeof key !== 'string' || !SetPrototypeHas(OVERRIDABLE_NAMES, key)) continue;
      const descriptor = ReflectGetOwnPropertyDescriptor(object, key)!;
      if (!ObjectHasOwn(descriptor, 'value') || !descriptor.writable || !descriptor.configurable) continue;
      const value = descriptor.value;
      ReflectDefineProperty(object, key, {
        __proto__: null,
        get: {
          [key]() {
            return value;
          },
        }[key],
        set: {
          [key](this: unknown, replacement: unknown) {
            if (this === object) throw sharedObjectError(`assigning ${key} to a shared prototype`);
            if (this === null || (typeof this !== 'object' && typeof this !== 'function')) return;
            if (!ReflectDefineProperty(this as object, key, dataDescriptor(replacement, true, true, true))) {
              throw new SandboxTypeError(`cannot assign to property ${key} of this object`);
            }
          },
        }[key],
        enumerable: descriptor.enumerable,
        configurable: false,
      } as PropertyDescriptor);
    }
    ObjectFreeze(object);
  }

  // ── Switching runs ────────────────────────────────────────────────────────────────────────────

  function sameDescriptor(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
    return (
      ObjectIs(a.value, b.value) &&
      a.get === b.get &&
      a.set === b.set &&
      a.writable === b.writable &&
      a.enumerable === b.enumerable &&
      a.configurable === b.configurable
    );
  }

  /** How the global object differs from the pristine one; undefined when it does not. */
  function differenceFromPristine(): GlobalsDifference | undefined {
    const compareDescriptors = globalRedefined;
    let changed: unknown[] | undefined;
    let deleted: PropertyKey[] | undefined;
    for (let index = 0; index < watchedKeys.length; index++) {
      const key = watchedKeys[index]!;
      const original = watchedOriginals[index]!;
      if (!compareDescriptors && ObjectHasOwn(original, 'value')) {
        if (ObjectIs(global[key], original.value) && (original.value !== undefined || ObjectHasOwn(global, key)))
          continue;
      }
      const descriptor = ReflectGetOwnPropertyDescriptor(global, key);
      if (descriptor === undefined) append((deleted ??= []), key);
      else {
        const own = ownDescriptor(descriptor);
        if (!sameDescriptor(own, original)) {
          changed ??= [];
          append(changed, key);
          append(changed, own);
        }
      }
    }
    const keys = compareDescriptors ? ReflectOwnKeys(global) : ObjectKeys(global);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      if (MapPrototypeGet(pristine as Map<unknown, unknown>, key) === undefined) {
        changed ??= [];
        append(changed, key);
        append(changed, ownDescriptor(ReflectGetOwnPropertyDescriptor(global, key)!));
      }
    }
    if (!compareDescriptors) {
      const symbols = ObjectGetOwnPropertySymbols(global);
      for (let index = 0; index < symbols.length; index++) {
        const key = symbols[index]!;
        if (MapPrototypeGet(pristine as Map<unknown, unknown>, key) === undefined) {
          changed ??= [];
          append(changed, key);
          append(changed, ownDescriptor(ReflectGetOwnPropertyDescriptor(global, key)!));
        }
      }
    }
    const prototype = ReflectGetPrototypeOf(global);
    if (changed === undefined && deleted === undefined && prototype === pristinePrototype) return undefined;
    return { changed, deleted, prototype, compareDescriptors };
  }

  function undo(difference: GlobalsDifference): void {
    const changed = difference.changed;
    if (changed !== undefined) {
      for (let index = 0; index < changed.length; index += 2) {
        const key = changed[index] as PropertyKey;
        const original = MapPrototypeGet(pristine as Map<unknown, unknown>, key) as PropertyDescriptor | undefined;
        const undone =
          original === undefined ? ReflectDeleteProperty(global, key) : ReflectDefineProperty(global, key, original);
        if (!undone) throw isolationError(`the global ${String(key)}`);
      }
    }
    if (difference.deleted !== undefined) {
      for (const key of difference.deleted) {
        ReflectDefineProperty(
          global,
          key,
          MapPrototypeGet(pristine as Map<unknown, unknown>, key) as PropertyDescriptor,
        );
      }
    }
    if (difference.prototype !== pristinePrototype) ReflectSetPrototypeOf(global, pristinePrototype);
  }

  function apply(difference: GlobalsDifference): void {
    const changed = difference.changed;
    if (changed !== undefined) {
      for (let index = 0; index < changed.length; index += 2) {
        ReflectDefineProperty(global, changed[index] as PropertyKey, changed[index + 1] as PropertyDescriptor);
      }
    }
    if (difference.deleted !== undefined) for (const key of difference.deleted) ReflectDeleteProperty(global, key);
    if (difference.prototype !== pristinePrototype) ReflectSetPrototypeOf(global, difference.prototype);
    // Attributes it changed are only seen by comparing descriptors.
    if (difference.compareDescriptors) globalRedefined = true;
  }

  function install(run: SharedRun | undefined): void {
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
  const sharedGlobalNames = ['Date', 'WeakRef', 'FinalizationRegistry', 'setTimeout', 'clearTimeout'] as const;
  const sharedGlobalValues = sharedGlobalNames.map((key) => global[key]);

  function startRun(run: SharedRun): void {
    const module = { exports: {} as Record<string, unknown> };
    runModulesFactory(module, module.exports, requireShared);
    run.modules = module.exports as SharedRun['modules'];
    // overrideGlobals assigns Math.random too: on a scratch object, the shared Math being frozen.
    global.Math = {} as Math;
    try {
      overrideGlobals();
      run.setTimeout = global.setTimeout;
      run.clearTimeout = global.clearTimeout;
    } finally {
      global.Math = sharedMath;
      for (let index = 0; index < sharedGlobalNames.length; index++) {
        global[sharedGlobalNames[index]!] = sharedGlobalValues[index] as never;
      }
    }
  }

  return { install, startRun, api };
}
