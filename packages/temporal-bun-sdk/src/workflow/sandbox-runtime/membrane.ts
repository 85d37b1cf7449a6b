/**
 * Values crossing between the worker and the sandbox, always as copies made in the receiving
 * realm's terms, so that no object of one realm is ever handed to code of the other.
 *
 * - {@link importFromHost}: what the worker sends (activations, run placement) becomes sandbox
 *   objects: plain objects (protobuf messages with their defaults and `oneof` virtual fields),
 *   arrays, `Uint8Array`s, `Long`s, `Date`s, `Map`s and `Set`s of the sandbox. Functions are dropped.
 * - {@link exportToHost}: what the sandbox answers (completions, sink calls, run info) becomes data
 *   the worker can read without running any sandbox code: objects without a prototype, whose
 *   properties are all plain data; arrays, byte arrays and dates made by the runtime, and Longs as
 *   `{ low, high, unsigned }` records. The worker copies that into its own realm
 *   (`vm-shared.ts`, `fromSandbox`) using only own-property reads.
 */
import Long from 'long';
import {
  ArrayBufferIsView,
  ArrayIsArray,
  DatePrototypeGetTime,
  MapPrototypeForEach,
  MapPrototypeGet,
  MapPrototypeSet,
  ObjectCreate,
  ObjectGetOwnPropertyNames,
  ObjectGetPrototypeOf,
  ObjectHasOwn,
  ObjectKeys,
  ObjectPrototypeToString,
  ReflectGetOwnPropertyDescriptor,
  SandboxDate,
  SandboxError,
  SandboxMap,
  SandboxRangeError,
  SandboxSet,
  SandboxUint8Array,
  SetPrototypeAdd,
  SetPrototypeForEach,
  ObjectPrototype,
  append,
  assignData,
} from './primordials';

const MAX_DEPTH = 64;

/**
 * How the objects of one host prototype are copied, worked out on the first one: the worker's data
 * (protobuf messages, plain records) keeps its prototypes as they are.
 */
interface CopyPlan {
  /** A date, a map or a set (copied by kind, checked on each object), not an object of keys. */
  tagged: boolean;
  /**
   * Enumerable keys every object gets from the prototype chain, as `for…in` lists them, but for
   * those whose value there is null or a function: a protobuf message's unset fields are defaults
   * on its class's prototype (a job message has some twenty null `oneof` members), and an absent
   * key says the same as a null one, cheaper. An inherited accessor is always read.
   */
  inherited: string[];
  /** Accessor properties of the prototype itself (protobuf `oneof` names such as `variant`). */
  accessors: string[];
}

const plans = new SandboxMap<unknown, CopyPlan>();

function planOf(value: object, prototype: object | null): CopyPlan {
  let plan = MapPrototypeGet(plans, prototype) as CopyPlan | undefined;
  if (plan !== undefined) return plan;
  const tag = ObjectPrototypeToString(value);
  plan = {
    tagged: tag === '[object Date]' || tag === '[object Map]' || tag === '[object Set]',
    inherited: [],
    accessors: [],
  };
  if (prototype !== null) {
    for (const key in ObjectCreate(prototype) as Record<string, unknown>) {
      if (key.charCodeAt(0) === 36 /* $: protobufjs reflection ($type) */) continue;
      const descriptor = inheritedDescriptor(prototype, key);
      const fixed = descriptor !== undefined && 'value' in descriptor;
      if (fixed && (descriptor.value === null || typeof descriptor.value === 'function')) continue;
      append(plan.inherited, key);
    }
    // A message class's prototype; the host's Object.prototype (whose prototype is null) has none we want.
    if (ObjectGetPrototypeOf(prototype) !== null) {
      for (const key of ObjectGetOwnPropertyNames(prototype)) {
        const descriptor = ReflectGetOwnPropertyDescriptor(prototype, key);
        if (descriptor !== undefined && typeof descriptor.get === 'function') append(plan.accessors, key);
      }
    }
  }
  MapPrototypeSet(plans, prototype, plan);
  return plan;
}

function inheritedDescriptor(prototype: object | null, key: string): PropertyDescriptor | undefined {
  for (let owner = prototype; owner !== null; owner = ObjectGetPrototypeOf(owner)) {
    const descriptor = ReflectGetOwnPropertyDescriptor(owner, key);
    if (descriptor !== undefined) return descriptor;
  }
  return undefined;
}

/** A copy of a host value made of this realm's objects (see the module comment). */
export function importFromHost(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (depth > MAX_DEPTH) throw new SandboxRangeError('a value sent to the workflow sandbox is nested too deeply');
  if (ArrayIsArray(value)) {
    const copy: unknown[] = [];
    const length = (value as unknown[]).length;
    for (let index = 0; index < length; index++) append(copy, importFromHost((value as unknown[])[index], depth + 1));
    return copy;
  }
  if (ArrayBufferIsView(value)) return new SandboxUint8Array(value as unknown as Uint8Array);
  const record = value as Record<string, unknown>;
  if (record.__isLong__ === true) {
    return Long.fromBits(record.low as number, record.high as number, record.unsigned as boolean);
  }
  const plan = planOf(value, ObjectGetPrototypeOf(value));
  if (plan.tagged) {
    const tag = ObjectPrototypeToString(value);
    if (tag === '[object Date]') return new SandboxDate(DatePrototypeGetTime(value as Date));
    if (tag === '[object Map]') {
      const copy = new SandboxMap<unknown, unknown>();
      MapPrototypeForEach(value as Map<unknown, unknown>, (item, key) =>
        MapPrototypeSet(copy, importFromHost(key, depth + 1), importFromHost(item, depth + 1)),
      );
      return copy;
    }
    if (tag === '[object Set]') {
      const copy = new SandboxSet<unknown>();
      SetPrototypeForEach(value as Set<unknown>, (item) => SetPrototypeAdd(copy, importFromHost(item, depth + 1)));
      return copy;
    }
  }
  // As `for…in` would list them: own enumerable keys, then what the prototype chain adds.
  const copy: Record<string, unknown> = {};
  const own = ObjectKeys(record);
  for (let index = 0; index < own.length; index++) {
    const key = own[index]!;
    if (key.charCodeAt(0) === 36) continue;
    const item = record[key];
    if (typeof item !== 'function') assignData(copy, key, importFromHost(item, depth + 1));
  }
  const inherited = plan.inherited;
  for (let index = 0; index < inherited.length; index++) {
    const key = inherited[index]!;
    if (ObjectHasOwn(record, key)) continue;
    const item = record[key];
    if (typeof item !== 'function' && item !== null) assignData(copy, key, importFromHost(item, depth + 1));
  }
  const accessors = plan.accessors;
  for (let index = 0; index < accessors.length; index++) {
    const key = accessors[index]!;
    assignData(copy, key, importFromHost(record[key], depth + 1));
  }
  return copy;
}

/** A copy of a sandbox value that the worker can read as plain data (see the module comment). */
export function exportToHost(value: unknown, seen?: Map<unknown, unknown>, depth = 0): unknown {
  if (value === null || value === undefined) return value;
  const type = typeof value;
  if (type === 'function' || type === 'symbol') return undefined;
  if (type !== 'object') return value;
  if (depth > MAX_DEPTH) return '[nested too deeply]';
  const known = seen === undefined ? undefined : MapPrototypeGet(seen, value);
  if (known !== undefined) return known;
  seen ??= new SandboxMap();
  if (ArrayIsArray(value)) {
    const copy: unknown[] = [];
    MapPrototypeSet(seen, value, copy);
    const length = (value as unknown[]).length;
    for (let index = 0; index < length; index++)
      append(copy, exportToHost((value as unknown[])[index], seen, depth + 1));
    return copy;
  }
  if (ArrayBufferIsView(value)) return new SandboxUint8Array(value as unknown as Uint8Array);
  const record = value as Record<string, unknown>;
  if (record.__isLong__ === true) {
    const copy = ObjectCreate(null) as Record<string, unknown>;
    copy.low = record.low;
    copy.high = record.high;
    copy.unsigned = record.unsigned === true;
    copy.__isLong__ = true;
    return copy;
  }
  const copy = ObjectCreate(null) as Record<string, unknown>;
  // Plain objects (nearly all of a completion) go straight to their properties.
  const prototype = ObjectGetPrototypeOf(value);
  if (prototype === ObjectPrototype || prototype === null) {
    MapPrototypeSet(seen, value, copy);
    copyOwnData(record, copy, seen, depth);
    return copy;
  }
  const tag = ObjectPrototypeToString(value);
  if (tag === '[object Date]') return new SandboxDate(DatePrototypeGetTime(value as Date));
  MapPrototypeSet(seen, value, copy);
  if (value instanceof SandboxError) {
    // Errors' name, message and stack are usually not own enumerable properties.
    copy.name = exportToHost(record.name, seen, depth + 1);
    copy.message = exportToHost(record.message, seen, depth + 1);
    copy.stack = exportToHost(record.stack, seen, depth + 1);
  }
  if (tag === '[object Map]' || tag === '[object Set]') {
    const entries: unknown[] = [];
    const each = (item: unknown, key: unknown) =>
      append(
        entries,
        tag === '[object Map]'
          ? [exportToHost(key, seen, depth + 1), exportToHost(item, seen, depth + 1)]
          : exportToHost(item, seen, depth + 1),
      );
    if (tag === '[object Map]') MapPrototypeForEach(value as Map<unknown, unknown>, each);
    else SetPrototypeForEach(value as Set<unknown>, (item) => each(item, undefined));
    copy.entries = entries;
    return copy;
  }
  copyOwnData(record, copy, seen, depth);
  return copy;
}

/**
 * Copies `value`'s own enumerable properties into `copy` (prototype-less) as data. A getter is read
 * here, inside the sandbox's call and under its deadline, as a structured clone would read it: the
 * copy holds its value, so the worker never meets sandbox code. One that throws is left out.
 */
function copyOwnData(
  value: Record<string, unknown>,
  copy: Record<string, unknown>,
  seen: Map<unknown, unknown>,
  depth: number,
): void {
  const keys = ObjectKeys(value);
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    let item: unknown;
    try {
      item = value[key];
    } catch {
      continue;
    }
    copy[key] = exportToHost(item, seen, depth + 1);
  }
}

/** The membrane's functions that see values of every shape (kept from the top JIT tier: `keepFromTopTier`). */
export const MEMBRANE_COPIES: readonly ((...args: never[]) => unknown)[] = [importFromHost, exportToHost, copyOwnData];
