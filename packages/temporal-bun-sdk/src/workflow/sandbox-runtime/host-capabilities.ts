/**
 * What the worker hands a workflow sandbox: the only host-realm functions the sandbox runtime ever
 * holds. The runtime (the modules of this folder, bundled into the workflow bundle and evaluated
 * inside the sandbox's realm) reads them once, before any workflow code runs, and keeps them in
 * closures that workflow code cannot reach. Everything it gives workflow code is made in the
 * sandbox's realm: values coming back from these functions are copied (strings and numbers pass
 * as they are), and errors they throw are rethrown as sandbox errors. So no host-realm function,
 * constructor or prototype is ever visible from workflow code.
 *
 * This module holds types only: the host side (`vm-shared.ts`) implements them.
 */

export type SandboxConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';

/** An original source position, as `SourceMapLookup.originalPositionFor` answers. */
export interface HostSourcePosition {
  source: string;
  line: number;
  column: number;
  name?: string | undefined;
}

/** A host `TextDecoder`, reached only through the sandbox's own `TextDecoder` class. */
export interface HostTextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input: ArrayBuffer | ArrayBufferView | undefined, options: { stream: boolean }): string;
}

/** A host `URLSearchParams`, reached only through the sandbox's own class. */
export interface HostURLSearchParams {
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  toString(): string;
  /** Every [name, value] pair, in order. */
  entries(): IterableIterator<[string, string]>;
}

/** A host `URL`, reached only through the sandbox's own class. */
export interface HostURL {
  href: string;
  readonly origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
  readonly searchParams: HostURLSearchParams;
  toString(): string;
}

/** A host `AsyncLocalStorage` (Bun propagates it through the sandbox's promises). */
export interface HostAsyncLocalStorage {
  run<R>(store: unknown, callback: (...args: unknown[]) => R, ...args: unknown[]): R;
  exit<R>(callback: (...args: unknown[]) => R, ...args: unknown[]): R;
  getStore(): unknown;
  disable(): void;
}

export interface SandboxHostCapabilities {
  /** A `console.*` call, already formatted inside the sandbox. */
  log(level: SandboxConsoleLevel, message: string): void;
  /** The original position of a position in one of the bundle's scripts (1-based), if mapped. */
  mapPosition(file: string, line: number, column: number): HostSourcePosition | undefined;
  /** UTF-8 bytes of a string. */
  textEncode(input: string): Uint8Array;
  /** Throws RangeError for an unknown label. */
  newTextDecoder(label: string, options: { fatal: boolean; ignoreBOM: boolean }): HostTextDecoder;
  /** Throws TypeError for an invalid URL. */
  newURL(url: string, base: string | undefined): HostURL;
  newURLSearchParams(init: string | [string, string][]): HostURLSearchParams;
  newAsyncLocalStorage(): HostAsyncLocalStorage;
}

/** What the runtime alone uses, beside the capabilities it gives the sealed globals. */
export interface SandboxHost extends SandboxHostCapabilities {
  /**
   * Keeps these runtime functions out of JavaScriptCore's top tier (the FTL; `noFTL` of `bun:jsc`).
   * The membrane's recursive copies see values of every shape, so the FTL's code is barely faster
   * than the DFG's, but compiling it took 10 to 45 ms of JIT-thread CPU per function, and again
   * after deoptimizations: about a tenth of a worker's CPU over its first few hundred runs, and no
   * difference once warm (`bench/README.md`, JIT). The host reads the array by index (no sandbox
   * code runs) and returns nothing.
   */
  keepFromTopTier(functions: readonly ((...args: never[]) => unknown)[]): void;
}

/** The global through which the host passes the capabilities; the runtime deletes it at once. */
export const HOST_CAPABILITIES_GLOBAL = '__temporal_sandbox_host';
