/**
 * The sandbox realm's built-ins as they were before any workflow code ran: what the runtime and the
 * sealed globals use, captured when the sandbox runtime is evaluated (inside the
 * sandbox's realm, before any workflow code runs), as Node's internals do. Workflow code may later
 * replace `Array.prototype.push`, `Function.prototype.call`, `Reflect.apply` or the global
 * `String`; the wrappers keep calling what was here at install time.
 *
 * Habits the other modules of this folder follow, because of what workflow code can change:
 * - no `.call`/`.apply`/`.bind` on functions at run time: `uncurryThis` or `ReflectApply`;
 * - no spread in calls, no array destructuring, no `for…of` over arrays (all use the overridable
 *   array iterator): index loops;
 * - internal lists are arrays with a null prototype (`newList`), so that a setter that workflow
 *   code defines on `Array.prototype` or `Object.prototype` for an index never runs; a list handed
 *   to workflow code gets its `Array.prototype` back (`toArray`) once it is filled;
 * - property descriptors and option bags are null-prototype objects;
 * - brand checks by private fields (`#field in value`), not `instanceof`.
 */

const FunctionPrototype = Function.prototype;
const FunctionPrototypeCall = FunctionPrototype.call;
const FunctionPrototypeBind = FunctionPrototype.bind;

/** `uncurryThis(Array.prototype.push)(list, value)` is `list.push(value)` with the original `push`. */
export const uncurryThis: <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R) => (self: T, ...args: A) => R =
  FunctionPrototypeBind.bind(FunctionPrototypeCall) as never;

export const ReflectApply = Reflect.apply;
export const ReflectConstruct = Reflect.construct;
export const ReflectDefineProperty = Reflect.defineProperty;
export const ReflectGetOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
export const ReflectGetPrototypeOf = Reflect.getPrototypeOf;
export const ReflectOwnKeys = Reflect.ownKeys;

/** This realm's `Object.prototype`, the prototype of plain objects. */
export const ObjectPrototype = Object.prototype;
export const ObjectCreate = Object.create;
export const ObjectFreeze = Object.freeze;
export const ObjectGetOwnPropertyNames = Object.getOwnPropertyNames;
export const ObjectIs = Object.is;
export const ObjectKeys = Object.keys;
export const ObjectSetPrototypeOf = Object.setPrototypeOf;
export const ObjectPrototypeHasOwnProperty = uncurryThis(Object.prototype.hasOwnProperty);
export const ObjectPrototypeIsPrototypeOf = uncurryThis(Object.prototype.isPrototypeOf);
export const ObjectPrototypePropertyIsEnumerable = uncurryThis(Object.prototype.propertyIsEnumerable);
export const ObjectPrototypeToString = uncurryThis(Object.prototype.toString);

export const FunctionPrototypeToString = uncurryThis(FunctionPrototype.toString);

export const ArrayPrototype = Array.prototype;
export const ArrayIsArray = Array.isArray;
export const ArrayPrototypeIncludes = uncurryThis(Array.prototype.includes) as (
  array: readonly unknown[],
  item: unknown,
) => boolean;

export const StringCtor = String;
export const StringPrototypeCharCodeAt = uncurryThis(String.prototype.charCodeAt);
export const StringPrototypeCodePointAt = uncurryThis(String.prototype.codePointAt);
export const StringPrototypeIndexOf = uncurryThis(String.prototype.indexOf);
export const StringPrototypeSlice = uncurryThis(String.prototype.slice);
export const StringPrototypeToLowerCase = uncurryThis(String.prototype.toLowerCase);
export const StringPrototypeValueOf = uncurryThis(String.prototype.valueOf);

export const NumberCtor = Number;
export const NumberIsNaN = Number.isNaN;
export const NumberParseFloat = Number.parseFloat;
export const NumberParseInt = Number.parseInt;
export const NumberPrototypeValueOf = uncurryThis(Number.prototype.valueOf);
export const BooleanCtor = Boolean;
export const BooleanPrototypeValueOf = uncurryThis(Boolean.prototype.valueOf);
export const BigIntPrototypeValueOf = uncurryThis(BigInt.prototype.valueOf);
export const SymbolPrototypeToString = uncurryThis(Symbol.prototype.toString);
export const SymbolPrototypeValueOf = uncurryThis(Symbol.prototype.valueOf);
export const SymbolFor = Symbol.for;
export const SymbolIterator: typeof Symbol.iterator = Symbol.iterator;
export const SymbolToStringTag: typeof Symbol.toStringTag = Symbol.toStringTag;

export const ErrorCtor = Error;
export const ErrorPrototype = Error.prototype;
export const ErrorCaptureStackTrace = (
  Error as { captureStackTrace?: (target: object, constructorOpt?: unknown) => void }
).captureStackTrace;
export const TypeErrorCtor = TypeError;
export const RangeErrorCtor = RangeError;
export const SyntaxErrorCtor = SyntaxError;
export const ReferenceErrorCtor = ReferenceError;
export const URIErrorCtor = URIError;
export const EvalErrorCtor = EvalError;

export const JSONStringify = JSON.stringify;

export const DatePrototypeGetTime = uncurryThis(Date.prototype.getTime);
export const DatePrototypeToISOString = uncurryThis(Date.prototype.toISOString);
export const RegExpPrototypeExec = uncurryThis(RegExp.prototype.exec);
export const RegExpPrototypeGetSource = uncurryThis(
  ReflectGetOwnPropertyDescriptor(RegExp.prototype, 'source')!.get as (this: RegExp) => string,
);
export const RegExpPrototypeGetFlags = uncurryThis(
  ReflectGetOwnPropertyDescriptor(RegExp.prototype, 'flags')!.get as (this: RegExp) => string,
);

export const MapCtor = Map;
export const MapPrototypeGet = uncurryThis(Map.prototype.get);
export const MapPrototypeSet = uncurryThis(Map.prototype.set);
export const MapPrototypeHas = uncurryThis(Map.prototype.has);
export const MapPrototypeDelete = uncurryThis(Map.prototype.delete);
export const MapPrototypeForEach = uncurryThis(Map.prototype.forEach) as (
  map: Map<unknown, unknown>,
  callback: (value: unknown, key: unknown) => void,
) => void;
export const MapPrototypeGetSize = uncurryThis(
  ReflectGetOwnPropertyDescriptor(Map.prototype, 'size')!.get as (this: Map<unknown, unknown>) => number,
);
export const SetPrototypeAdd = uncurryThis(Set.prototype.add);
export const SetPrototypeHas = uncurryThis(Set.prototype.has);
export const SetPrototypeForEach = uncurryThis(Set.prototype.forEach) as (
  set: Set<unknown>,
  callback: (value: unknown) => void,
) => void;
export const SetPrototypeGetSize = uncurryThis(
  ReflectGetOwnPropertyDescriptor(Set.prototype, 'size')!.get as (this: Set<unknown>) => number,
);
export const WeakMapCtor = WeakMap;
export const WeakMapPrototypeGet = uncurryThis(WeakMap.prototype.get);
export const WeakMapPrototypeSet = uncurryThis(WeakMap.prototype.set);
export const WeakMapPrototypeHas = uncurryThis(WeakMap.prototype.has);
export const WeakSetCtor = WeakSet;
export const WeakSetPrototypeAdd = uncurryThis(WeakSet.prototype.add);
export const WeakSetPrototypeHas = uncurryThis(WeakSet.prototype.has);

export const PromiseCtor = Promise;

export const ArrayBufferIsView = ArrayBuffer.isView;
export const ArrayBufferPrototypeGetByteLength = uncurryThis(
  ReflectGetOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get as (this: ArrayBuffer) => number,
);
export const SharedArrayBufferPrototypeGetByteLength =
  typeof SharedArrayBuffer === 'function'
    ? uncurryThis(
        ReflectGetOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')!.get as (
          this: SharedArrayBuffer,
        ) => number,
      )
    : undefined;
export const Uint8ArrayCtor = Uint8Array;
const TypedArrayPrototype = ReflectGetPrototypeOf(Uint8Array.prototype) as object;
/** The typed array's kind (`'Uint8Array'`…), or `undefined` for anything that is not a typed array. */
export const TypedArrayPrototypeGetToStringTag = uncurryThis(
  ReflectGetOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag)!.get as (
    this: unknown,
  ) => string | undefined,
);
export const TypedArrayPrototypeGetLength = uncurryThis(
  ReflectGetOwnPropertyDescriptor(TypedArrayPrototype, 'length')!.get as (this: unknown) => number,
);
export const TypedArrayPrototypeSet = uncurryThis(
  (TypedArrayPrototype as { set: (this: unknown, source: ArrayLike<number>, offset?: number) => void }).set,
);
export const DataViewPrototypeGetByteLength = uncurryThis(
  ReflectGetOwnPropertyDescriptor(DataView.prototype, 'byteLength')!.get as (this: DataView) => number,
);
const ArrayBufferViewGetters = {
  buffer: uncurryThis(
    ReflectGetOwnPropertyDescriptor(TypedArrayPrototype, 'buffer')!.get as (this: unknown) => ArrayBufferLike,
  ),
  byteOffset: uncurryThis(
    ReflectGetOwnPropertyDescriptor(TypedArrayPrototype, 'byteOffset')!.get as (this: unknown) => number,
  ),
  byteLength: uncurryThis(
    ReflectGetOwnPropertyDescriptor(TypedArrayPrototype, 'byteLength')!.get as (this: unknown) => number,
  ),
  dataViewBuffer: uncurryThis(
    ReflectGetOwnPropertyDescriptor(DataView.prototype, 'buffer')!.get as (this: DataView) => ArrayBufferLike,
  ),
  dataViewByteOffset: uncurryThis(
    ReflectGetOwnPropertyDescriptor(DataView.prototype, 'byteOffset')!.get as (this: DataView) => number,
  ),
};

/**
 * A fresh `Uint8Array` over the bytes of an `ArrayBuffer`, `SharedArrayBuffer` or view, read
 * through the original getters; `undefined` for anything else.
 */
export function bytesOf(input: unknown): Uint8Array | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  if (ArrayBufferIsView(input)) {
    if (TypedArrayPrototypeGetToStringTag(input) !== undefined) {
      return new Uint8ArrayCtor(
        ArrayBufferViewGetters.buffer(input),
        ArrayBufferViewGetters.byteOffset(input),
        ArrayBufferViewGetters.byteLength(input),
      );
    }
    const view = input as DataView;
    return new Uint8ArrayCtor(
      ArrayBufferViewGetters.dataViewBuffer(view),
      ArrayBufferViewGetters.dataViewByteOffset(view),
      DataViewPrototypeGetByteLength(view),
    );
  }
  if (isArrayBuffer(input)) return new Uint8ArrayCtor(input as ArrayBuffer);
  if (isSharedArrayBuffer(input)) return new Uint8ArrayCtor(input as SharedArrayBuffer);
  return undefined;
}

export function isArrayBuffer(value: unknown): boolean {
  try {
    ArrayBufferPrototypeGetByteLength(value as ArrayBuffer);
    return true;
  } catch {
    return false;
  }
}

function isSharedArrayBuffer(value: unknown): boolean {
  if (SharedArrayBufferPrototypeGetByteLength === undefined) return false;
  try {
    SharedArrayBufferPrototypeGetByteLength(value as SharedArrayBuffer);
    return true;
  } catch {
    return false;
  }
}

// ── Lists immune to prototype setters ─────────────────────────────────────────────────────────

/** An empty array with a null prototype: writing `list[list.length] = x` never reaches a setter. */
export function newList<T>(): T[] {
  return ObjectSetPrototypeOf([], null) as T[];
}

export function listPush<T>(list: T[], value: T): void {
  list[list.length] = value;
}

/** Gives a list filled by `listPush` its `Array.prototype` back, to hand it to workflow code. */
export function toArray<T>(list: T[]): T[] {
  return ObjectSetPrototypeOf(list, ArrayPrototype) as T[];
}

/**
 * `list[index]`, or `undefined` past its end without looking at `Array.prototype` (where workflow
 * code may have put an index getter). For rest-parameter arrays, whose length is the caller's.
 */
export function at<T>(list: readonly T[], index: number): T | undefined {
  return index < list.length ? list[index] : undefined;
}

export function listJoin(list: readonly string[], separator: string): string {
  let out = '';
  for (let index = 0; index < list.length; index++) {
    if (index > 0) out += separator;
    out += list[index];
  }
  return out;
}

/** An own property, read without ever looking at `Object.prototype` (which workflow code can change). */
export interface OwnProperty {
  /** A data property (`value`), else an accessor (`get`/`set`). */
  data: boolean;
  value: unknown;
  get: unknown;
  set: unknown;
  enumerable: boolean;
}

export function getOwnProperty(target: object, key: PropertyKey): OwnProperty | undefined {
  const descriptor = ReflectGetOwnPropertyDescriptor(target, key);
  if (descriptor === undefined) return undefined;
  // A descriptor has own fields for its kind only: reading another field would reach Object.prototype.
  const data = ObjectPrototypeHasOwnProperty(descriptor, 'value');
  return {
    __proto__: null,
    data,
    value: data ? descriptor.value : undefined,
    get: data ? undefined : descriptor.get,
    set: data ? undefined : descriptor.set,
    enumerable: descriptor.enumerable === true,
  } as OwnProperty;
}

/** Defines a data property (as an object literal or `CreateDataProperty` would), setters ignored. */
export function defineData(target: object, key: PropertyKey, value: unknown, enumerable = true): void {
  ReflectDefineProperty(target, key, {
    __proto__: null,
    value,
    writable: true,
    enumerable,
    configurable: true,
  } as never);
}

/**
 * `target[key] = value` for a plain object `target`, as an own data property: a plain assignment
 * (several times cheaper than a definition) unless `Object.prototype` has `key` (`__proto__`, or an
 * accessor or frozen property there would intercept the assignment).
 */
export function assignData(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key in ObjectPrototype) defineData(target, key, value);
  else target[key] = value;
}

/** Defines non-enumerable methods, getters and data on a prototype or constructor (as `class` bodies do). */
export function defineHidden(target: object, key: PropertyKey, value: unknown): void {
  ReflectDefineProperty(target, key, {
    __proto__: null,
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  } as never);
}

/** Sets `Symbol.toStringTag` the way the web platform does (non-writable, configurable). */
export function defineToStringTag(target: object, tag: string): void {
  ReflectDefineProperty(target, SymbolToStringTag, {
    __proto__: null,
    value: tag,
    writable: false,
    enumerable: false,
    configurable: true,
  } as never);
}

// ── What the runtime's own modules (membrane, driver, shared context, stack traces) use ──────────

export const SandboxObject = Object;
export const SandboxFunction = Function;
export const SandboxError = Error;
export const SandboxTypeError = TypeError;
export const SandboxRangeError = RangeError;
export const SandboxDate = Date;
export const SandboxMap = Map;
export const SandboxSet = Set;
export const SandboxUint8Array = Uint8Array;
export const SandboxPromise = Promise;

export const ObjectGetPrototypeOf = Object.getPrototypeOf;
export const ObjectGetOwnPropertySymbols = Object.getOwnPropertySymbols;
export const ObjectHasOwn = Object.hasOwn;
export const ReflectDeleteProperty = Reflect.deleteProperty;
export const ReflectSetPrototypeOf = Reflect.setPrototypeOf;
export const DateNow = Date.now;

export const ArrayPrototypeJoin = uncurryThis(Array.prototype.join) as (array: unknown[], separator?: string) => string;
export const StringPrototypeSplit = uncurryThis(String.prototype.split as (separator: string) => string[]);
export const StringPrototypeTrim = uncurryThis(String.prototype.trim);
export const RegExpPrototypeTest = uncurryThis(RegExp.prototype.test);

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
