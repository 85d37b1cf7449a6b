/**
 * Node's `isDeepStrictEqual` and the loose comparison of `assert.deepEqual`
 * (`lib/internal/util/comparisons.js`), for the sandbox's `assert`: same verdicts for ordinary
 * values (primitives, plain objects, arrays with holes, class instances, Date, RegExp, errors,
 * boxed primitives, typed arrays and ArrayBuffer, Map and Set in any order, cycles).
 */
import {
  ArrayIsArray,
  ArrayBufferIsView,
  BigIntPrototypeValueOf,
  BooleanPrototypeValueOf,
  DatePrototypeGetTime,
  ErrorPrototype,
  MapPrototypeForEach,
  MapPrototypeGet,
  MapPrototypeGetSize,
  MapCtor,
  MapPrototypeDelete,
  MapPrototypeHas,
  MapPrototypeSet,
  NumberIsNaN,
  NumberPrototypeValueOf,
  ObjectIs,
  ObjectKeys,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypeIsPrototypeOf,
  ObjectPrototypePropertyIsEnumerable,
  ObjectPrototypeToString,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  RegExpPrototypeGetFlags,
  RegExpPrototypeGetSource,
  SetPrototypeForEach,
  SetPrototypeGetSize,
  SetPrototypeHas,
  StringPrototypeCharCodeAt,
  StringPrototypeValueOf,
  SymbolPrototypeValueOf,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetToStringTag,
  bytesOf,
  isArrayBuffer,
  listPush,
  newList,
} from '../primordials';

/** `util.isDeepStrictEqual`: what `assert.deepStrictEqual` accepts. */
export function isDeepStrictEqual(actual: unknown, expected: unknown): boolean {
  return innerDeepEqual(actual, expected, true, undefined);
}

/** What `assert.deepEqual` accepts (primitives compared with `==`, prototypes ignored). */
export function isDeepLooseEqual(actual: unknown, expected: unknown): boolean {
  return innerDeepEqual(actual, expected, false, undefined);
}

interface Memos {
  actual: Map<unknown, number>;
  expected: Map<unknown, number>;
  position: number;
}

enum Iteration {
  None = 0,
  Array = 1,
  Set = 2,
  Map = 3,
}

function brand(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

const isDate = (value: object): boolean => brand(() => DatePrototypeGetTime(value as Date));
const isRegExp = (value: object): boolean => brand(() => RegExpPrototypeGetSource(value as RegExp));
const isMap = (value: object): boolean => brand(() => MapPrototypeGetSize(value as Map<unknown, unknown>));
const isSet = (value: object): boolean => brand(() => SetPrototypeGetSize(value as Set<unknown>));
const isError = (value: object): boolean =>
  ObjectPrototypeIsPrototypeOf(ErrorPrototype, value) || ObjectPrototypeToString(value) === '[object Error]';

/** The primitive inside a boxed primitive, in a one-element list (so that `undefined`-like values are told apart). */
function unboxed(value: object): unknown[] | undefined {
  const unboxers: readonly ((value: never) => unknown)[] = [
    NumberPrototypeValueOf,
    StringPrototypeValueOf,
    BooleanPrototypeValueOf,
    BigIntPrototypeValueOf,
    SymbolPrototypeValueOf,
  ];
  for (let index = 0; index < unboxers.length; index++) {
    const unbox = unboxers[index]!;
    let primitive: unknown;
    if (
      brand(() => {
        primitive = unbox(value as never);
      })
    ) {
      return [primitive];
    }
  }
  return undefined;
}

function innerDeepEqual(actual: unknown, expected: unknown, strict: boolean, memos: Memos | undefined): boolean {
  if (actual === expected) return actual !== 0 || ObjectIs(actual, expected) || !strict;
  if (strict) {
    if (typeof actual !== 'object') return typeof actual === 'number' && NumberIsNaN(actual) && NumberIsNaN(expected);
    if (typeof expected !== 'object' || actual === null || expected === null) return false;
    if (ReflectGetPrototypeOf(actual) !== ReflectGetPrototypeOf(expected as object)) return false;
  } else {
    if (actual === null || typeof actual !== 'object') {
      if (expected === null || typeof expected !== 'object') {
        // biome-ignore lint/suspicious/noDoubleEquals: assert.deepEqual compares primitives with ==.
        return actual == expected || (NumberIsNaN(actual) && NumberIsNaN(expected));
      }
      return false;
    }
    if (expected === null || typeof expected !== 'object') return false;
  }
  const a = actual as object;
  const b = expected as object;
  if (ObjectPrototypeToString(a) !== ObjectPrototypeToString(b)) return false;

  if (ArrayIsArray(a)) {
    if (!ArrayIsArray(b) || (a as unknown[]).length !== (b as unknown[]).length) return false;
    const keysA = nonIndexKeys(a, strict);
    if (keysA.length !== nonIndexKeys(b, strict).length) return false;
    return keyCheck(a, b, strict, memos, Iteration.Array, keysA);
  }
  if (ObjectPrototypeToString(a) === '[object Object]') {
    return keyCheck(a, b, strict, memos, Iteration.None, undefined);
  }
  if (isDate(a)) {
    if (!isDate(b) || DatePrototypeGetTime(a as Date) !== DatePrototypeGetTime(b as Date)) return false;
  } else if (isRegExp(a)) {
    if (
      !isRegExp(b) ||
      RegExpPrototypeGetSource(a as RegExp) !== RegExpPrototypeGetSource(b as RegExp) ||
      RegExpPrototypeGetFlags(a as RegExp) !== RegExpPrototypeGetFlags(b as RegExp) ||
      (a as RegExp).lastIndex !== (b as RegExp).lastIndex
    ) {
      return false;
    }
  } else if (isError(a)) {
    if (!isError(b) || (a as Error).message !== (b as Error).message || (a as Error).name !== (b as Error).name) {
      return false;
    }
  } else if (ArrayBufferIsView(a)) {
    if (!ArrayBufferIsView(b)) return false;
    if (TypedArrayPrototypeGetToStringTag(a) !== TypedArrayPrototypeGetToStringTag(b)) return false;
    const kind = TypedArrayPrototypeGetToStringTag(a);
    if (!strict && (kind === 'Float32Array' || kind === 'Float64Array' || kind === 'Float16Array')) {
      if (!similarFloatArrays(a as Float64Array, b as Float64Array)) return false;
    } else if (!equalBytes(bytesOf(a)!, bytesOf(b)!)) {
      return false;
    }
    const keysA = nonIndexKeys(a, strict);
    if (keysA.length !== nonIndexKeys(b, strict).length) return false;
    return keyCheck(a, b, strict, memos, Iteration.None, keysA);
  } else if (isSet(a)) {
    if (!isSet(b) || SetPrototypeGetSize(a as Set<unknown>) !== SetPrototypeGetSize(b as Set<unknown>)) return false;
    return keyCheck(a, b, strict, memos, Iteration.Set, undefined);
  } else if (isMap(a)) {
    if (
      !isMap(b) ||
      MapPrototypeGetSize(a as Map<unknown, unknown>) !== MapPrototypeGetSize(b as Map<unknown, unknown>)
    ) {
      return false;
    }
    return keyCheck(a, b, strict, memos, Iteration.Map, undefined);
  } else if (isArrayBuffer(a)) {
    if (!isArrayBuffer(b) || !equalBytes(bytesOf(a)!, bytesOf(b)!)) return false;
  } else {
    const boxedA = unboxed(a);
    if (boxedA !== undefined) {
      const boxedB = unboxed(b);
      if (boxedB === undefined || !ObjectIs(boxedA[0], boxedB[0])) return false;
    } else if (
      ArrayIsArray(b) ||
      ArrayBufferIsView(b) ||
      isSet(b) ||
      isMap(b) ||
      isDate(b) ||
      isRegExp(b) ||
      isArrayBuffer(b) ||
      unboxed(b) !== undefined ||
      isError(b)
    ) {
      return false;
    }
  }
  return keyCheck(a, b, strict, memos, Iteration.None, undefined);
}

function isIndexKey(key: string): boolean {
  if (key.length === 0) return false;
  for (let index = 0; index < key.length; index++) {
    const code = StringPrototypeCharCodeAt(key, index);
    if (code < 48 || code > 57) return false;
  }
  return key === '0' || StringPrototypeCharCodeAt(key, 0) !== 48;
}

/** Own enumerable keys that are not array indices (symbols too when strict). */
function nonIndexKeys(object: object, strict: boolean): PropertyKey[] {
  const keys = ReflectOwnKeys(object);
  const list = newList<PropertyKey>();
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (typeof key === 'string' ? isIndexKey(key) : !strict) continue;
    if (ObjectPrototypePropertyIsEnumerable(object, key)) listPush(list, key);
  }
  return list;
}

function enumerableSymbols(object: object): symbol[] {
  const keys = ReflectOwnKeys(object);
  const list = newList<symbol>();
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (typeof key === 'symbol' && ObjectPrototypePropertyIsEnumerable(object, key)) listPush(list, key);
  }
  return list;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  const length = TypedArrayPrototypeGetLength(a);
  if (length !== TypedArrayPrototypeGetLength(b)) return false;
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return false;
  return true;
}

function similarFloatArrays(a: Float64Array, b: Float64Array): boolean {
  const length = TypedArrayPrototypeGetLength(a);
  if (length !== TypedArrayPrototypeGetLength(b)) return false;
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index] && !(NumberIsNaN(a[index]) && NumberIsNaN(b[index]))) return false;
  }
  return true;
}

function keyCheck(
  a: object,
  b: object,
  strict: boolean,
  memos: Memos | undefined,
  iteration: Iteration,
  givenKeys: PropertyKey[] | undefined,
): boolean {
  let keys: PropertyKey[];
  if (givenKeys === undefined) {
    const keysA = ObjectKeys(a);
    if (keysA.length !== ObjectKeys(b).length) return false;
    keys = newList();
    for (let index = 0; index < keysA.length; index++) listPush(keys, keysA[index]!);
  } else {
    keys = givenKeys;
  }
  for (let index = 0; index < keys.length; index++) {
    if (!ObjectPrototypePropertyIsEnumerable(b, keys[index]!)) return false;
  }
  if (strict && givenKeys === undefined) {
    const symbolsA = enumerableSymbols(a);
    const symbolsB = enumerableSymbols(b);
    if (symbolsA.length !== symbolsB.length) return false;
    for (let index = 0; index < symbolsA.length; index++) {
      if (!ObjectPrototypePropertyIsEnumerable(b, symbolsA[index]!)) return false;
      listPush(keys, symbolsA[index]!);
    }
  }
  if (
    keys.length === 0 &&
    (iteration === Iteration.None ||
      (iteration === Iteration.Array && (a as unknown[]).length === 0) ||
      (iteration === Iteration.Set && SetPrototypeGetSize(a as Set<unknown>) === 0) ||
      (iteration === Iteration.Map && MapPrototypeGetSize(a as Map<unknown, unknown>) === 0))
  ) {
    return true;
  }
  let activeMemos = memos;
  if (activeMemos === undefined) {
    activeMemos = { __proto__: null, actual: new MapCtor(), expected: new MapCtor(), position: 0 } as Memos;
  } else {
    const memoA = MapPrototypeGet(activeMemos.actual, a);
    if (memoA !== undefined) {
      const memoB = MapPrototypeGet(activeMemos.expected, b);
      if (memoB !== undefined) return memoA === memoB;
    }
    activeMemos.position++;
  }
  MapPrototypeSet(activeMemos.actual, a, activeMemos.position);
  MapPrototypeSet(activeMemos.expected, b, activeMemos.position);
  const equal = objectEquivalent(a, b, strict, keys, activeMemos, iteration);
  MapPrototypeDelete(activeMemos.actual, a);
  MapPrototypeDelete(activeMemos.expected, b);
  return equal;
}

function objectEquivalent(
  a: object,
  b: object,
  strict: boolean,
  keys: readonly PropertyKey[],
  memos: Memos,
  iteration: Iteration,
): boolean {
  if (iteration === Iteration.Set) {
    if (!setEquivalent(a as Set<unknown>, b as Set<unknown>, strict, memos)) return false;
  } else if (iteration === Iteration.Map) {
    if (!mapEquivalent(a as Map<unknown, unknown>, b as Map<unknown, unknown>, strict, memos)) return false;
  } else if (iteration === Iteration.Array) {
    const arrayA = a as unknown[];
    const arrayB = b as unknown[];
    for (let index = 0; index < arrayA.length; index++) {
      if (ObjectPrototypeHasOwnProperty(arrayA, index)) {
        if (
          !ObjectPrototypeHasOwnProperty(arrayB, index) ||
          !innerDeepEqual(arrayA[index], arrayB[index], strict, memos)
        ) {
          return false;
        }
      } else if (ObjectPrototypeHasOwnProperty(arrayB, index)) {
        return false;
      } else {
        // A hole: compare the remaining own keys.
        const keysA = ObjectKeys(arrayA);
        for (; index < keysA.length; index++) {
          const key = keysA[index]!;
          if (
            !ObjectPrototypeHasOwnProperty(arrayB, key) ||
            !innerDeepEqual(
              (arrayA as unknown as Record<string, unknown>)[key],
              (arrayB as unknown as Record<string, unknown>)[key],
              strict,
              memos,
            )
          ) {
            return false;
          }
        }
        return keysA.length === ObjectKeys(arrayB).length;
      }
    }
  }
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (
      !innerDeepEqual((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key], strict, memos)
    ) {
      return false;
    }
  }
  return true;
}

function setValues(set: Set<unknown>): unknown[] {
  const list = newList<unknown>();
  SetPrototypeForEach(set, (value) => listPush(list, value));
  return list;
}

function removeAt(list: unknown[], at: number): void {
  for (let index = at + 1; index < list.length; index++) list[index - 1] = list[index];
  list.length -= 1;
}

/** For loose comparison: the primitive that may stand for `primitive` with `==` (or a verdict). */
function looseCounterpart(primitive: unknown): unknown {
  switch (typeof primitive) {
    case 'undefined':
      return null;
    case 'object':
      return undefined;
    case 'symbol':
      return false;
    case 'string':
      return !NumberIsNaN(+(primitive as string));
    case 'number':
      return !NumberIsNaN(primitive);
    default:
      return true;
  }
}

function setMightHaveLoosePrimitive(a: Set<unknown>, b: Set<unknown>, primitive: unknown): boolean {
  const counterpart = looseCounterpart(primitive);
  if (counterpart !== null && counterpart !== undefined) return counterpart as boolean;
  return SetPrototypeHas(b, counterpart) && !SetPrototypeHas(a, counterpart);
}

function takeEqual(pending: unknown[], value: unknown, strict: boolean, memos: Memos): boolean {
  for (let index = 0; index < pending.length; index++) {
    if (innerDeepEqual(value, pending[index], strict, memos)) {
      removeAt(pending, index);
      return true;
    }
  }
  return false;
}

function setEquivalent(a: Set<unknown>, b: Set<unknown>, strict: boolean, memos: Memos): boolean {
  let pending: unknown[] | undefined;
  const valuesA = setValues(a);
  for (let index = 0; index < valuesA.length; index++) {
    const value = valuesA[index];
    if (typeof value === 'object' && value !== null) {
      pending ??= newList();
      listPush(pending, value);
    } else if (!SetPrototypeHas(b, value)) {
      if (strict || !setMightHaveLoosePrimitive(a, b, value)) return false;
      pending ??= newList();
      listPush(pending, value);
    }
  }
  if (pending === undefined) return true;
  const valuesB = setValues(b);
  for (let index = 0; index < valuesB.length; index++) {
    const value = valuesB[index];
    if (typeof value === 'object' && value !== null) {
      if (!takeEqual(pending, value, strict, memos)) return false;
    } else if (!strict && !SetPrototypeHas(a, value) && !takeEqual(pending, value, strict, memos)) {
      return false;
    }
  }
  return pending.length === 0;
}

function mapEntries(map: Map<unknown, unknown>): unknown[] {
  const list = newList<unknown>();
  MapPrototypeForEach(map, (value, key) => {
    listPush(list, key);
    listPush(list, value);
  });
  return list;
}

function mapMightHaveLoosePrimitive(
  a: Map<unknown, unknown>,
  b: Map<unknown, unknown>,
  primitive: unknown,
  item: unknown,
  memos: Memos,
): boolean {
  const counterpart = looseCounterpart(primitive);
  if (counterpart !== null && counterpart !== undefined) return counterpart as boolean;
  const itemB = MapPrototypeGet(b, counterpart);
  if ((itemB === undefined && !MapPrototypeHas(b, counterpart)) || !innerDeepEqual(item, itemB, false, memos)) {
    return false;
  }
  return !MapPrototypeHas(a, counterpart) && innerDeepEqual(item, itemB, false, memos);
}

function takeEqualEntry(
  pendingKeys: unknown[],
  map: Map<unknown, unknown>,
  key: unknown,
  item: unknown,
  strict: boolean,
  memos: Memos,
): boolean {
  for (let index = 0; index < pendingKeys.length; index++) {
    const candidate = pendingKeys[index];
    if (
      innerDeepEqual(key, candidate, strict, memos) &&
      innerDeepEqual(item, MapPrototypeGet(map, candidate), strict, memos)
    ) {
      removeAt(pendingKeys, index);
      return true;
    }
  }
  return false;
}

function mapEquivalent(a: Map<unknown, unknown>, b: Map<unknown, unknown>, strict: boolean, memos: Memos): boolean {
  let pending: unknown[] | undefined;
  const entriesA = mapEntries(a);
  for (let index = 0; index < entriesA.length; index += 2) {
    const key = entriesA[index];
    const itemA = entriesA[index + 1];
    if (typeof key === 'object' && key !== null) {
      pending ??= newList();
      listPush(pending, key);
    } else {
      const itemB = MapPrototypeGet(b, key);
      if ((itemB === undefined && !MapPrototypeHas(b, key)) || !innerDeepEqual(itemA, itemB, strict, memos)) {
        if (strict || !mapMightHaveLoosePrimitive(a, b, key, itemA, memos)) return false;
        pending ??= newList();
        listPush(pending, key);
      }
    }
  }
  if (pending === undefined) return true;
  const entriesB = mapEntries(b);
  for (let index = 0; index < entriesB.length; index += 2) {
    const key = entriesB[index];
    const itemB = entriesB[index + 1];
    if (typeof key === 'object' && key !== null) {
      if (!takeEqualEntry(pending, a, key, itemB, strict, memos)) return false;
    } else if (
      !strict &&
      (!MapPrototypeHas(a, key) || !innerDeepEqual(MapPrototypeGet(a, key), itemB, false, memos)) &&
      !takeEqualEntry(pending, a, key, itemB, false, memos)
    ) {
      return false;
    }
  }
  return pending.length === 0;
}
