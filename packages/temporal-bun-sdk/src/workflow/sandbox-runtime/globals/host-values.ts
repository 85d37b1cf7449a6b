/**
 * The border with the host: every value a host function returns, and every error it throws, goes
 * through here before workflow code can see it.
 */
import {
  ErrorCaptureStackTrace,
  ErrorCtor,
  EvalErrorCtor,
  RangeErrorCtor,
  ReferenceErrorCtor,
  ReflectApply,
  StringCtor,
  SyntaxErrorCtor,
  TypeErrorCtor,
  URIErrorCtor,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetToStringTag,
  TypedArrayPrototypeSet,
  Uint8ArrayCtor,
  defineData,
  defineHidden,
  listPush,
  newList,
  toArray,
} from '../primordials';

const errorConstructors: Readonly<Record<string, ErrorConstructor>> = {
  __proto__: null,
  TypeError: TypeErrorCtor,
  RangeError: RangeErrorCtor,
  SyntaxError: SyntaxErrorCtor,
  ReferenceError: ReferenceErrorCtor,
  URIError: URIErrorCtor,
  EvalError: EvalErrorCtor,
} as never;

/**
 * A sandbox error standing for anything a host function threw: same kind (`TypeError`,
 * `RangeError`…, else `Error` keeping a custom `name`), same message and `code`. The host value
 * itself is dropped. `stackStart` (the public method that called the host) keeps the host call
 * and the wrappers out of the stack.
 */
export function sandboxErrorFrom(hostError: unknown, stackStart?: unknown): Error {
  let name: unknown;
  let message: unknown;
  let code: unknown;
  if ((typeof hostError === 'object' && hostError !== null) || typeof hostError === 'function') {
    try {
      name = (hostError as { name?: unknown }).name;
      message = (hostError as { message?: unknown }).message;
      code = (hostError as { code?: unknown }).code;
    } catch {
      // A host error whose fields throw is reported by kind only.
    }
  } else {
    message = typeof hostError === 'symbol' ? 'Symbol()' : StringCtor(hostError);
  }
  const text = typeof message === 'string' ? message : '';
  const constructor = typeof name === 'string' ? errorConstructors[name] : undefined;
  const error = new (constructor ?? ErrorCtor)(text);
  if (constructor === undefined && typeof name === 'string' && name !== 'Error') defineHidden(error, 'name', name);
  if (typeof code === 'string' || typeof code === 'number') {
    defineData(error, 'code', code);
  }
  if (ErrorCaptureStackTrace !== undefined && typeof stackStart === 'function') {
    ErrorCaptureStackTrace(error, stackStart);
  }
  return error;
}

/**
 * Calls a host function. Its result is whatever `copy` makes of it; anything it throws becomes
 * a sandbox error (see `sandboxErrorFrom`).
 */
export function callHost<R>(
  fn: unknown,
  self: unknown,
  args: readonly unknown[],
  copy: (hostValue: unknown) => R,
  stackStart?: unknown,
): R {
  let result: unknown;
  try {
    result = ReflectApply(fn as (...args: unknown[]) => unknown, self, args);
  } catch (error) {
    throw sandboxErrorFrom(error, stackStart);
  }
  return copy(result);
}

export function copyString(hostValue: unknown): string {
  if (typeof hostValue === 'string') return hostValue;
  throw new TypeErrorCtor(`the host returned a ${typeof hostValue} where a string was expected`);
}

export function copyStringOrNull(hostValue: unknown): string | null {
  return hostValue === null ? null : copyString(hostValue);
}

export function copyNumber(hostValue: unknown): number {
  if (typeof hostValue === 'number') return hostValue;
  throw new TypeErrorCtor(`the host returned a ${typeof hostValue} where a number was expected`);
}

export function copyBoolean(hostValue: unknown): boolean {
  if (typeof hostValue === 'boolean') return hostValue;
  throw new TypeErrorCtor(`the host returned a ${typeof hostValue} where a boolean was expected`);
}

export function copyNothing(_hostValue: unknown): undefined {
  return undefined;
}

/** A host array of strings, rebuilt as a sandbox array. */
export function copyStringArray(hostValue: unknown): string[] {
  const list = newList<string>();
  const length = (hostValue as { length?: unknown }).length;
  if (typeof length !== 'number') throw new TypeErrorCtor('the host returned something that is not an array');
  for (let index = 0; index < length; index++) {
    listPush(list, copyString((hostValue as Record<number, unknown>)[index]));
  }
  return toArray(list);
}

/** A host byte array (any array-like of bytes), copied into a sandbox `Uint8Array`. */
export function copyBytes(hostValue: unknown): Uint8Array {
  // A typed array is copied by the engine from its internal slots (no host code runs). Not with
  // `new Uint8Array(hostArray)`: engines that follow ES2020 would make the new buffer with the
  // host buffer's species constructor, i.e. a host `ArrayBuffer`.
  if (TypedArrayPrototypeGetToStringTag(hostValue) === 'Uint8Array') {
    const bytes = new Uint8ArrayCtor(TypedArrayPrototypeGetLength(hostValue));
    TypedArrayPrototypeSet(bytes, hostValue as Uint8Array);
    return bytes;
  }
  const length = (hostValue as { length?: unknown }).length;
  if (typeof length !== 'number') throw new TypeErrorCtor('the host returned something that is not a byte array');
  const bytes = new Uint8ArrayCtor(length);
  for (let index = 0; index < length; index++) {
    bytes[index] = (hostValue as Record<number, number>)[index]!;
  }
  return bytes;
}

/** Calls `target[name](...args)` on a host object (see `callHost`; the property read is inside the guard). */
export function callHostMethod<R>(
  target: object,
  name: string,
  args: readonly unknown[],
  copy: (hostValue: unknown) => R,
  stackStart?: unknown,
): R {
  let result: unknown;
  try {
    const method = (target as Record<string, unknown>)[name];
    result = ReflectApply(method as (...args: unknown[]) => unknown, target, args);
  } catch (error) {
    throw sandboxErrorFrom(error, stackStart);
  }
  return copy(result);
}

/** Reads `target[name]` on a host object (a host getter may throw). */
export function readHost<R>(target: object, name: string, copy: (hostValue: unknown) => R, stackStart?: unknown): R {
  let result: unknown;
  try {
    result = (target as Record<string, unknown>)[name];
  } catch (error) {
    throw sandboxErrorFrom(error, stackStart);
  }
  return copy(result);
}

/** Sets `target[name] = value` on a host object; `value` is a primitive converted in the sandbox. */
export function writeHost(target: object, name: string, value: string, stackStart?: unknown): void {
  try {
    (target as Record<string, unknown>)[name] = value;
  } catch (error) {
    throw sandboxErrorFrom(error, stackStart);
  }
}

/** For a host object that stays in a closure or private field and is never handed to workflow code. */
export function keepHost<T>(hostValue: unknown): T {
  return hostValue as T;
}
