/**
 * WHATWG `URL` and `URLSearchParams` for workflow code. Parsing and serialising are the host's
 * (`newURL`, `newURLSearchParams`); each sandbox object holds its host object in a private field.
 * Arguments are converted to strings here before the host sees them, results are copied, and a
 * `URL`'s `searchParams` wraps the host URL's own, so the two stay live-linked.
 */
import type { HostURL, HostURLSearchParams, SandboxHostCapabilities } from '../host-capabilities';
import {
  callHost,
  callHostMethod,
  copyNothing,
  copyNumber,
  copyString,
  copyStringArray,
  copyStringOrNull,
  copyBoolean,
  keepHost,
  readHost,
  writeHost,
} from './host-values';
import { inspect } from './inspect';
import {
  ArrayPrototype,
  ObjectCreate,
  ObjectPrototypePropertyIsEnumerable,
  ReflectApply,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  SymbolFor,
  SymbolIterator,
  TypeErrorCtor,
  WeakMapCtor,
  WeakMapPrototypeGet,
  WeakMapPrototypeSet,
  defineData,
  defineHidden,
  defineToStringTag,
  getOwnProperty,
  listPush,
  newList,
} from '../primordials';
import { toDOMString } from './text-coding';

const IteratorPrototype = ReflectGetPrototypeOf(ReflectGetPrototypeOf(ArrayPrototype[SymbolIterator]())!) as object;
const customInspectSymbol = SymbolFor('nodejs.util.inspect.custom');

function codedTypeError(message: string, code: string): TypeError {
  const error = new TypeErrorCtor(message);
  defineData(error, 'code', code);
  return error;
}

function invalidThis(type: string): TypeError {
  return codedTypeError(`Value of "this" must be of type ${type}`, 'ERR_INVALID_THIS');
}

function missingArgs(names: string, plural = false): TypeError {
  return codedTypeError(`The ${names} argument${plural ? 's' : ''} must be specified`, 'ERR_MISSING_ARGS');
}

type IterationKind = 'entries' | 'keys' | 'values';

interface IteratorState {
  host: Iterator<unknown>;
  kind: IterationKind;
}

export function createURLClasses(host: SandboxHostCapabilities): {
  URL: typeof globalThis.URL;
  URLSearchParams: typeof globalThis.URLSearchParams;
} {
  const hostNewURL = host.newURL;
  const hostNewURLSearchParams = host.newURLSearchParams;
  /** Lets `url.searchParams` make a wrapper around an existing host object. */
  const adoptToken = ObjectCreate(null) as object;

  // ── Iterators ──────────────────────────────────────────────────────────────────────────────
  const iteratorStates = new WeakMapCtor<object, IteratorState>();
  const searchParamsIteratorPrototype = ObjectCreate(IteratorPrototype) as object;
  const iteratorMethods = {
    next(this: unknown): IteratorResult<unknown> {
      const state = typeof this === 'object' && this !== null ? WeakMapPrototypeGet(iteratorStates, this) : undefined;
      if (state === undefined) throw invalidThis('URLSearchParamsIterator');
      const step = callHostMethod(state.host, 'next', [], keepHost<IteratorResult<unknown>>, iteratorMethods.next);
      if (readHost(step, 'done', (done) => done === true)) return { value: undefined, done: true };
      const pair = readHost(step, 'value', keepHost<object>);
      const name = readHost(pair, '0', copyString);
      if (state.kind === 'keys') return { value: name, done: false };
      const value = readHost(pair, '1', copyString);
      if (state.kind === 'values') return { value, done: false };
      return { value: [name, value], done: false };
    },
  };
  defineHidden(searchParamsIteratorPrototype, 'next', iteratorMethods.next);
  defineToStringTag(searchParamsIteratorPrototype, 'URLSearchParams Iterator');

  function newIterator(
    hostParams: HostURLSearchParams,
    kind: IterationKind,
    stackStart: unknown,
  ): IterableIterator<unknown> {
    const hostIterator = callHostMethod(hostParams, 'entries', [], keepHost<Iterator<unknown>>, stackStart);
    const iterator = ObjectCreate(searchParamsIteratorPrototype) as IterableIterator<unknown>;
    WeakMapPrototypeSet(iteratorStates, iterator, { __proto__: null, host: hostIterator, kind } as IteratorState);
    return iterator;
  }

  // ── URLSearchParams ─────────────────────────────────────────────────────────────────────────
  let isSearchParams!: (value: unknown) => boolean;
  let hostParamsOf!: (params: unknown) => HostURLSearchParams;
  let adoptSearchParams!: (hostParams: HostURLSearchParams) => URLSearchParams;

  class URLSearchParams {
    readonly #params: HostURLSearchParams;

    static {
      isSearchParams = (value) => typeof value === 'object' && value !== null && #params in value;
      hostParamsOf = (params) => {
        if (!isSearchParams(params)) throw invalidThis('URLSearchParams');
        return (params as URLSearchParams).#params;
      };
      adoptSearchParams = (hostParams) => new URLSearchParams(hostParams, adoptToken);
    }

    constructor(init: unknown = undefined, token: unknown = undefined) {
      if (token === adoptToken) {
        this.#params = init as HostURLSearchParams;
        return;
      }
      const hostParams = callHost(hostNewURLSearchParams, host, [''], keepHost<HostURLSearchParams>, URLSearchParams);
      this.#params = hostParams;
      if (init === undefined || init === null) return;
      if (typeof init === 'object' || typeof init === 'function') {
        const pairs = searchParamsPairs(init);
        for (let index = 0; index < pairs.length; index += 2) {
          callHostMethod(hostParams, 'append', [pairs[index], pairs[index + 1]], copyNothing, URLSearchParams);
        }
        return;
      }
      const text = toDOMString(init);
      this.#params = callHost(hostNewURLSearchParams, host, [text], keepHost<HostURLSearchParams>, URLSearchParams);
    }

    get size(): number {
      return readHost(hostParamsOf(this), 'size', copyNumber);
    }

    append(name: unknown, value: unknown): void {
      const params = hostParamsOf(this);
      if (arguments.length < 2) throw missingArgs('"name" and "value"', true);
      callHostMethod(params, 'append', [toDOMString(name), toDOMString(value)], copyNothing, methods.append);
    }

    delete(name: unknown, value: unknown = undefined): void {
      const params = hostParamsOf(this);
      if (arguments.length < 1) throw missingArgs('"name"');
      const args = value === undefined ? [toDOMString(name)] : [toDOMString(name), toDOMString(value)];
      callHostMethod(params, 'delete', args, copyNothing, methods.delete);
    }

    get(name: unknown): string | null {
      const params = hostParamsOf(this);
      if (arguments.length < 1) throw missingArgs('"name"');
      return callHostMethod(params, 'get', [toDOMString(name)], copyStringOrNull, methods.get);
    }

    getAll(name: unknown): string[] {
      const params = hostParamsOf(this);
      if (arguments.length < 1) throw missingArgs('"name"');
      return callHostMethod(params, 'getAll', [toDOMString(name)], copyStringArray, methods.getAll);
    }

    has(name: unknown, value: unknown = undefined): boolean {
      const params = hostParamsOf(this);
      if (arguments.length < 1) throw missingArgs('"name"');
      const args = value === undefined ? [toDOMString(name)] : [toDOMString(name), toDOMString(value)];
      return callHostMethod(params, 'has', args, copyBoolean, methods.has);
    }

    set(name: unknown, value: unknown): void {
      const params = hostParamsOf(this);
      if (arguments.length < 2) throw missingArgs('"name" and "value"', true);
      callHostMethod(params, 'set', [toDOMString(name), toDOMString(value)], copyNothing, methods.set);
    }

    sort(): void {
      callHostMethod(hostParamsOf(this), 'sort', [], copyNothing, methods.sort);
    }

    toString(): string {
      return callHostMethod(hostParamsOf(this), 'toString', [], copyString, methods.toString);
    }

    entries(): IterableIterator<[string, string]> {
      return newIterator(hostParamsOf(this), 'entries', methods.entries) as IterableIterator<[string, string]>;
    }

    keys(): IterableIterator<string> {
      return newIterator(hostParamsOf(this), 'keys', methods.keys) as IterableIterator<string>;
    }

    values(): IterableIterator<string> {
      return newIterator(hostParamsOf(this), 'values', methods.values) as IterableIterator<string>;
    }

    forEach(callback: unknown, thisArg: unknown = undefined): void {
      const params = hostParamsOf(this);
      if (typeof callback !== 'function') {
        throw codedTypeError('The "callback" argument must be of type function', 'ERR_INVALID_ARG_TYPE');
      }
      const iterator = newIterator(params, 'entries', methods.forEach);
      const next = iteratorMethods.next;
      for (;;) {
        const step = ReflectApply(next, iterator, []) as IteratorResult<[string, string]>;
        if (step.done) return;
        ReflectApply(callback, thisArg, [step.value[1], step.value[0], this]);
      }
    }
  }
  const methods = URLSearchParams.prototype;
  defineHidden(methods, SymbolIterator, methods.entries);
  defineToStringTag(methods, 'URLSearchParams');
  /** Node's `URLSearchParams { 'a' => '1' }`. */
  function inspectSearchParams(params: HostURLSearchParams, stackStart: unknown): string {
    const iterator = newIterator(params, 'entries', stackStart);
    let text = '';
    for (;;) {
      const step = ReflectApply(iteratorMethods.next, iterator, []) as IteratorResult<[string, string]>;
      if (step.done) break;
      text += `${text === '' ? ' ' : ', '}${inspect(step.value[0])} => ${inspect(step.value[1])}`;
    }
    return `URLSearchParams {${text === '' ? '' : `${text} `}}`;
  }
  defineHidden(methods, customInspectSymbol, function inspectURLSearchParams(this: unknown): unknown {
    // Anything else (the prototype itself) is shown as an ordinary object.
    if (!isSearchParams(this)) return this;
    return inspectSearchParams(hostParamsOf(this), inspectURLSearchParams);
  });

  // ── URL ────────────────────────────────────────────────────────────────────────────────────
  let isURL!: (value: unknown) => boolean;
  let hostURLOf!: (url: unknown) => HostURL;

  class URL {
    readonly #url: HostURL;
    #searchParams: URLSearchParams | undefined;

    static {
      isURL = (value) => typeof value === 'object' && value !== null && #url in value;
      hostURLOf = (url) => {
        if (!isURL(url)) throw invalidThis('URL');
        return (url as URL).#url;
      };
    }

    constructor(url: unknown, base: unknown = undefined) {
      if (arguments.length < 1) throw missingArgs('"url"');
      const urlText = toDOMString(url);
      const baseText = base === undefined ? undefined : toDOMString(base);
      this.#url = callHost(hostNewURL, host, [urlText, baseText], keepHost<HostURL>, URL);
    }

    static canParse(url: unknown, base: unknown = undefined): boolean {
      if (arguments.length < 1) throw missingArgs('"url"');
      const urlText = toDOMString(url);
      const baseText = base === undefined ? undefined : toDOMString(base);
      try {
        callHost(hostNewURL, host, [urlText, baseText], copyNothing);
        return true;
      } catch {
        return false;
      }
    }

    static parse(url: unknown, base: unknown = undefined): URL | null {
      if (arguments.length < 1) throw missingArgs('"url"');
      const urlText = toDOMString(url);
      const baseText = base === undefined ? undefined : toDOMString(base);
      try {
        return new URL(urlText, baseText);
      } catch {
        return null;
      }
    }

    get href(): string {
      return readHost(hostURLOf(this), 'href', copyString);
    }
    set href(value: unknown) {
      writeHost(hostURLOf(this), 'href', toDOMString(value), urlSetters.href);
    }
    get origin(): string {
      return readHost(hostURLOf(this), 'origin', copyString);
    }
    get protocol(): string {
      return readHost(hostURLOf(this), 'protocol', copyString);
    }
    set protocol(value: unknown) {
      writeHost(hostURLOf(this), 'protocol', toDOMString(value), urlSetters.protocol);
    }
    get username(): string {
      return readHost(hostURLOf(this), 'username', copyString);
    }
    set username(value: unknown) {
      writeHost(hostURLOf(this), 'username', toDOMString(value), urlSetters.username);
    }
    get password(): string {
      return readHost(hostURLOf(this), 'password', copyString);
    }
    set password(value: unknown) {
      writeHost(hostURLOf(this), 'password', toDOMString(value), urlSetters.password);
    }
    get host(): string {
      return readHost(hostURLOf(this), 'host', copyString);
    }
    set host(value: unknown) {
      writeHost(hostURLOf(this), 'host', toDOMString(value), urlSetters.host);
    }
    get hostname(): string {
      return readHost(hostURLOf(this), 'hostname', copyString);
    }
    set hostname(value: unknown) {
      writeHost(hostURLOf(this), 'hostname', toDOMString(value), urlSetters.hostname);
    }
    get port(): string {
      return readHost(hostURLOf(this), 'port', copyString);
    }
    set port(value: unknown) {
      writeHost(hostURLOf(this), 'port', toDOMString(value), urlSetters.port);
    }
    get pathname(): string {
      return readHost(hostURLOf(this), 'pathname', copyString);
    }
    set pathname(value: unknown) {
      writeHost(hostURLOf(this), 'pathname', toDOMString(value), urlSetters.pathname);
    }
    get search(): string {
      return readHost(hostURLOf(this), 'search', copyString);
    }
    set search(value: unknown) {
      writeHost(hostURLOf(this), 'search', toDOMString(value), urlSetters.search);
    }
    get searchParams(): URLSearchParams {
      const hostURL = hostURLOf(this);
      const self = this as unknown as URL;
      if (self.#searchParams === undefined) {
        self.#searchParams = adoptSearchParams(readHost(hostURL, 'searchParams', keepHost<HostURLSearchParams>));
      }
      return self.#searchParams;
    }
    get hash(): string {
      return readHost(hostURLOf(this), 'hash', copyString);
    }
    set hash(value: unknown) {
      writeHost(hostURLOf(this), 'hash', toDOMString(value), urlSetters.hash);
    }

    toString(): string {
      return readHost(hostURLOf(this), 'href', copyString);
    }

    toJSON(): string {
      return readHost(hostURLOf(this), 'href', copyString);
    }
  }
  const urlPrototype = URL.prototype;
  defineToStringTag(urlPrototype, 'URL');
  const urlFields = [
    'href',
    'origin',
    'protocol',
    'username',
    'password',
    'host',
    'hostname',
    'port',
    'pathname',
    'search',
    'searchParams',
    'hash',
  ] as const;
  /** The public setters, to start the stacks of the errors they throw. */
  const urlSetters = ObjectCreate(null) as Record<string, unknown>;
  for (let index = 0; index < urlFields.length; index++) {
    const accessor = getOwnProperty(urlPrototype, urlFields[index]!);
    urlSetters[urlFields[index]!] = accessor === undefined ? undefined : accessor.set;
  }
  /** Node's multi-line `URL { href: …, origin: …, … }`. */
  defineHidden(urlPrototype, customInspectSymbol, function inspectURL(this: unknown): unknown {
    if (!isURL(this)) return this;
    const hostURL = hostURLOf(this);
    let text = '';
    for (let index = 0; index < urlFields.length; index++) {
      const field = urlFields[index]!;
      const value =
        field === 'searchParams'
          ? inspectSearchParams(readHost(hostURL, field, keepHost<HostURLSearchParams>, inspectURL), inspectURL)
          : inspect(readHost(hostURL, field, copyString, inspectURL));
      text += `\n  ${field}: ${value}${index === urlFields.length - 1 ? '' : ','}`;
    }
    return `URL {${text}\n}`;
  });

  return {
    URL: URL as unknown as typeof globalThis.URL,
    URLSearchParams: URLSearchParams as unknown as typeof globalThis.URLSearchParams,
  };

  /** The [name, value] strings of a sequence-of-pairs or record `init`, flattened. */
  function searchParamsPairs(init: object): string[] {
    const pairs = newList<string>();
    const iteratorMethod = (init as Record<symbol, unknown>)[SymbolIterator];
    if (iteratorMethod !== undefined && iteratorMethod !== null) {
      if (typeof iteratorMethod !== 'function')
        throw codedTypeError('Query pairs must be iterable', 'ERR_ARG_NOT_ITERABLE');
      const iterator = ReflectApply(iteratorMethod, init, []) as Iterator<unknown>;
      for (;;) {
        const step = iterator.next();
        if (step.done) break;
        const pair = step.value;
        if ((typeof pair !== 'object' && typeof pair !== 'function') || pair === null) {
          throw codedTypeError('Each query pair must be an iterable [name, value] tuple', 'ERR_INVALID_TUPLE');
        }
        const pairIteratorMethod = (pair as Record<symbol, unknown>)[SymbolIterator];
        if (typeof pairIteratorMethod !== 'function') {
          throw codedTypeError('Each query pair must be an iterable [name, value] tuple', 'ERR_INVALID_TUPLE');
        }
        const items = newList<unknown>();
        const pairIterator = ReflectApply(pairIteratorMethod, pair, []) as Iterator<unknown>;
        for (;;) {
          const item = pairIterator.next();
          if (item.done) break;
          listPush(items, item.value);
        }
        if (items.length !== 2) {
          throw codedTypeError('Each query pair must be an iterable [name, value] tuple', 'ERR_INVALID_TUPLE');
        }
        listPush(pairs, toDOMString(items[0]));
        listPush(pairs, toDOMString(items[1]));
      }
      return pairs;
    }
    const keys = ReflectOwnKeys(init);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      if (!ObjectPrototypePropertyIsEnumerable(init, key)) continue;
      const name = toDOMString(key);
      const value = toDOMString((init as Record<PropertyKey, unknown>)[key]);
      let replaced = false;
      for (let pairIndex = 0; pairIndex < pairs.length; pairIndex += 2) {
        if (pairs[pairIndex] === name) {
          pairs[pairIndex + 1] = value;
          replaced = true;
          break;
        }
      }
      if (!replaced) {
        listPush(pairs, name);
        listPush(pairs, value);
      }
    }
    return pairs;
  }
}
