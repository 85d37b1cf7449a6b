/**
 * The sandbox's `assert` (Node's `node:assert`, made in the sandbox): the same functions with the
 * same verdicts for ordinary values, and an `AssertionError` with Node's fields (`name`, `code`
 * 'ERR_ASSERTION', `actual`, `expected`, `operator`, `generatedMessage`). Generated messages
 * follow Node's wording; where Node prints the failing source expression (`assert.ok`) or a line
 * diff, this prints the values.
 */
import { isDeepLooseEqual, isDeepStrictEqual } from './deep-equal';
import { inspect } from './inspect';
import {
  ErrorCaptureStackTrace,
  ErrorCtor,
  ErrorPrototype,
  NumberIsNaN,
  ObjectIs,
  ObjectKeys,
  ObjectPrototypeIsPrototypeOf,
  ObjectPrototypeToString,
  ReflectApply,
  RegExpPrototypeExec,
  RegExpPrototypeGetSource,
  StringCtor,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  TypeErrorCtor,
  at,
  defineData,
  defineHidden,
  listJoin,
  listPush,
  newList,
} from '../primordials';

interface AssertionErrorOptions {
  message?: unknown;
  actual?: unknown;
  expected?: unknown;
  operator?: string;
  stackStartFn?: unknown;
}

const readableOperator: Readonly<Record<string, string>> = {
  __proto__: null,
  deepStrictEqual: 'Expected values to be strictly deep-equal:',
  strictEqual: 'Expected values to be strictly equal:',
  strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
  deepEqual: 'Expected values to be loosely deep-equal:',
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  notIdentical: 'Values have same structure but are not reference-equal:',
  notDeepEqualUnequal: 'Expected values not to be loosely deep-equal:',
} as never;

function isError(value: unknown): value is Error {
  return (
    typeof value === 'object' &&
    value !== null &&
    (ObjectPrototypeIsPrototypeOf(ErrorPrototype, value) || ObjectPrototypeToString(value) === '[object Error]')
  );
}

function isRegExp(value: unknown): value is RegExp {
  if (typeof value !== 'object' || value === null) return false;
  try {
    RegExpPrototypeGetSource(value as RegExp);
    return true;
  } catch {
    return false;
  }
}

function isObjectLike(value: unknown): boolean {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function splitLines(text: string): string[] {
  const lines = newList<string>();
  let start = 0;
  for (;;) {
    const newline = StringPrototypeIndexOf(text, '\n', start);
    if (newline === -1) break;
    listPush(lines, StringPrototypeSlice(text, start, newline));
    start = newline + 1;
  }
  listPush(lines, StringPrototypeSlice(text, start));
  return lines;
}

function prefixLines(text: string, prefix: string): string {
  const lines = splitLines(text);
  const prefixed = newList<string>();
  for (let index = 0; index < lines.length; index++) listPush(prefixed, `${prefix}${lines[index]}`);
  return listJoin(prefixed, '\n');
}

function typeDescription(value: unknown): string {
  if (value === null || value === undefined) return `Received ${StringCtor(value)}`;
  if (typeof value === 'function') {
    const name = (value as { name?: unknown }).name;
    return `Received function ${typeof name === 'string' && name !== '' ? name : '(anonymous)'}`;
  }
  if (typeof value === 'object') return `Received ${inspect(value, { depth: -1 })}`;
  let shown = inspect(value);
  if (shown.length > 28) shown = `${StringPrototypeSlice(shown, 0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}

function codedTypeError(message: string, code: string): TypeError {
  const error = new TypeErrorCtor(message);
  defineData(error, 'code', code);
  return error;
}

function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return codedTypeError(
    `The "${name}" argument must be ${expected}. ${typeDescription(actual)}`,
    'ERR_INVALID_ARG_TYPE',
  );
}

/** The message Node's `AssertionError` makes when none is given. */
function generatedMessage(actual: unknown, expected: unknown, operator: string | undefined): string {
  if (operator === 'deepStrictEqual' || operator === 'strictEqual') {
    const actualText = inspect(actual);
    const expectedText = inspect(expected);
    const header =
      operator === 'strictEqual' && (isObjectLike(actual) || isObjectLike(expected)) && actualText !== expectedText
        ? readableOperator.strictEqualObject!
        : readableOperator[operator]!;
    if (actualText === expectedText) return `${readableOperator.notIdentical}\n\n${actualText}\n`;
    if (
      !isObjectLike(actual) &&
      !isObjectLike(expected) &&
      StringPrototypeIndexOf(actualText, '\n') === -1 &&
      StringPrototypeIndexOf(expectedText, '\n') === -1 &&
      actualText.length + expectedText.length <= 12
    ) {
      return `${header}\n\n${actualText} !== ${expectedText}\n`;
    }
    return `${header}\n+ actual - expected\n\n${prefixLines(actualText, '+ ')}\n${prefixLines(expectedText, '- ')}\n`;
  }
  if (operator === 'notDeepStrictEqual' || operator === 'notStrictEqual') {
    const base =
      operator === 'notStrictEqual' && isObjectLike(actual)
        ? readableOperator.notStrictEqualObject!
        : readableOperator[operator]!;
    const actualText = inspect(actual);
    if (StringPrototypeIndexOf(actualText, '\n') === -1) {
      return `${base}${actualText.length > 5 ? '\n\n' : ' '}${actualText}`;
    }
    return `${base}\n\n${actualText}\n`;
  }
  const actualText = inspect(actual);
  const expectedText = inspect(expected);
  if (operator === 'deepEqual') {
    return `${readableOperator.deepEqual}\n\n${actualText}\n\nshould loosely deep-equal\n\n${expectedText}`;
  }
  if (operator === 'notDeepEqual') {
    return `${readableOperator.notDeepEqualUnequal}\n\n${actualText}\n\nshould not loosely deep-equal\n\n${expectedText}`;
  }
  return `${actualText} ${StringCtor(operator)} ${expectedText}`;
}

export type SandboxAssert = ((value: unknown, message?: unknown) => void) & Record<string, unknown>;

export function createAssert(): SandboxAssert {
  class AssertionError extends ErrorCtor {
    declare actual: unknown;
    declare expected: unknown;
    declare operator: string | undefined;
    declare generatedMessage: boolean;
    declare code: string;

    constructor(options: AssertionErrorOptions) {
      if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
      const { message, actual, expected, operator, stackStartFn } = options;
      super(
        message !== undefined && message !== null ? StringCtor(message) : generatedMessage(actual, expected, operator),
      );
      defineData(this, 'generatedMessage', message === undefined || message === null);
      defineData(this, 'code', 'ERR_ASSERTION');
      defineData(this, 'actual', actual);
      defineData(this, 'expected', expected);
      defineData(this, 'operator', operator);
      // The stack's first line reads `AssertionError [ERR_ASSERTION]: message`, as in Node.
      defineHidden(this, 'name', 'AssertionError [ERR_ASSERTION]');
      if (ErrorCaptureStackTrace !== undefined) {
        ErrorCaptureStackTrace(this, typeof stackStartFn === 'function' ? stackStartFn : AssertionError);
      }
      void this.stack;
      defineHidden(this, 'name', 'AssertionError');
    }

    override toString(): string {
      return `${StringCtor(this.name)} [${StringCtor(this.code)}]: ${StringCtor(this.message)}`;
    }
  }

  /** Throws `message` itself if it is an error, else an `AssertionError`. */
  function innerFail(options: AssertionErrorOptions, generated?: boolean): never {
    if (isError(options.message)) throw options.message;
    const error = new AssertionError(options);
    if (generated !== undefined) defineData(error, 'generatedMessage', generated);
    throw error;
  }

  function innerOk(fn: unknown, argumentCount: number, value: unknown, message: unknown): void {
    if (value) return;
    let generated = false;
    let text = message;
    if (argumentCount === 0) {
      generated = true;
      text = 'No value argument passed to `assert.ok()`';
    } else if (message === undefined || message === null) {
      generated = true;
      text = `The expression evaluated to a falsy value:\n\n  ${fn === ok ? 'assert.ok' : 'assert'}(${inspect(value)})\n`;
    } else if (isError(message)) {
      throw message;
    }
    innerFail({ actual: value, expected: true, message: text, operator: '==', stackStartFn: fn }, generated);
  }

  function missingArgs(...names: string[]): TypeError {
    const quoted = newList<string>();
    for (let index = 0; index < names.length; index++) listPush(quoted, `"${names[index]}"`);
    const text = quoted.length === 1 ? quoted[0] : `${listJoin(quoted, ' and ')}`;
    return codedTypeError(`The ${text} argument${quoted.length > 1 ? 's' : ''} must be specified`, 'ERR_MISSING_ARGS');
  }

  const assert = function assert(...args: unknown[]): void {
    innerOk(assert, args.length, at(args, 0), at(args, 1));
  } as SandboxAssert;

  function ok(...args: unknown[]): void {
    innerOk(ok, args.length, at(args, 0), at(args, 1));
  }

  function fail(
    actual?: unknown,
    expected?: unknown,
    message?: unknown,
    operator?: unknown,
    stackStartFn?: unknown,
  ): never {
    const argumentCount = arguments.length;
    let text = message;
    let shownActual = actual;
    let shownOperator = operator;
    let generated: boolean | undefined;
    if ((actual === undefined || actual === null) && argumentCount <= 1) {
      generated = true;
      text = 'Failed';
    } else if (argumentCount === 1) {
      text = actual;
      shownActual = undefined;
    } else if (argumentCount === 2) {
      shownOperator = '!=';
    }
    if (isError(text)) throw text;
    const error = new AssertionError({
      actual: shownActual,
      expected,
      operator: shownOperator === undefined ? 'fail' : StringCtor(shownOperator),
      stackStartFn: typeof stackStartFn === 'function' ? stackStartFn : fail,
      message: text,
    });
    if (generated !== undefined) defineData(error, 'generatedMessage', generated);
    throw error;
  }

  function equal(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    // biome-ignore lint/suspicious/noDoubleEquals: assert.equal is the loose comparison.
    if (actual != expected && (!NumberIsNaN(actual) || !NumberIsNaN(expected))) {
      innerFail({ actual, expected, message, operator: '==', stackStartFn: equal });
    }
  }

  function notEqual(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    // biome-ignore lint/suspicious/noDoubleEquals: assert.notEqual is the loose comparison.
    if (actual == expected || (NumberIsNaN(actual) && NumberIsNaN(expected))) {
      innerFail({ actual, expected, message, operator: '!=', stackStartFn: notEqual });
    }
  }

  function strictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    if (!ObjectIs(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'strictEqual', stackStartFn: strictEqual });
    }
  }

  function notStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    if (ObjectIs(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'notStrictEqual', stackStartFn: notStrictEqual });
    }
  }

  function deepEqual(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    if (!isDeepLooseEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'deepEqual', stackStartFn: deepEqual });
    }
  }

  function notDeepEqual(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    if (isDeepLooseEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'notDeepEqual', stackStartFn: notDeepEqual });
    }
  }

  function deepStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    if (!isDeepStrictEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'deepStrictEqual', stackStartFn: deepStrictEqual });
    }
  }

  function notDeepStrictEqual(actual: unknown, expected: unknown, message?: unknown): void {
    if (arguments.length < 2) throw missingArgs('actual', 'expected');
    if (isDeepStrictEqual(actual, expected)) {
      innerFail({ actual, expected, message, operator: 'notDeepStrictEqual', stackStartFn: notDeepStrictEqual });
    }
  }

  // ── throws / rejects ───────────────────────────────────────────────────────────────────────
  const noException = { __proto__: null } as object;

  function getActual(fn: unknown): unknown {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn);
    try {
      ReflectApply(fn, undefined, []);
    } catch (error) {
      return error;
    }
    return noException;
  }

  function isThenable(value: unknown): value is PromiseLike<unknown> {
    if (typeof value !== 'object' || value === null) return false;
    return (
      typeof (value as { then?: unknown }).then === 'function' &&
      typeof (value as { catch?: unknown }).catch === 'function'
    );
  }

  async function waitForActual(promiseFn: unknown): Promise<unknown> {
    let resultPromise: unknown;
    if (typeof promiseFn === 'function') {
      resultPromise = ReflectApply(promiseFn, undefined, []);
      if (!isThenable(resultPromise)) {
        throw codedTypeError(
          `Expected instance of Promise to be returned from the "promiseFn" function but got ${
            resultPromise === null || typeof resultPromise !== 'object' ? `type ${typeof resultPromise}` : 'an object'
          }.`,
          'ERR_INVALID_RETURN_VALUE',
        );
      }
    } else if (isThenable(promiseFn)) {
      resultPromise = promiseFn;
    } else {
      throw invalidArgType('promiseFn', 'of type function or an instance of Promise', promiseFn);
    }
    try {
      await resultPromise;
    } catch (error) {
      return error;
    }
    return noException;
  }

  function expectsError(stackStartFn: (...args: never[]) => unknown, actual: unknown, args: unknown[]): void {
    let error = at(args, 0);
    let message = at(args, 1);
    if (typeof error === 'string') {
      if (args.length === 2) {
        throw invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', error);
      }
      if (typeof actual === 'object' && actual !== null) {
        if ((actual as { message?: unknown }).message === error) {
          throw codedTypeError(
            `The "error/message" argument is ambiguous. The error message "${error}" is identical to the message.`,
            'ERR_AMBIGUOUS_ARGUMENT',
          );
        }
      } else if (actual === error) {
        throw codedTypeError(
          `The "error/message" argument is ambiguous. The error "${error}" is identical to the message.`,
          'ERR_AMBIGUOUS_ARGUMENT',
        );
      }
      message = error;
      error = undefined;
    } else if (error !== undefined && error !== null && typeof error !== 'object' && typeof error !== 'function') {
      throw invalidArgType('error', 'of type function or an instance of Error, RegExp, or Object', error);
    }
    const operator = (stackStartFn as { name: string }).name;
    if (actual === noException) {
      let details = '';
      const errorName = isObjectLike(error) ? (error as { name?: unknown }).name : undefined;
      if (errorName) details += ` (${StringCtor(errorName)})`;
      details += message ? `: ${StringCtor(message)}` : '.';
      const kind = stackStartFn === rejects ? 'rejection' : 'exception';
      innerFail({
        actual: undefined,
        expected: error,
        operator,
        message: `Missing expected ${kind}${details}`,
        stackStartFn,
      });
    }
    if (!error) return;
    expectedException(actual, error, message, stackStartFn);
  }

  function expectedException(
    actual: unknown,
    expected: unknown,
    message: unknown,
    fn: (...args: never[]) => unknown,
  ): void {
    const operator = (fn as { name: string }).name;
    let text = message;
    let generated = false;
    if (typeof expected !== 'function') {
      if (isRegExp(expected)) {
        const input = StringCtor(actual);
        if (RegExpPrototypeExec(expected, input) !== null) return;
        if (!text) {
          generated = true;
          text = `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(input)}\n`;
        }
        innerFail({ actual, expected, message: text, operator, stackStartFn: fn }, generated);
      }
      if (typeof actual !== 'object' || actual === null) {
        const error = new AssertionError({
          actual,
          expected,
          message: text,
          operator: 'deepStrictEqual',
          stackStartFn: fn,
        });
        defineData(error, 'operator', operator);
        throw error;
      }
      // A validation object: each of its keys (and an error's name and message) must match.
      const expectedObject = expected as Record<string, unknown>;
      const ownKeys = ObjectKeys(expectedObject);
      const keys = newList<string>();
      for (let index = 0; index < ownKeys.length; index++) listPush(keys, ownKeys[index]!);
      if (isError(expected)) {
        listPush(keys, 'name');
        listPush(keys, 'message');
      } else if (keys.length === 0) {
        throw codedTypeError(
          `The argument 'error' may not be an empty object. Received ${inspect(expected)}`,
          'ERR_INVALID_ARG_VALUE',
        );
      }
      const actualObject = actual as Record<string, unknown>;
      for (let index = 0; index < keys.length; index++) {
        const key = keys[index]!;
        const actualValue = actualObject[key];
        const expectedValue = expectedObject[key];
        if (
          typeof actualValue === 'string' &&
          isRegExp(expectedValue) &&
          RegExpPrototypeExec(expectedValue, actualValue) !== null
        ) {
          continue;
        }
        if (!(key in actualObject) || !isDeepStrictEqual(actualValue, expectedValue)) {
          if (!text) {
            const shownActual: Record<string, unknown> = {};
            const shownExpected: Record<string, unknown> = {};
            for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
              const shownKey = keys[keyIndex]!;
              if (shownKey in actualObject) defineData(shownActual, shownKey, actualObject[shownKey]);
              if (shownKey in expectedObject) defineData(shownExpected, shownKey, expectedObject[shownKey]);
            }
            const error = new AssertionError({
              actual: shownActual,
              expected: shownExpected,
              message: undefined,
              operator: 'deepStrictEqual',
              stackStartFn: fn,
            });
            defineData(error, 'actual', actual);
            defineData(error, 'expected', expected);
            defineData(error, 'operator', operator);
            throw error;
          }
          innerFail({ actual, expected, message: text, operator, stackStartFn: fn });
        }
      }
      return;
    }
    const expectedClass = expected as { prototype?: unknown; name?: unknown };
    if (expectedClass.prototype !== undefined && isInstance(actual, expected)) return;
    if (ObjectPrototypeIsPrototypeOf(ErrorCtor, expected)) {
      if (!text) {
        generated = true;
        text = `The error is expected to be an instance of "${StringCtor(expectedClass.name)}". Received `;
        if (isError(actual)) {
          const constructor = (actual as { constructor?: { name?: unknown } }).constructor;
          const name = (constructor && constructor.name) || actual.name;
          text +=
            expectedClass.name === name
              ? 'an error with identical name but a different prototype.'
              : `"${StringCtor(name)}"`;
          if (actual.message) text += `\n\nError message:\n\n${StringCtor(actual.message)}`;
        } else {
          text += `"${inspect(actual, { depth: -1 })}"`;
        }
      }
      innerFail({ actual, expected, message: text, operator, stackStartFn: fn }, generated);
    }
    const result = ReflectApply(expected, {}, [actual]);
    if (result !== true) {
      if (!text) {
        generated = true;
        const name = expectedClass.name ? `"${StringCtor(expectedClass.name)}" ` : '';
        text = `The ${name}validation function is expected to return "true". Received ${inspect(result)}`;
        if (isError(actual)) text += `\n\nCaught error:\n\n${StringCtor(actual)}`;
      }
      innerFail({ actual, expected, message: text, operator, stackStartFn: fn }, generated);
    }
  }

  /** `actual instanceof expected`, honouring `Symbol.hasInstance` as `instanceof` does. */
  function isInstance(actual: unknown, expected: unknown): boolean {
    return actual instanceof (expected as new () => unknown);
  }

  function hasMatchingError(actual: unknown, expected: unknown): boolean {
    if (typeof expected !== 'function') {
      if (isRegExp(expected)) return RegExpPrototypeExec(expected, StringCtor(actual)) !== null;
      throw invalidArgType('expected', 'of type function or an instance of RegExp', expected);
    }
    if ((expected as { prototype?: unknown }).prototype !== undefined && isInstance(actual, expected)) return true;
    if (ObjectPrototypeIsPrototypeOf(ErrorCtor, expected)) return false;
    return ReflectApply(expected, {}, [actual]) === true;
  }

  function expectsNoError(stackStartFn: (...args: never[]) => unknown, actual: unknown, args: unknown[]): void {
    if (actual === noException) return;
    let error = at(args, 0);
    let message = at(args, 1);
    if (typeof error === 'string') {
      message = error;
      error = undefined;
    }
    if (!error || hasMatchingError(actual, error)) {
      const details = message ? `: ${StringCtor(message)}` : '.';
      const kind = stackStartFn === doesNotReject ? 'rejection' : 'exception';
      const actualMessage = isObjectLike(actual) ? (actual as { message?: unknown }).message : undefined;
      innerFail({
        actual,
        expected: error,
        operator: (stackStartFn as { name: string }).name,
        message: `Got unwanted ${kind}${details}\nActual message: "${StringCtor(actualMessage)}"`,
        stackStartFn,
      });
    }
    throw actual;
  }

  function throws(fn: unknown, ...args: unknown[]): void {
    expectsError(throws, getActual(fn), args);
  }

  async function rejects(promiseFn: unknown, ...args: unknown[]): Promise<void> {
    expectsError(rejects, await waitForActual(promiseFn), args);
  }

  function doesNotThrow(fn: unknown, ...args: unknown[]): void {
    expectsNoError(doesNotThrow, getActual(fn), args);
  }

  async function doesNotReject(promiseFn: unknown, ...args: unknown[]): Promise<void> {
    expectsNoError(doesNotReject, await waitForActual(promiseFn), args);
  }

  function ifError(value: unknown): void {
    if (value === null || value === undefined) return;
    let message = 'ifError got unwanted exception: ';
    const valueMessage = typeof value === 'object' ? (value as { message?: unknown }).message : undefined;
    if (typeof valueMessage === 'string') {
      const constructor = (value as { constructor?: { name?: unknown } }).constructor;
      message += valueMessage.length === 0 && constructor ? StringCtor(constructor.name) : valueMessage;
    } else {
      message += inspect(value);
    }
    throw new AssertionError({ actual: value, expected: null, operator: 'ifError', message, stackStartFn: ifError });
  }

  function internalMatch(text: unknown, regexp: unknown, message: unknown, fn: typeof match): void {
    if (!isRegExp(regexp)) throw invalidArgType('regexp', 'an instance of RegExp', regexp);
    const wantMatch = fn === match;
    if (typeof text !== 'string' || (RegExpPrototypeExec(regexp, text) !== null) !== wantMatch) {
      if (isError(message)) throw message;
      const generated = !message;
      const shown =
        message ||
        (typeof text !== 'string'
          ? `The "string" argument must be of type string. Received type ${typeof text} (${inspect(text)})`
          : `${
              wantMatch
                ? 'The input did not match the regular expression '
                : 'The input was expected to not match the regular expression '
            }${inspect(regexp)}. Input:\n\n${inspect(text)}\n`);
      innerFail({ actual: text, expected: regexp, message: shown, operator: fn.name, stackStartFn: fn }, generated);
    }
  }

  function match(text: unknown, regexp: unknown, message?: unknown): void {
    internalMatch(text, regexp, message, match);
  }

  function doesNotMatch(text: unknown, regexp: unknown, message?: unknown): void {
    internalMatch(text, regexp, message, doesNotMatch);
  }

  const members: readonly (readonly [string, unknown])[] = [
    ['AssertionError', AssertionError],
    ['ok', ok],
    ['fail', fail],
    ['equal', equal],
    ['notEqual', notEqual],
    ['strictEqual', strictEqual],
    ['notStrictEqual', notStrictEqual],
    ['deepEqual', deepEqual],
    ['notDeepEqual', notDeepEqual],
    ['deepStrictEqual', deepStrictEqual],
    ['notDeepStrictEqual', notDeepStrictEqual],
    ['throws', throws],
    ['doesNotThrow', doesNotThrow],
    ['rejects', rejects],
    ['doesNotReject', doesNotReject],
    ['ifError', ifError],
    ['match', match],
    ['doesNotMatch', doesNotMatch],
  ];
  for (let index = 0; index < members.length; index++) {
    const member = members[index]!;
    defineData(assert, member[0], member[1]);
  }

  // `assert.strict`: the same functions, with the loose comparisons replaced by the strict ones.
  const strict = function strict(...args: unknown[]): void {
    innerOk(strict, args.length, at(args, 0), at(args, 1));
  } as SandboxAssert;
  for (let index = 0; index < members.length; index++) {
    const member = members[index]!;
    defineData(strict, member[0], member[1]);
  }
  defineData(strict, 'equal', strictEqual);
  defineData(strict, 'notEqual', notStrictEqual);
  defineData(strict, 'deepEqual', deepStrictEqual);
  defineData(strict, 'notDeepEqual', notDeepStrictEqual);
  defineData(strict, 'strict', strict);
  defineData(assert, 'strict', strict);

  return assert;
}
