/**
 * The globals workflow code sees besides ECMAScript's own, all made in the sandbox's realm:
 * `console`, `assert`, `TextEncoder`/`TextDecoder`, `URL`/`URLSearchParams`,
 * `AbortController`/`AbortSignal` and `AsyncLocalStorage`. The few host functions they need
 * (`SandboxHostCapabilities`) stay in closures and private fields; whatever those return is
 * copied into sandbox values and whatever they throw is rethrown as a sandbox error of the same
 * kind, so no host-realm function, object, prototype or error reaches workflow code, through
 * properties, prototype chains, `constructor`, return values, thrown errors, iterators or promises.
 *
 * The modules in `globals/` capture the built-ins they use when the runtime is evaluated
 * (`primordials.ts`), so that workflow code that later replaces `Array.prototype.push`,
 * `Function.prototype.call` or `Reflect.apply`, or defines accessors on `Object.prototype`,
 * cannot change what these globals do.
 *
 * This module runs inside the sandbox (a bare JavaScriptCore realm: ECMAScript built-ins only).
 * It imports nothing but types from outside this folder, and uses no Node or Bun API.
 */
import type { SandboxHostCapabilities } from './host-capabilities';
import { createAbortClasses } from './globals/abort';
import { createAssert } from './globals/assert';
import { createAsyncLocalStorageClass } from './globals/async-local-storage';
import { createConsole } from './globals/console';
import { ReflectDefineProperty } from './primordials';
import { createTextCoding } from './globals/text-coding';
import { createURLClasses } from './globals/url';

/**
 * Defines the sealed globals on `global` (the sandbox's `globalThis`). Call it once per realm,
 * inside that realm, before any workflow code runs.
 *
 * - `assert`, `URL`, `URLSearchParams`, `TextEncoder`, `TextDecoder`, `AbortController`,
 *   `AbortSignal`, `AsyncLocalStorage`: enumerable, non-writable, non-configurable.
 * - `console`: non-enumerable, writable and configurable (as in Node, code may replace it). Its
 *   methods hand `host.log` a finished string; whether it is written is `host.log`'s decision.
 *
 * `host` is read once, here: later changes to it are not seen.
 */
export function installSealedGlobals(global: typeof globalThis, host: SandboxHostCapabilities): void {
  const textCoding = createTextCoding(host);
  const urlClasses = createURLClasses(host);
  const abortClasses = createAbortClasses();
  const sealed: readonly (readonly [string, unknown])[] = [
    ['assert', createAssert()],
    ['URL', urlClasses.URL],
    ['URLSearchParams', urlClasses.URLSearchParams],
    ['TextEncoder', textCoding.TextEncoder],
    ['TextDecoder', textCoding.TextDecoder],
    ['AbortController', abortClasses.AbortController],
    ['AbortSignal', abortClasses.AbortSignal],
    ['AsyncLocalStorage', createAsyncLocalStorageClass(global, host)],
  ];
  for (let index = 0; index < sealed.length; index++) {
    const entry = sealed[index]!;
    defineGlobal(global, entry[0], {
      __proto__: null,
      value: entry[1],
      writable: false,
      enumerable: true,
      configurable: false,
    } as PropertyDescriptor);
  }
  defineGlobal(global, 'console', {
    __proto__: null,
    value: createConsole(host),
    writable: true,
    enumerable: false,
    configurable: true,
  } as PropertyDescriptor);
}

function defineGlobal(global: typeof globalThis, name: string, descriptor: PropertyDescriptor): void {
  if (!ReflectDefineProperty(global, name, descriptor)) {
    throw new TypeError(`the sandbox global ${name} is already defined and cannot be replaced`);
  }
}
