/**
 * The sandbox realm's built-ins as they were before any workflow code ran. The runtime calls them
 * through these captures, so that workflow code that replaces `Array.prototype.push`,
 * `Function.prototype.call` or `Reflect.apply` cannot change what the runtime does (Node's
 * internals do the same). Evaluated inside the sandbox, first of the runtime's modules.
 */

const { bind, call } = Function.prototype;
/** `method.call(self, ...args)` as a function that never looks anything up at call time. */
const uncurryThis = bind.bind(call) as <This, Args extends unknown[], R>(
  method: (this: This, ...args: Args) => R,
) => (self: This, ...args: Args) => R;

export const SandboxObject = Object;
export const SandboxFunction = Function;
export const SandboxArray = Array;
export const SandboxError = Error;
export const SandboxTypeError = TypeError;
export const SandboxRangeError = RangeError;
export const SandboxDate = Date;
export const SandboxMap = Map;
export const SandboxSet = Set;
export const SandboxWeakMap = WeakMap;
export const SandboxUint8Array = Uint8Array;
export const SandboxPromise = Promise;
export const SandboxSymbol = Symbol;

export const ObjectCreate = Object.create;
export const ObjectKeys = Object.keys;
export const ObjectFreeze = Object.freeze;
export const ObjectGetPrototypeOf = Object.getPrototypeOf;
export const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
export const ObjectIsExtensible = Object.isExtensible;
export const ObjectIs = Object.is;
export const ObjectHasOwn = Object.hasOwn;
export const ReflectApply = Reflect.apply;
export const ReflectConstruct = Reflect.construct;
export const ReflectDefineProperty = Reflect.defineProperty;
export const ReflectDeleteProperty = Reflect.deleteProperty;
export const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
export const ReflectGetPrototypeOf = Reflect.getPrototypeOf;
export const ReflectSetPrototypeOf = Reflect.setPrototypeOf;
export const ReflectOwnKeys = Reflect.ownKeys;
export const ReflectPreventExtensions = Reflect.preventExtensions;
export const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
export const ArrayIsArray = Array.isArray;
export const ArrayBufferIsView = ArrayBuffer.isView;
export const StringCtor = String;
export const NumberIsFinite = Number.isFinite;

export const ArrayPrototypePush = uncurryThis(Array.prototype.push) as (
  array: unknown[],
  ...items: unknown[]
) => number;
export const ArrayPrototypeJoin = uncurryThis(Array.prototype.join) as (array: unknown[], separator?: string) => string;
export const StringPrototypeSplit = uncurryThis(String.prototype.split as (separator: string) => string[]);
export const StringPrototypeSlice = uncurryThis(String.prototype.slice);
export const StringPrototypeTrim = uncurryThis(String.prototype.trim);
export const RegExpPrototypeExec = uncurryThis(RegExp.prototype.exec);
export const RegExpPrototypeTest = uncurryThis(RegExp.prototype.test);
export const DatePrototypeGetTime = uncurryThis(Date.prototype.getTime);
export const DateNow = Date.now;
export const MapPrototypeGet = uncurryThis(Map.prototype.get) as (map: Map<unknown, unknown>, key: unknown) => unknown;
export const MapPrototypeSet = uncurryThis(Map.prototype.set) as (
  map: Map<unknown, unknown>,
  key: unknown,
  value: unknown,
) => Map<unknown, unknown>;
export const MapPrototypeHas = uncurryThis(Map.prototype.has) as (map: Map<unknown, unknown>, key: unknown) => boolean;
export const MapPrototypeDelete = uncurryThis(Map.prototype.delete) as (
  map: Map<unknown, unknown>,
  key: unknown,
) => boolean;
export const MapPrototypeForEach = uncurryThis(Map.prototype.forEach) as (
  map: Map<unknown, unknown>,
  callback: (value: unknown, key: unknown) => void,
) => void;
export const SetPrototypeAdd = uncurryThis(Set.prototype.add) as (set: Set<unknown>, value: unknown) => Set<unknown>;
export const SetPrototypeHas = uncurryThis(Set.prototype.has) as (set: Set<unknown>, value: unknown) => boolean;
export const SetPrototypeForEach = uncurryThis(Set.prototype.forEach) as (
  set: Set<unknown>,
  callback: (value: unknown) => void,
) => void;
export const WeakMapPrototypeGet = uncurryThis(WeakMap.prototype.get) as (
  map: WeakMap<object, unknown>,
  key: object,
) => unknown;
export const WeakMapPrototypeSet = uncurryThis(WeakMap.prototype.set) as (
  map: WeakMap<object, unknown>,
  key: object,
  value: unknown,
) => WeakMap<object, unknown>;
export const ObjectPrototypeToString = uncurryThis(Object.prototype.toString);

/** Appends to an array the runtime made, without `Array.prototype.push` (workflow code may replace it). */
export function append<T>(array: T[], item: T): void {
  ReflectDefineProperty(array, array.length, {
    __proto__: null,
    value: item,
    writable: true,
    enumerable: true,
    configurable: true,
  } as PropertyDescriptor);
}

/** A plain data property, defined (not assigned: no setter on a prototype can intercept it). */
export function defineData(target: object, key: PropertyKey, value: unknown): void {
  ReflectDefineProperty(target, key, {
    __proto__: null,
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  } as PropertyDescriptor);
}
