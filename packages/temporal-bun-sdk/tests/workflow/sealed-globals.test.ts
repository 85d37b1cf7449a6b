/**
 * The sealed sandbox globals (`src/workflow/sandbox-runtime/sealed-globals.ts`), bundled as the
 * worker bundles the sandbox runtime (`Bun.build`, browser target, IIFE) and evaluated in a fresh
 * `node:vm` context with a host made of the worker realm's own `TextEncoder`, `URL`,
 * `AsyncLocalStorage`…:
 *
 * 1. each global behaves as Node's does for ordinary use;
 * 2. the escape corpus: nothing reachable from the globals (prototype chains, methods, what they
 *    return or throw, iterators, events, promises) belongs to the worker's realm, and
 *    `constructor.constructor('return globalThis')()` always answers the sandbox's global;
 * 3. after workflow code replaces `Array.prototype.push`, `Function.prototype.call/apply/bind`,
 *    `Reflect.apply`, … and defines accessors on `Object.prototype`, the globals still work.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import vm from 'node:vm';
import type {
  HostTextDecoder,
  SandboxConsoleLevel,
  SandboxHostCapabilities,
} from '../../src/workflow/sandbox-runtime/host-capabilities';

const runtimeDirectory = resolve(import.meta.dir, '../../src/workflow/sandbox-runtime');
const scratchDirectory = mkdtempSync(join(tmpdir(), 'tbs-sealed-globals-'));
let bundle = '';

beforeAll(async () => {
  const entry = join(scratchDirectory, 'entry.ts');
  writeFileSync(
    entry,
    [
      `import { installSealedGlobals } from ${JSON.stringify(join(runtimeDirectory, 'sealed-globals.ts'))};`,
      'const host = (globalThis as any).__temporal_sandbox_host;',
      'delete (globalThis as any).__temporal_sandbox_host;',
      'installSealedGlobals(globalThis, host);',
      '',
    ].join('\n'),
  );
  const result = await Bun.build({ entrypoints: [entry], target: 'browser', format: 'iife' });
  if (!result.success) throw new AggregateError(result.logs, 'bundling sealed-globals.ts failed');
  bundle = await result.outputs[0]!.text();
});

afterAll(() => {
  rmSync(scratchDirectory, { recursive: true, force: true });
});

interface Realm {
  context: vm.Context;
  /** The sandbox's `globalThis`. */
  global: Record<string, unknown>;
  run<T = unknown>(code: string): T;
  /** What `host.log` received, argument lists as they came. */
  logs: unknown[][];
}

/** A fresh context with the sealed globals installed; the host is made of this realm's classes. */
function createRealm(): Realm {
  const logs: unknown[][] = [];
  const host: SandboxHostCapabilities = {
    log(...args: unknown[]) {
      logs.push(args);
    },
    mapPosition: () => undefined,
    textEncode: (input) => new TextEncoder().encode(input),
    newTextDecoder: (label, options) => new TextDecoder(label as never, options) as unknown as HostTextDecoder,
    newURL: (url, base) => new URL(url, base),
    newURLSearchParams: (init) => new URLSearchParams(init),
    newAsyncLocalStorage: () => new AsyncLocalStorage(),
  };
  const context = vm.createContext({});
  (context as Record<string, unknown>).__temporal_sandbox_host = host;
  vm.runInContext(bundle, context, { filename: 'sealed-globals.js' });
  return {
    context,
    global: vm.runInContext('globalThis', context),
    run: (code) => vm.runInContext(code, context),
    logs,
  };
}

/** Host-side copies of sandbox values (`toEqual` compares prototypes, which differ across realms). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

describe('installSealedGlobals', () => {
  test('defines each global as createSandbox did, and leaves no host capability behind', () => {
    const realm = createRealm();
    for (const name of [
      'assert',
      'URL',
      'URLSearchParams',
      'TextEncoder',
      'TextDecoder',
      'AbortController',
      'AbortSignal',
      'AsyncLocalStorage',
    ]) {
      const descriptor = Object.getOwnPropertyDescriptor(realm.global, name)!;
      expect({
        name,
        writable: descriptor.writable,
        enumerable: descriptor.enumerable,
        configurable: descriptor.configurable,
      }).toEqual({
        name,
        writable: false,
        enumerable: true,
        configurable: false,
      });
    }
    const consoleDescriptor = Object.getOwnPropertyDescriptor(realm.global, 'console')!;
    expect([consoleDescriptor.writable, consoleDescriptor.enumerable, consoleDescriptor.configurable]).toEqual([
      true,
      false,
      true,
    ]);
    expect(realm.run("typeof __temporal_sandbox_host + ':' + ('__temporal_sandbox_host' in globalThis)")).toBe(
      'undefined:false',
    );
  });

  test('the runtime imports nothing but types from outside sandbox-runtime/, and no Node or Bun module', () => {
    const files = [
      'sealed-globals.ts',
      'primordials.ts',
      ...readdirSync(join(runtimeDirectory, 'globals')).map((file) => `globals/${file}`),
    ];
    const offending: string[] = [];
    for (const file of files) {
      const source = readFileSync(join(runtimeDirectory, file), 'utf8');
      for (const match of source.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const [, typeOnly, specifier] = match;
        // A value import must stay inside sandbox-runtime/ (a type import may come from anywhere).
        const target = specifier!.startsWith('.') ? resolve(runtimeDirectory, dirname(file), specifier!) : specifier!;
        const inside = target.startsWith(`${runtimeDirectory}/`);
        if (!inside && !typeOnly) offending.push(`${file}: ${match[0]}`);
      }
      if (/\bBun\.|\bprocess\.|\brequire\(/.test(source)) offending.push(`${file}: uses a Node or Bun API`);
    }
    expect(offending).toEqual([]);
    expect(bundle).not.toMatch(/\brequire\(|\bimport\(/);
  });
});

describe('console', () => {
  test('each level formats in the sandbox and hands the host one string', () => {
    const realm = createRealm();
    realm.run(`
      console.log('plain');
      console.info('%s is %d years and %i days, %f%%', 'Ada', 36.5, 12.9, 1.5);
      console.warn('%j then %o then %O', { a: [1] }, [1, { b: 2 }], { c: 'x' });
      console.error('%c styled', 'color: red', 'and', 'more', 42);
      console.debug(1, 'two', null, undefined, true, 10n, -0, Symbol('s'));
      console.log('%s %s %s', 7n, { toString() { return 'custom' } }, { plain: true });
      console.log('%d %i %f', '0x10', '42.9abc', Symbol('n'));
      console.log('100%', 'literal', '%q');
    `);
    expect(realm.logs).toEqual([
      ['log', 'plain'],
      ['info', 'Ada is 36.5 years and 12 days, 1.5%'],
      ['warn', `{"a":[1]} then [ 1, { b: 2 } ] then { c: 'x' }`],
      ['error', ' styled and more 42'],
      ['debug', `1 two null undefined true 10n -0 Symbol(s)`],
      ['log', '7n custom { plain: true }'],
      ['log', '16 42 NaN'],
      ['log', '100% literal %q'],
    ]);
    for (const call of realm.logs) {
      expect(call.map((argument) => typeof argument)).toEqual(['string', 'string']);
    }
  });

  test('objects are inspected as Node does: depth, cycles, errors, functions, collections', () => {
    const realm = createRealm();
    realm.run(`
      const cycle = { name: 'loop' }; cycle.self = cycle;
      const error = new TypeError('bad thing'); error.code = 'E_BAD';
      class Point { constructor() { this.x = 1; this.y = 2; } }
      const sparse = [1, , , 4]; sparse.extra = 'yes';
      console.log({ a: { b: { c: { d: 1 } } }, list: [[[[1]]]] });
      console.log(cycle);
      console.log([function named() {}, () => {}, async function later() {}, function* gen() {}, class Shape {}]);
      console.log(new Map([['k', { v: 1 }]]), new Set(['a', 2]), new Date(86400000), /x+/gi, new Date(NaN));
      console.log(new Uint8Array([1, 2, 3]), new Float64Array([0.5]), new ArrayBuffer(2), new Point(), sparse);
      console.log(Object.create(null), { 'needs quotes': "it's", [Symbol('key')]: 1n, get computed() { return 1; } });
      console.log(new String('boxed'), new Number(-0), new Boolean(false), ['multi\\nline', 'tab\\t']);
      console.log({ [Symbol.for('nodejs.util.inspect.custom')](depth, options, inspect) { return 'custom(' + depth + ',' + (typeof inspect) + ')'; } });
      console.log(new WeakMap(), Array.from({ length: 102 }, (_, i) => i % 10).length, { long: 'x'.repeat(80) });
      console.log(error);
    `);
    const messages = realm.logs.map((call) => call[1] as string);
    expect(messages.slice(0, 8)).toEqual([
      '{ a: { b: { c: [Object] } }, list: [ [ [Array] ] ] }',
      "{ name: 'loop', self: [Circular] }",
      '[\n  [Function: named],\n  [Function (anonymous)],\n  [AsyncFunction: later],\n  [GeneratorFunction: gen],\n  [class Shape]\n]',
      "Map(1) { 'k' => { v: 1 } } Set(2) { 'a', 2 } 1970-01-02T00:00:00.000Z /x+/gi Invalid Date",
      "Uint8Array(3) [ 1, 2, 3 ] Float64Array(1) [ 0.5 ] ArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 } Point { x: 1, y: 2 } [ 1, <2 empty items>, 4, extra: 'yes' ]",
      `[Object: null prototype] {} { 'needs quotes': "it's", computed: [Getter], [Symbol(key)]: 1n }`,
      "[String: 'boxed'] [Number: -0] [Boolean: false] [ 'multi\\nline', 'tab\\t' ]",
      'custom(2,function)',
    ]);
    expect(messages[8]).toBe(`WeakMap { <items unknown> } 102 {\n  long: '${'x'.repeat(80)}'\n}`);
    // An error is its stack (which names it and its message), then its own enumerable fields.
    expect(messages[9]!.startsWith('TypeError: bad thing\n')).toBe(true);
    expect(messages[9]!.endsWith(" {\n  code: 'E_BAD'\n}")).toBe(true);
    expect(messages[9]).toContain('    at ');
  });

  test('a cycle in %j is [Circular]; console.trace reports "Trace:" with the caller', () => {
    const realm = createRealm();
    realm.run(`
      const loop = {}; loop.loop = loop;
      console.log('%j', loop);
      function callerOfTrace() { console.trace('where %s', 'here'); }
      callerOfTrace();
      console.trace();
    `);
    expect(realm.logs[0]).toEqual(['log', '[Circular]']);
    const [level, trace] = realm.logs[1] as [SandboxConsoleLevel, string];
    expect(level).toBe('trace');
    expect(trace.split('\n')[0]).toBe('Trace: where here');
    expect(trace.split('\n')[1]).toContain('callerOfTrace');
    expect((realm.logs[2]![1] as string).split('\n')[0]).toBe('Trace');
  });

  test('a custom inspect function runs with sandbox arguments only', () => {
    const realm = createRealm();
    const seen = realm.run<unknown[]>(`
      const seen = [];
      console.log({ [Symbol.for('nodejs.util.inspect.custom')](depth, options, inspect) {
        seen.push(depth, options, inspect, this);
        return inspect({ inner: [1] });
      } });
      seen;
    `);
    expect(realm.logs[0]).toEqual(['log', '{ inner: [ 1 ] }']);
    const sandboxObjectPrototype = realm.run('Object.prototype');
    const sandboxFunction = realm.run('Function');
    expect(Object.getPrototypeOf(Object.getPrototypeOf(seen[1]) ?? sandboxObjectPrototype)).toBe(null);
    expect((seen[2] as { constructor: unknown }).constructor).toBe(sandboxFunction);
    expect(Object.getPrototypeOf(seen[3])).toBe(sandboxObjectPrototype);
  });
});

describe('assert', () => {
  test('passing assertions return undefined; failures are AssertionErrors with Node fields', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const passing = [
        assert(true), assert.ok(1), assert.equal(1, '1'), assert.equal(NaN, NaN), assert.notEqual(1, 2),
        assert.strictEqual('a', 'a'), assert.notStrictEqual(1, '1'), assert.deepEqual({ a: 1 }, { a: '1' }),
        assert.deepStrictEqual({ a: [1, { b: new Map([[1, new Set([2])]]) }] }, { a: [1, { b: new Map([[1, new Set([2])]]) }] }),
        assert.notDeepStrictEqual({ a: 1 }, { a: '1' }), assert.notDeepEqual({ a: 1 }, { a: 2 }),
        assert.match('abc', /b/), assert.doesNotMatch('abc', /z/), assert.ifError(null), assert.ifError(undefined),
        assert.throws(() => { throw new TypeError('x'); }, TypeError),
        assert.doesNotThrow(() => 1),
      ];
      const failures = [
        () => assert.strictEqual(1, 2),
        () => assert.equal(1, 2),
        () => assert.notStrictEqual(1, 1),
        () => assert.deepStrictEqual({ a: [1, 2] }, { a: [1, 3] }),
        () => assert.deepEqual({ a: 1 }, { a: 2 }),
        () => assert.ok(0),
        () => assert(),
        () => assert.fail(),
        () => assert.fail('custom failure'),
        () => assert.strictEqual(1, 2, 'my message'),
        () => assert.match('abc', /z/),
        () => assert.doesNotMatch('abc', /b/),
        () => assert.match(42, /4/),
        () => assert.ifError(new Error('callback error')),
        () => assert.throws(() => {}),
        () => assert.throws(() => {}, TypeError, 'needed'),
        () => assert.throws(() => { throw new RangeError('r'); }, /nope/),
        () => assert.throws(() => { throw new Error('wrong'); }, { message: 'right' }),
        () => assert.throws(() => { throw new Error('x'); }, TypeError),
        () => assert.doesNotThrow(() => { throw new Error('oops'); }),
        () => assert.notDeepStrictEqual([1], [1]),
        () => assert.deepStrictEqual(new Date(0), new Date(1)),
        () => assert.deepStrictEqual(Object.create(null), {}),
      ];
      const described = failures.map((fail) => {
        try { fail(); return { threw: false }; } catch (error) {
          return { threw: true, isAssertionError: error instanceof assert.AssertionError, isError: error instanceof Error,
            name: error.name, code: error.code, message: error.message, operator: error.operator,
            generatedMessage: error.generatedMessage, actual: typeof error.actual, expected: typeof error.expected,
            string: String(error) };
        }
      });
      [passing.every((value) => value === undefined), ...described];
    `);
    expect(outcome[0]).toBe(true);
    const failures = plain(outcome.slice(1)) as Record<string, unknown>[];
    for (const failure of failures) {
      expect(failure).toMatchObject({
        threw: true,
        isAssertionError: true,
        isError: true,
        name: 'AssertionError',
        code: 'ERR_ASSERTION',
      });
    }
    const summary = failures.map((failure) => [failure.operator, failure.message, failure.generatedMessage]);
    expect(summary).toEqual([
      ['strictEqual', 'Expected values to be strictly equal:\n\n1 !== 2\n', true],
      ['==', '1 == 2', true],
      ['notStrictEqual', 'Expected "actual" to be strictly unequal to: 1', true],
      [
        'deepStrictEqual',
        'Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ { a: [ 1, 2 ] }\n- { a: [ 1, 3 ] }\n',
        true,
      ],
      [
        'deepEqual',
        'Expected values to be loosely deep-equal:\n\n{ a: 1 }\n\nshould loosely deep-equal\n\n{ a: 2 }',
        true,
      ],
      ['==', 'The expression evaluated to a falsy value:\n\n  assert.ok(0)\n', true],
      ['==', 'No value argument passed to `assert.ok()`', true],
      ['fail', 'Failed', true],
      ['fail', 'custom failure', false],
      ['strictEqual', 'my message', false],
      ['match', "The input did not match the regular expression /z/. Input:\n\n'abc'\n", true],
      ['doesNotMatch', "The input was expected to not match the regular expression /b/. Input:\n\n'abc'\n", true],
      ['match', 'The "string" argument must be of type string. Received type number (42)', true],
      ['ifError', 'ifError got unwanted exception: callback error', false],
      ['throws', 'Missing expected exception.', false],
      ['throws', 'Missing expected exception (TypeError): needed', false],
      ['throws', "The input did not match the regular expression /nope/. Input:\n\n'RangeError: r'\n", true],
      [
        'throws',
        "Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ { message: 'wrong' }\n- { message: 'right' }\n",
        true,
      ],
      [
        'throws',
        'The error is expected to be an instance of "TypeError". Received "Error"\n\nError message:\n\nx',
        true,
      ],
      ['doesNotThrow', 'Got unwanted exception.\nActual message: "oops"', false],
      ['notDeepStrictEqual', 'Expected "actual" not to be strictly deep-equal to: [ 1 ]', true],
      [
        'deepStrictEqual',
        'Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ 1970-01-01T00:00:00.000Z\n- 1970-01-01T00:00:00.001Z\n',
        true,
      ],
      [
        'deepStrictEqual',
        'Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ [Object: null prototype] {}\n- {}\n',
        true,
      ],
    ]);
    expect(failures[0]).toMatchObject({
      actual: 'number',
      expected: 'number',
      string: 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n1 !== 2\n',
    });
  });

  test('deep equality follows Node for the cases that tell strict from loose', () => {
    const realm = createRealm();
    const verdicts = realm.run<boolean[]>(`
      const strictly = (a, b) => { try { assert.deepStrictEqual(a, b); return true; } catch { return false; } };
      const loosely = (a, b) => { try { assert.deepEqual(a, b); return true; } catch { return false; } };
      class A { constructor() { this.x = 1; } }
      const cycleA = { v: 1 }; cycleA.self = cycleA;
      const cycleB = { v: 1 }; cycleB.self = cycleB;
      const errorA = new Error('m'); const errorB = new Error('m');
      [
        strictly(0, -0), loosely(0, -0), strictly(NaN, NaN), loosely(1, '1'), strictly(1, '1'),
        strictly(new A(), { x: 1 }), loosely(new A(), { x: 1 }), strictly(cycleA, cycleB),
        strictly([1, , 3], [1, undefined, 3]), strictly(new Set([{ a: 1 }, 2]), new Set([2, { a: 1 }])),
        strictly(new Map([[{ k: 1 }, 'v']]), new Map([[{ k: 1 }, 'v']])), strictly(new Map([[1, 'a']]), new Map([[1, 'b']])),
        loosely(new Set([1]), new Set(['1'])), strictly(errorA, errorB), strictly(new TypeError('m'), new Error('m')),
        strictly(new Uint8Array([1, 2]), new Uint8Array([1, 2])), strictly(new Uint8Array([1]), new Int8Array([1])),
        strictly(/a/g, /a/g), strictly(/a/g, /a/i), strictly(new Number(1), new Number(1)), strictly(new String('a'), new String('b')),
        strictly({ [Symbol.for('s')]: 1 }, { [Symbol.for('s')]: 1 }), strictly({ [Symbol.for('s')]: 1 }, {}), loosely({ [Symbol.for('s')]: 1 }, {}),
        strictly([1, 2], { 0: 1, 1: 2, length: 2 }), strictly(new Date(5), new Date(5)),
      ];
    `);
    expect(Array.from(verdicts)).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
      true,
      true,
      false,
      true,
      true,
      false,
      true,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
  });

  test('rejects and doesNotReject wait for the promise', async () => {
    const realm = createRealm();
    const outcome = await realm.run<Promise<unknown[]>>(`
      (async () => {
        const settle = async (promise) => { try { await promise; return 'resolved'; } catch (error) { return error.name + ': ' + error.message; } };
        return [
          await settle(assert.rejects(Promise.reject(new TypeError('no')), TypeError)),
          await settle(assert.rejects(async () => 1)),
          await settle(assert.rejects(() => 1)),
          await settle(assert.doesNotReject(Promise.resolve(1))),
          await settle(assert.doesNotReject(async () => { throw new Error('late'); })),
        ];
      })()
    `);
    expect(Array.from(outcome)).toEqual([
      'resolved',
      'AssertionError: Missing expected rejection.',
      'TypeError: Expected instance of Promise to be returned from the "promiseFn" function but got type number.',
      'resolved',
      'AssertionError: Got unwanted rejection.\nActual message: "late"',
    ]);
  });

  test('assert.strict uses the strict comparisons', () => {
    const realm = createRealm();
    expect(
      realm.run(`
        const names = [];
        for (const check of [() => assert.strict.equal(1, '1'), () => assert.strict.deepEqual({ a: 1 }, { a: '1' })]) {
          try { check(); names.push('passed'); } catch (error) { names.push(error.operator); }
        }
        names.join(',') + ':' + (assert.strict.strict === assert.strict);
      `),
    ).toBe('strictEqual,deepStrictEqual:true');
  });
});

describe('TextEncoder and TextDecoder', () => {
  test('encode, encodeInto and decode with streaming, fatal and ignoreBOM', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const encoder = new TextEncoder();
      const bytes = encoder.encode('h\u00e9\u20ac\u{1F600}');
      const target = new Uint8Array(5);
      const partial = encoder.encodeInto('a\u20ac\u{1F600}', target);
      const streaming = new TextDecoder();
      const euro = encoder.encode('\u20ac');
      const pieces = streaming.decode(euro.subarray(0, 1), { stream: true }) + '|' + streaming.decode(euro.subarray(1), { stream: true }) + '|' + streaming.decode();
      const fatal = new TextDecoder('utf-8', { fatal: true });
      let fatalError;
      try { fatal.decode(new Uint8Array([0xff])); } catch (error) { fatalError = [error.name, error.code, error instanceof TypeError]; }
      let labelError;
      try { new TextDecoder('no-such-label'); } catch (error) { labelError = [error.name, error.code, error instanceof RangeError]; }
      const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x41]);
      [
        encoder.encoding, Array.from(bytes), bytes instanceof Uint8Array, bytes.buffer instanceof ArrayBuffer,
        [partial.read, partial.written], Array.from(target), pieces, fatalError, labelError,
        new TextDecoder().decode(bom), new TextDecoder('utf-8', { ignoreBOM: true }).decode(bom).length,
        new TextDecoder('utf-16le').decode(new Uint8Array([0x41, 0, 0x42, 0])), new TextDecoder('latin1').encoding,
        [fatal.fatal, fatal.ignoreBOM, fatal.encoding], new TextDecoder().decode(new Uint16Array([0x6968]).buffer),
        new TextDecoder().decode(new DataView(bytes.buffer, 0, 1)), encoder.encode().length, encoder.encode('\ud800').length,
        Object.prototype.toString.call(encoder) + Object.prototype.toString.call(fatal),
      ];
    `);
    expect(plain(outcome)).toEqual([
      'utf-8',
      [0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80],
      true,
      true,
      [2, 4],
      [0x61, 0xe2, 0x82, 0xac, 0],
      '|\u20ac|',
      ['TypeError', 'ERR_ENCODING_INVALID_ENCODED_DATA', true],
      ['RangeError', 'ERR_ENCODING_NOT_SUPPORTED', true],
      'A',
      2,
      'AB',
      'windows-1252',
      [true, false, 'utf-8'],
      'hi',
      'h',
      0,
      3,
      '[object TextEncoder][object TextDecoder]',
    ]);
  });

  test('a wrong argument or receiver is a sandbox TypeError', () => {
    const realm = createRealm();
    expect(
      plain(
        realm.run(`
          const attempts = [
            () => new TextDecoder().decode('not bytes'),
            () => new TextEncoder().encodeInto('a', []),
            () => TextDecoder.prototype.decode.call({}),
            () => Object.getOwnPropertyDescriptor(TextEncoder.prototype, 'encoding').get.call({}),
            () => new TextDecoder('utf-8', 5),
          ];
          attempts.map((attempt) => { try { attempt(); return 'no error'; } catch (error) { return [error instanceof TypeError, error.code]; } });
        `),
      ),
    ).toEqual([
      [true, 'ERR_INVALID_ARG_TYPE'],
      [true, 'ERR_INVALID_ARG_TYPE'],
      [true, 'ERR_INVALID_THIS'],
      [true, 'ERR_INVALID_THIS'],
      [true, 'ERR_INVALID_ARG_TYPE'],
    ]);
  });
});

describe('URL and URLSearchParams', () => {
  test('parsing, every getter and setter, and the static helpers', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const url = new URL('https://user:pw@example.com:8080/a/b?x=1&y=2#frag');
      const read = (u) => [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
      const before = read(url);
      url.protocol = 'http'; url.username = 'ada'; url.password = 'secret'; url.hostname = 'example.org';
      url.port = 81; url.pathname = '/c d'; url.search = '?q=1'; url.hash = 'top';
      const afterSetters = read(url);
      url.host = 'host.test:9000';
      const afterHost = [url.host, url.port];
      const relative = new URL('../up?z', 'https://base.test/one/two/three');
      const withBaseURL = new URL('/p', new URL('https://b.test/q'));
      url.href = 'https://replaced.test/';
      [
        before, afterSetters, afterHost, relative.href, withBaseURL.href, url.href, String(url), JSON.stringify({ url }),
        URL.canParse('https://ok.test'), URL.canParse('no scheme'), URL.canParse('/rel', 'https://b.test'),
        URL.parse('nope'), URL.parse('/p', 'https://b.test').href, Object.prototype.toString.call(url),
      ];
    `);
    expect(plain(outcome)).toEqual([
      [
        'https://user:pw@example.com:8080/a/b?x=1&y=2#frag',
        'https://example.com:8080',
        'https:',
        'user',
        'pw',
        'example.com:8080',
        'example.com',
        '8080',
        '/a/b',
        '?x=1&y=2',
        '#frag',
      ],
      [
        'http://ada:secret@example.org:81/c%20d?q=1#top',
        'http://example.org:81',
        'http:',
        'ada',
        'secret',
        'example.org:81',
        'example.org',
        '81',
        '/c%20d',
        '?q=1',
        '#top',
      ],
      ['host.test:9000', '9000'],
      'https://base.test/one/up?z',
      'https://b.test/p',
      'https://replaced.test/',
      'https://replaced.test/',
      '{"url":"https://replaced.test/"}',
      true,
      false,
      true,
      null,
      'https://b.test/p',
      '[object URL]',
    ]);
  });

  test('a bad URL or href is a sandbox TypeError with the host code', () => {
    const realm = createRealm();
    expect(
      plain(
        realm.run(`
          const results = [];
          for (const attempt of [() => new URL('not a url'), () => { new URL('https://a.test').href = 'also bad'; }, () => new URL()]) {
            try { attempt(); results.push('no error'); } catch (error) {
              results.push([error instanceof TypeError, error.constructor === TypeError, error.code, error.message]);
            }
          }
          results;
        `),
      ),
    ).toEqual([
      [true, true, 'ERR_INVALID_URL', 'Invalid URL'],
      [true, true, 'ERR_INVALID_URL', 'Invalid URL'],
      [true, true, 'ERR_MISSING_ARGS', 'The "url" argument must be specified'],
    ]);
  });

  test('searchParams is live-linked to its URL, both ways', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const url = new URL('https://a.test/?b=2&a=1');
      const params = url.searchParams;
      params.append('c', '3 4');
      const afterAppend = url.href;
      url.search = '?z=26';
      const afterSearch = [params.get('z'), params.has('b'), params.size];
      params.sort();
      [url.searchParams === params, afterAppend, afterSearch, url.href];
    `);
    expect(plain(outcome)).toEqual([true, 'https://a.test/?b=2&a=1&c=3+4', ['26', false, 1], 'https://a.test/?z=26']);
  });

  test('URLSearchParams: every init form, every method, iteration', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const fromString = new URLSearchParams('?a=1&b=2&a=3');
      const fromPairs = new URLSearchParams([['x', '1'], ['y', '2']]);
      const fromRecord = new URLSearchParams({ r: 'v', n: 5 });
      const fromParams = new URLSearchParams(fromString);
      const iterated = [];
      fromString.forEach(function (value, name, params) { iterated.push(name + '=' + value + ':' + (params === fromString) + ':' + this.tag); }, { tag: 't' });
      const entries = [...fromString];
      const keys = [...fromString.keys()];
      const values = Array.from(fromString.values());
      const all = fromString.getAll('a');
      fromString.delete('a', '1');
      const afterDeleteValue = fromString.toString();
      fromString.set('b', 'B');
      fromString.delete('a');
      let tupleError;
      try { new URLSearchParams([['only one']]); } catch (error) { tupleError = [error instanceof TypeError, error.code]; }
      const iterator = fromPairs.entries();
      [
        fromPairs.toString(), fromRecord.toString(), fromParams.toString(), new URLSearchParams(null).toString(),
        iterated, entries, keys, values, all, Array.isArray(all), afterDeleteValue, fromString.toString(),
        fromPairs.has('x', '1'), fromPairs.has('x', '2'), fromPairs.get('missing'), tupleError,
        Object.prototype.toString.call(iterator), iterator[Symbol.iterator]() === iterator, iterator.next(), iterator.next().value, iterator.next(),
      ];
    `);
    expect(plain(outcome)).toEqual([
      'x=1&y=2',
      'r=v&n=5',
      'a=1&b=2&a=3',
      '',
      ['a=1:true:t', 'b=2:true:t', 'a=3:true:t'],
      [
        ['a', '1'],
        ['b', '2'],
        ['a', '3'],
      ],
      ['a', 'b', 'a'],
      ['1', '2', '3'],
      ['1', '3'],
      true,
      'b=2&a=3',
      'b=B',
      true,
      false,
      null,
      [true, 'ERR_INVALID_TUPLE'],
      '[object URLSearchParams Iterator]',
      true,
      { value: ['x', '1'], done: false },
      ['y', '2'],
      { done: true },
    ]);
  });

  test('console.log shows a URL and its params as Node does', () => {
    const realm = createRealm();
    realm.run(
      "console.log(new URLSearchParams('a=1&b=2')); console.log(new URL('https://a.test/p?q=1')); console.log(URL.prototype, URLSearchParams.prototype);",
    );
    expect(realm.logs[0]).toEqual(['log', "URLSearchParams { 'a' => '1', 'b' => '2' }"]);
    expect(realm.logs[1]![1]).toBe(
      [
        'URL {',
        "  href: 'https://a.test/p?q=1',",
        "  origin: 'https://a.test',",
        "  protocol: 'https:',",
        "  username: '',",
        "  password: '',",
        "  host: 'a.test',",
        "  hostname: 'a.test',",
        "  port: '',",
        "  pathname: '/p',",
        "  search: '?q=1',",
        "  searchParams: URLSearchParams { 'q' => '1' },",
        "  hash: ''",
        '}',
      ].join('\n'),
    );
    expect(realm.logs[2]).toEqual(['log', 'URL {} URLSearchParams {}']);
  });
});

describe('AbortController and AbortSignal', () => {
  test('abort: reason, listeners in order with onabort at its place, once, removal, throwIfAborted', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const controller = new AbortController();
      const signal = controller.signal;
      const order = [];
      const removed = () => order.push('removed');
      signal.addEventListener('abort', (event) => order.push('first:' + event.type + ':' + (event.target === signal)));
      signal.onabort = () => order.push('handler(replaced)');
      signal.addEventListener('abort', { handleEvent(event) { order.push('object:' + (event.currentTarget === signal)); } });
      signal.addEventListener('abort', () => order.push('once'), { once: true });
      signal.addEventListener('abort', removed);
      signal.addEventListener('abort', removed);
      signal.removeEventListener('abort', removed);
      signal.onabort = function () { order.push('handler:' + (this === signal)); };
      const listenerLifetime = new AbortController();
      signal.addEventListener('abort', () => order.push('removed with its signal'), { signal: listenerLifetime.signal });
      listenerLifetime.abort();
      signal.addEventListener('abort', () => order.push('never added'), { signal: listenerLifetime.signal });
      const before = [signal.aborted, signal.reason];
      controller.abort();
      controller.abort('second abort is ignored');
      let thrown;
      try { signal.throwIfAborted(); } catch (error) { thrown = error; }
      const custom = new AbortController();
      custom.abort({ why: 'custom' });
      [before, signal.aborted, signal.reason.name, signal.reason.message, signal.reason instanceof Error, thrown === signal.reason, order, custom.signal.reason.why];
    `);
    expect(plain(outcome)).toEqual([
      [false, null],
      true,
      'AbortError',
      'This operation was aborted',
      true,
      true,
      ['first:abort:true', 'handler:true', 'object:true', 'once'],
      'custom',
    ]);
  });

  test('AbortSignal.abort, AbortSignal.any (flattened, already aborted), and no timeout', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const first = new AbortController();
      const second = new AbortController();
      const any = AbortSignal.any([first.signal, second.signal]);
      const nested = AbortSignal.any([any]);
      const order = [];
      first.signal.onabort = () => order.push('first:' + any.aborted + ':' + nested.aborted);
      any.onabort = () => order.push('any');
      nested.onabort = () => order.push('nested');
      second.abort('reason two');
      first.abort('reason one');
      const already = AbortSignal.any([AbortSignal.abort('early'), new AbortController().signal]);
      let timeoutError;
      try { AbortSignal.timeout(10); } catch (error) { timeoutError = error.message; }
      let illegal;
      try { new AbortSignal(); } catch (error) { illegal = error instanceof TypeError; }
      let notSignal;
      try { AbortSignal.any([{}]); } catch (error) { notSignal = error.code; }
      [any.reason, nested.reason, order, already.aborted, already.reason, AbortSignal.abort().reason.name, timeoutError, illegal, notSignal,
       Object.prototype.toString.call(any), Object.prototype.toString.call(first)];
    `);
    expect(plain(outcome)).toEqual([
      'reason two',
      'reason two',
      ['any', 'nested', 'first:true:true'],
      true,
      'early',
      'AbortError',
      'AbortSignal.timeout() is not available in workflow code: it would depend on real time and make the workflow nondeterministic. Use CancellationScope.withTimeout() or sleep() from @temporalio/workflow.',
      true,
      'ERR_INVALID_ARG_TYPE',
      '[object AbortSignal]',
      '[object AbortController]',
    ]);
  });

  test('a listener that throws does not stop the others; abort() then rethrows its error', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const controller = new AbortController();
      const dependent = AbortSignal.any([controller.signal]);
      const order = [];
      const failure = new Error('listener failed');
      controller.signal.addEventListener('abort', () => { throw failure; });
      controller.signal.addEventListener('abort', () => order.push('second ran'));
      dependent.addEventListener('abort', () => order.push('dependent ran'));
      let caught;
      try { controller.abort(); } catch (error) { caught = error; }
      [caught === failure, order, controller.signal.aborted, dependent.aborted];
    `);
    expect(plain(outcome)).toEqual([true, ['second ran', 'dependent ran'], true, true]);
  });
});

describe('AsyncLocalStorage', () => {
  test('run, getStore across awaits, nesting, exit, disable, name; callback results and errors keep their identity', async () => {
    const realm = createRealm();
    const outcome = await realm.run<Promise<unknown[]>>(`
      (async () => {
        const storage = new AsyncLocalStorage('cancellation scope');
        const store = { id: 'outer' };
        const seen = [];
        const returned = storage.run(store, async (extra) => {
          seen.push(storage.getStore() === store, extra);
          await null;
          seen.push(storage.getStore() === store);
          await new Promise((resolve) => resolve());
          await storage.run({ id: 'inner' }, async () => { await null; seen.push(storage.getStore().id); });
          seen.push(storage.getStore().id);
          seen.push(storage.exit(() => storage.getStore()));
          return 'done';
        }, 'extra argument');
        seen.push(storage.getStore());
        const result = await returned;
        const error = new Error('thrown inside');
        let caught;
        try { storage.run(store, () => { throw error; }); } catch (e) { caught = e; }
        const value = { same: true };
        const identity = storage.run(store, () => value) === value;
        storage.run(store, () => { storage.disable(); seen.push(storage.getStore()); });
        return [seen, result, caught === error, identity, storage.name, new AsyncLocalStorage().name, returned instanceof Promise];
      })()
    `);
    expect(plain(outcome)).toEqual([
      [true, 'extra argument', null, true, 'inner', 'outer', null, null],
      'done',
      true,
      true,
      'cancellation scope',
      'anonymous',
      true,
    ]);
  });

  test('instances are registered for disposal: on the run activator, else globally', () => {
    const realm = createRealm();
    const outcome = realm.run<unknown[]>(`
      const beforeRun = new AsyncLocalStorage();
      const globalDestructors = globalThis.__temporal_globalSandboxDestructors;
      globalThis.__TEMPORAL_ACTIVATOR__ = { workflowSandboxDestructors: [] };
      const inRun = new AsyncLocalStorage();
      const runDestructors = globalThis.__TEMPORAL_ACTIVATOR__.workflowSandboxDestructors;
      const seenInside = [];
      inRun.run('store', () => {
        seenInside.push(inRun.getStore());
        for (const destructor of runDestructors) destructor();
        seenInside.push(inRun.getStore());
      });
      beforeRun.run('kept', () => {
        seenInside.push(beforeRun.getStore());
        for (const destructor of globalDestructors) destructor();
        seenInside.push(beforeRun.getStore());
      });
      [globalDestructors.length, runDestructors.length, seenInside];
    `);
    expect(plain(outcome)).toEqual([1, 1, ['store', null, 'kept', null]]);
  });

  test('what @temporalio/workflow needs: cancellation scopes resolve through the storage across awaits', async () => {
    const realm = createRealm();
    const outcome = await realm.run<Promise<string[]>>(`
      (async () => {
        const scopes = new AsyncLocalStorage('cancellation scope');
        const current = () => scopes.getStore() ?? 'root';
        const seen = [current()];
        await scopes.run('child', async () => {
          seen.push(current());
          await Promise.all([1, 2].map(async (n) => { await null; seen.push(current() + n); }));
        });
        seen.push(current());
        return seen;
      })()
    `);
    expect(Array.from(outcome)).toEqual(['root', 'child', 'child1', 'child2', 'root']);
  });
});

// ── The escape corpus ─────────────────────────────────────────────────────────────────────────

/**
 * Everything the sealed globals hand out, made by workflow-like code: the globals, instances,
 * what their methods return, the errors they throw, iterators, events, promises and what those
 * promises settle to.
 */
const CORPUS_SOURCE = `
  (async () => {
    const values = [];
    const add = (label, value) => { values.push([label, value]); };
    const thrown = (label, fn) => { try { fn(); add(label + ' (did not throw)', undefined); } catch (error) { add(label, error); } };
    const settled = async (label, promise) => { add(label + ' promise', promise); try { add(label + ' value', await promise); } catch (error) { add(label + ' rejection', error); } };

    for (const name of ['console', 'assert', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal', 'AsyncLocalStorage']) {
      add(name, globalThis[name]);
    }
    add('console.log result', console.log('%o', { nested: [1] }));
    add('assert result', assert.ok(true));
    thrown('assert.strictEqual error', () => assert.strictEqual(1, 2));
    thrown('assert.deepStrictEqual error', () => assert.deepStrictEqual({ a: 1 }, { a: 2 }));
    thrown('assert.throws (no throw) error', () => assert.throws(() => {}));
    thrown('assert.throws (bad fn) error', () => assert.throws('not a function'));
    thrown('assert.match error', () => assert.match('abc', /z/));
    thrown('assert.ifError error', () => assert.ifError(new Error('x')));
    thrown('assert missing args error', () => assert.equal(1));
    thrown('AssertionError bad options', () => new assert.AssertionError(5));
    add('AssertionError instance', new assert.AssertionError({ actual: 1, expected: 2, operator: 'strictEqual' }));
    await settled('assert.rejects', assert.rejects(Promise.resolve(1)));
    await settled('assert.doesNotReject', assert.doesNotReject(Promise.resolve(1)));

    const encoder = new TextEncoder();
    const encoded = encoder.encode('hé');
    add('TextEncoder instance', encoder);
    add('encode result', encoded);
    add('encode result buffer', encoded.buffer);
    add('encodeInto result', encoder.encodeInto('x', new Uint8Array(4)));
    const decoder = new TextDecoder('utf-8', { fatal: true });
    add('TextDecoder instance', decoder);
    add('decode result', decoder.decode(encoded));
    thrown('fatal decode error', () => decoder.decode(new Uint8Array([0xff])));
    thrown('unknown label error', () => new TextDecoder('nope'));
    thrown('decode bad input error', () => decoder.decode(5));
    thrown('decode bad receiver error', () => TextDecoder.prototype.decode.call({}));

    const url = new URL('https://u:p@a.test:81/p?x=1&y=2#h');
    add('URL instance', url);
    add('URL searchParams', url.searchParams);
    add('URL toJSON', url.toJSON());
    add('URL.parse result', URL.parse('https://b.test'));
    add('URL.parse null', URL.parse('bad'));
    thrown('bad URL error', () => new URL('bad'));
    thrown('bad href error', () => { url.href = 'bad'; });
    thrown('URL getter receiver error', () => Object.getOwnPropertyDescriptor(URL.prototype, 'href').get.call({}));
    const params = new URLSearchParams([['k', 'v'], ['k', 'w']]);
    add('URLSearchParams instance', params);
    add('getAll result', params.getAll('k'));
    for (const kind of ['entries', 'keys', 'values']) {
      const iterator = params[kind]();
      add(kind + ' iterator', iterator);
      add(kind + ' step', iterator.next());
      add(kind + ' done step', (iterator.next(), iterator.next()));
    }
    add('Symbol.iterator iterator', params[Symbol.iterator]());
    add('spread entries', [...params]);
    params.forEach((value, name, self) => add('forEach arguments', [value, name, self]));
    thrown('bad tuple error', () => new URLSearchParams([['a']]));
    thrown('missing args error', () => params.append('a'));

    const controller = new AbortController();
    add('AbortController instance', controller);
    add('AbortSignal instance', controller.signal);
    controller.signal.addEventListener('abort', (event) => { add('abort event', event); add('composedPath', event.composedPath()); });
    const any = AbortSignal.any([controller.signal]);
    add('AbortSignal.any result', any);
    controller.abort();
    add('default abort reason', controller.signal.reason);
    add('AbortSignal.abort result', AbortSignal.abort());
    thrown('throwIfAborted error', () => controller.signal.throwIfAborted());
    thrown('AbortSignal.timeout error', () => AbortSignal.timeout(1));
    thrown('AbortSignal constructor error', () => new AbortSignal());
    thrown('AbortSignal.any bad input error', () => AbortSignal.any(5));

    const storage = new AsyncLocalStorage('corpus');
    add('AsyncLocalStorage instance', storage);
    const store = { store: true };
    add('run result', storage.run(store, () => ({ result: true })));
    add('run store', storage.run(store, () => storage.getStore()));
    await settled('async run', storage.run(store, async () => { await null; return storage.getStore(); }));
    add('exit result', storage.exit(() => [storage.getStore()]));
    thrown('run bad callback error', () => storage.run(store, 'not a function'));
    thrown('getStore bad receiver error', () => AsyncLocalStorage.prototype.getStore.call({}));
    return values;
  })()
`;

/** Every object and function reachable from `roots` through prototypes and own properties (getters not called). */
function reachable(roots: unknown[], stopAt: Set<unknown>): Set<object> {
  const found = new Set<object>();
  const queue: unknown[] = [...roots];
  while (queue.length > 0) {
    const value = queue.pop();
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
    if (found.has(value) || stopAt.has(value)) continue;
    found.add(value);
    queue.push(Reflect.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key)!;
      queue.push(descriptor.value, descriptor.get, descriptor.set);
    }
  }
  return found;
}

/** The host realm's intrinsics that a leak would expose. */
function hostIntrinsics(): Set<unknown> {
  const intrinsics = new Set<unknown>([globalThis, Object.prototype, Function.prototype, Function, Object]);
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    const value = (globalThis as Record<string, unknown>)[name];
    if (typeof value === 'function') {
      intrinsics.add(value);
      if (typeof value.prototype === 'object' && value.prototype !== null) intrinsics.add(value.prototype);
    }
  }
  return intrinsics;
}

describe('the escape corpus', () => {
  test('nothing reachable from the globals and what they hand out belongs to the worker realm', async () => {
    const realm = createRealm();
    const corpus = await realm.run<Promise<[string, unknown][]>>(CORPUS_SOURCE);
    const sandboxGlobal = realm.global;
    const sandboxObjectPrototype = realm.run('Object.prototype');
    // The sandbox's own intrinsics are fine to reach; walking them all adds nothing.
    const found = reachable(
      corpus.map(([, value]) => value),
      new Set([sandboxGlobal]),
    );
    const hostObjects = hostIntrinsics();
    const leaks: string[] = [];
    for (const value of found) {
      if (hostObjects.has(value))
        leaks.push(`a host intrinsic: ${String((value as { name?: unknown }).name ?? value)}`);
      // Every chain ends at the sandbox's Object.prototype (or is a sandbox null-prototype object).
      let end: object = value;
      for (let next = Reflect.getPrototypeOf(end); next !== null; next = Reflect.getPrototypeOf(end)) end = next;
      if (end !== sandboxObjectPrototype && Reflect.getPrototypeOf(value) !== null) {
        leaks.push(
          `an object whose prototype chain ends outside the sandbox: ${Object.prototype.toString.call(value)}`,
        );
      }
      if (end === Object.prototype) leaks.push('an object of the worker realm');
    }
    expect(leaks).toEqual([]);
    // The walk really went through the corpus: hundreds of objects, including the sandbox's own intrinsics.
    expect(corpus.length).toBeGreaterThan(75);
    expect(found.has(realm.run('Function.prototype'))).toBe(true);
    expect(found.has(realm.run('Error.prototype'))).toBe(true);
    expect(corpus.filter(([label]) => label.includes('did not throw'))).toEqual([]);
  });

  test('constructor.constructor and prototype walks from every corpus value answer the sandbox realm', async () => {
    const realm = createRealm();
    const report = await realm.run<Promise<{ routes: number; escapes: string[] }>>(`
      (async () => {
        const corpus = await ${CORPUS_SOURCE};
        const escapes = [];
        let routes = 0;
        const sandboxGlobal = globalThis;
        const check = async (label, reach) => {
          routes++;
          let reached;
          try {
            reached = reach();
            // An async or generator function's constructor makes async or generator functions.
            if (reached && typeof reached.then === 'function') reached = await reached;
            else if (reached && typeof reached.next === 'function') reached = reached.next().value;
          } catch (error) {
            // A route that throws must throw a sandbox error.
            if (!(error instanceof Error) || error.constructor.constructor('return globalThis')() !== sandboxGlobal) escapes.push(label + ' threw a foreign error');
            return;
          }
          if (reached !== sandboxGlobal) escapes.push(label);
        };
        const getters = (object) => {
          const list = [];
          for (let o = object; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
            for (const key of Reflect.ownKeys(o)) {
              const descriptor = Object.getOwnPropertyDescriptor(o, key);
              if (descriptor.get) list.push([key, descriptor.get]);
              if (typeof descriptor.value === 'function' && key !== 'constructor') list.push([key, descriptor.value]);
            }
          }
          return list;
        };
        for (const [label, value] of corpus) {
          if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
          await check(label + '.constructor.constructor', () => value.constructor.constructor('return globalThis')());
          await check(label + ' prototype walk', () => {
            let o = value;
            while (Object.getPrototypeOf(o) !== null) o = Object.getPrototypeOf(o);
            return o.constructor.constructor('return globalThis')();
          });
          for (const [key, fn] of getters(value)) {
            await check(label + '.' + String(key) + '.constructor', () => fn.constructor('return globalThis')());
            // What a getter gives for this value, or a method called without arguments.
            let result;
            try { result = fn.call(value); } catch (error) { result = error; }
            if (result && typeof result.then === 'function') { try { result = await result; } catch (error) { result = error; } }
            if ((typeof result === 'object' || typeof result === 'function') && result !== null) {
              await check(label + '.' + String(key) + '() result', () => result.constructor.constructor('return globalThis')());
              await check(label + '.' + String(key) + '() result prototype', () => Object.getPrototypeOf(Object.getPrototypeOf(result) ?? {}).constructor.constructor('return globalThis')());
            }
          }
        }
        return { routes, escapes };
      })()
    `);
    expect(Array.from(report.escapes)).toEqual([]);
    expect(report.routes).toBeGreaterThan(1000);
  });

  test('writing through any global prototype chain changes nothing in the worker realm', () => {
    const realm = createRealm();
    realm.run(`
      for (const name of ['console', 'assert', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal', 'AsyncLocalStorage']) {
        let o = globalThis[name];
        while (Object.getPrototypeOf(o) !== null) o = Object.getPrototypeOf(o);
        o['pollutedThrough' + name] = 'yes';
        globalThis[name].constructor.prototype['functionPollutedThrough' + name] = 'yes';
      }
      Object.getPrototypeOf(URL.prototype).x = 'yes';
      Object.getPrototypeOf(new URL('https://a.test').searchParams.entries()).next = () => 'replaced';
      try { new URL('bad'); } catch (error) { Object.getPrototypeOf(error).polluted = 'yes'; }
    `);
    const hostObject = {} as Record<string, unknown>;
    const hostFunction = (() => {}) as unknown as Record<string, unknown>;
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(hostObject.x).toBeUndefined();
    expect(hostObject.pollutedThroughURL).toBeUndefined();
    expect(hostFunction.functionPollutedThroughURL).toBeUndefined();
    expect((TypeError.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect([...new URLSearchParams('a=1').entries()]).toEqual([['a', '1']]);
    // The sandbox did get the writes (so the test exercised them).
    expect(realm.run('({}).x + ({}).pollutedThroughURL + (function () {}).functionPollutedThroughURL')).toBe(
      'yesyesyes',
    );
  });
});

describe('workflow code that replaces built-ins', () => {
  test('the globals keep working after push, call/apply/bind, Reflect.apply and Object.prototype accessors change', async () => {
    const realm = createRealm();
    const outcome = await realm.run<Promise<unknown[]>>(`
      (async () => {
        const OriginalError = Error;
        const broken = (name) => function () { throw new OriginalError(name + ' was called by the runtime'); };
        const originalDefineProperty = Object.defineProperty;
        // Values built before the built-ins they are made with go.
        const logged = { nested: { list: [1, 2], map: new Map([['k', 'v']]) } };
        const loggedSet = new Set([1]);
        const signals = new Set();
        const invalidUtf8 = new Uint8Array([0xff]);
        Array.prototype.push = broken('Array.prototype.push');
        Array.prototype.join = broken('Array.prototype.join');
        Array.prototype.map = broken('Array.prototype.map');
        Array.prototype.forEach = broken('Array.prototype.forEach');
        String.prototype.slice = broken('String.prototype.slice');
        String.prototype.indexOf = broken('String.prototype.indexOf');
        String.prototype.charCodeAt = broken('String.prototype.charCodeAt');
        Map.prototype.get = broken('Map.prototype.get');
        Map.prototype.set = broken('Map.prototype.set');
        WeakMap.prototype.get = broken('WeakMap.prototype.get');
        WeakSet.prototype.has = broken('WeakSet.prototype.has');
        Object.prototype.toString = broken('Object.prototype.toString');
        Object.prototype.hasOwnProperty = broken('Object.prototype.hasOwnProperty');
        JSON.stringify = broken('JSON.stringify');
        Reflect.apply = broken('Reflect.apply');
        Reflect.defineProperty = broken('Reflect.defineProperty');
        Object.defineProperty = broken('Object.defineProperty');
        for (const key of ['get', 'set', 'value', 'writable', 'enumerable', 'configurable', 'done', 'next', 'entries', 'depth',
          'store', 'once', 'removed', 'callback', 'message', 'code', 'name', 'actual', 'expected', 'operator', 'stackStartFn', 'cause']) {
          originalDefineProperty(Object.prototype, key, { __proto__: null, get: broken('Object.prototype.' + key + ' getter'), set: broken('Object.prototype.' + key + ' setter'), configurable: true });
        }
        for (const index of ['0', '1', '2']) {
          originalDefineProperty(Array.prototype, index, { __proto__: null, get: broken('Array.prototype[' + index + '] getter'), set: broken('Array.prototype[' + index + '] setter'), configurable: true });
        }
        Object.getPrototypeOf([][Symbol.iterator]()).next = broken('%ArrayIteratorPrototype%.next');
        Array.prototype[Symbol.iterator] = broken('Array.prototype[Symbol.iterator]');
        globalThis.String = broken('String');
        globalThis.Error = broken('Error');
        Function.prototype.apply = broken('Function.prototype.apply');
        Function.prototype.bind = broken('Function.prototype.bind');
        Function.prototype.call = broken('Function.prototype.call');

        const results = [];
        let count = 0;
        const record = (value) => { originalDefineProperty(results, count++, { __proto__: null, value, enumerable: true, writable: true, configurable: true }); };
        const attempt = (fn) => { try { return fn(); } catch (error) { return 'threw: ' + error.message; } };

        console.log('%s %d %j %o', 'text', 42, null, logged, loggedSet);
        record(attempt(() => { assert.deepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }); return 'deep equal'; }));
        record(attempt(() => { assert.strictEqual(1, 2); return 'no error'; }));
        record(attempt(() => { assert.throws(() => { throw new TypeError('t'); }, { message: 't' }); return 'throws'; }));
        const bytes = new TextEncoder().encode('hé');
        record(new TextDecoder().decode(bytes) + ':' + bytes.length);
        record(attempt(() => new TextDecoder('utf-8', { fatal: true }).decode(invalidUtf8)));
        const url = new URL('https://a.test/p?x=1');
        url.searchParams.append('y', '2');
        const iterator = url.searchParams.entries();
        const step = iterator.next();
        record(url.href + ' ' + step.value[0] + '=' + step.value[1] + ' ' + url.searchParams.getAll('y').length);
        record(attempt(() => new URL('bad')));
        const controller = new AbortController();
        let heard = 'not heard';
        controller.signal.addEventListener('abort', () => { heard = 'heard'; }, { once: true });
        signals.add(controller.signal);
        const any = AbortSignal.any(signals);
        controller.abort('why');
        record(heard + ':' + any.reason);
        const storage = new AsyncLocalStorage('after overrides');
        record(await storage.run('store', async () => { await null; return storage.getStore(); }));
        return results;
      })()
    `);
    expect(plain(outcome)).toEqual([
      'deep equal',
      'threw: Expected values to be strictly equal:\n\n1 !== 2\n',
      'throws',
      'hé:3',
      'threw: The encoded data was not valid for encoding utf-8',
      'https://a.test/p?x=1&y=2 x=1 1',
      'threw: Invalid URL',
      'heard:why',
      'store',
    ]);
    expect(realm.logs).toEqual([
      ['log', "text 42 null { nested: { list: [ 1, 2 ], map: Map(1) { 'k' => 'v' } } } Set(1) { 1 }"],
    ]);
  });
});
