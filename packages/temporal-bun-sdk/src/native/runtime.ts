/**
 * The bridge runtime (one tokio runtime inside sdk-core) and its completion queue.
 *
 * Asynchronous bridge calls return at once and complete later: Rust threads push entries into the
 * runtime's queue and, when it goes from empty to non-empty, write one byte to a Unix socket this
 * process listens on. The socket's `data` event runs on Bun's event loop, which then drains the
 * queue and settles the matching promises. Nothing ever blocks the JS thread on I/O.
 */
import { ptr, type Pointer } from 'bun:ffi';
import type { Socket, UnixSocketListener } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUNTIME_THREADS } from '../common/defaults';
import { copyOwnedBytes, decodeUtf8, encodeJson, freeOwnedBytes, inputBytes, takeOwnedJson } from './buffers';
import { NativeError, checkStatus, takeLastError } from './errors';
import { loadBridgeLibrary, nativeSymbols } from './symbols';

/** A log record emitted by sdk-core (and the bridge) through the completion queue. */
export interface NativeLogRecord {
  /** `"TRACE"`, `"DEBUG"`, `"INFO"`, `"WARN"` or `"ERROR"`. */
  level: string;
  /** The Rust module that logged, e.g. `"temporalio_sdk_core::worker"`. */
  target: string;
  message: string;
  fields: Record<string, unknown>;
  spanContexts: unknown[];
  timestampMs: number;
}

export interface NativeRuntimeOptions {
  /**
   * Which Rust log records to forward, as a tracing `EnvFilter` string.
   * Default (bridge's): sdk-core, its client and the bridge at WARN, other crates at ERROR.
   */
  logFilter?: string;
  /** Interval of sdk-core's worker heartbeats to the server; `null` disables them. Default 60000. */
  workerHeartbeatIntervalMs?: number | null;
  /** Tokio worker threads of sdk-core's runtime, 1 to `MAX_RUNTIME_THREADS`. Default `DEFAULT_RUNTIME_THREADS` (1). */
  runtimeThreads?: number;
  /** The metrics exporter: every key filled in (the defaults live in `connection/telemetry.ts`). */
  metrics?: NativeMetricsOptions;
  /** Receives forwarded log records. Without it, records are dropped (after being freed). */
  onLog?: (record: NativeLogRecord) => void;
}

/** The bridge's `metrics` runtime option: exactly one of `prometheus` and `otel`. */
export interface NativeMetricsOptions {
  prometheus: {
    bindAddress: string;
    countersTotalSuffix: boolean;
    unitSuffix: boolean;
    useSecondsForDurations: boolean;
    histogramBucketOverrides: Record<string, number[]>;
  } | null;
  otel: {
    url: string;
    http: boolean;
    headers: Record<string, string>;
    metricsExportIntervalMs: number;
    useSecondsForDurations: boolean;
    temporality: 'cumulative' | 'delta';
    histogramBucketOverrides: Record<string, number[]>;
  } | null;
  metricPrefix: string;
  globalTags: Record<string, string>;
  attachServiceName: boolean;
}

/** What `tbs_runtime_describe` answers. */
export interface NativeRuntimeDescription {
  /** The address the Prometheus endpoint is bound to (its port chosen when 0 was given), or null. */
  prometheusAddress: string | null;
}

/** The value an accepted asynchronous call completed with: nothing, bytes or a handle. */
export type CompletionValue = undefined | Uint8Array | number;

interface PendingCall {
  readonly call: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  decode(value: CompletionValue): unknown;
  /** Streams only: receives each *ok, bytes* entry; the stream stays pending until its error entry. */
  item?(bytes: Uint8Array): void;
}

/** Receives a stream's entries (see {@link NativeRuntime.stream}). */
export interface StreamSink {
  /** One item, in order. Must not throw (a throw is logged and the stream goes on). */
  item(bytes: Uint8Array): void;
  /** The stream's last entry: why it ended (`SHUT_DOWN` for a worker that is shutting down). */
  end(error: Error): void;
}

const ENTRY_WIDTH = 4;
/** Entries moved per `tbs_runtime_drain` call. */
const DRAIN_CAPACITY = 256;
const WAKE_SOCKET_CONNECT_TIMEOUT_MS = 10_000;

/** Completion entry kinds (`[1]` of an entry). */
const EntryKind = {
  OkEmpty: 0,
  OkBytes: 1,
  OkHandle: 2,
  Error: 3,
  LogRecord: 4,
} as const;

/** Decoder for calls that complete with *ok, bytes*. */
export function expectBytes(value: CompletionValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new NativeError('ILLEGAL_STATE', `the bridge completed a bytes call with ${describe(value)}`);
}

/** Decoder for calls that complete with *ok, handle*. */
export function expectHandle(value: CompletionValue): number {
  if (typeof value === 'number') return value;
  throw new NativeError('ILLEGAL_STATE', `the bridge completed a handle call with ${describe(value)}`);
}

/** Decoder for calls that complete with *ok, no value*. */
export function expectNothing(value: CompletionValue): void {
  if (value === undefined) return;
  throw new NativeError('ILLEGAL_STATE', `the bridge completed a no-value call with ${describe(value)}`);
}

function describe(value: CompletionValue): string {
  if (value === undefined) return 'no value';
  if (typeof value === 'number') return `handle ${value}`;
  return `${value.byteLength} bytes`;
}

/**
 * Owns a bridge runtime handle and dispatches its completions.
 *
 * Free it last: clients and workers created from it deliver their completions through it.
 *
 * @example
 * const runtime = await NativeRuntime.create({ onLog: (r) => console.log(r.level, r.message) });
 * const echoed = await runtime.echo(new Uint8Array([1, 2, 3]));
 * runtime.free();
 */
export class NativeRuntime {
  readonly #handle: number;
  readonly #socket: Socket<undefined>;
  readonly #onLog: ((record: NativeLogRecord) => void) | undefined;
  readonly #pending = new Map<number, PendingCall>();
  readonly #drainBuffer = new Float64Array(DRAIN_CAPACITY * ENTRY_WIDTH);
  readonly #drainPointer: Pointer = ptr(this.#drainBuffer);
  #nextRequestId = 1;
  #freed = false;
  #brokenReason: string | undefined;

  /** The runtime exports metrics (it was created with `metrics`), so instruments can be made on it. */
  readonly metricsEnabled: boolean;

  private constructor(
    handle: number,
    socket: Socket<undefined>,
    onLog: NativeRuntimeOptions['onLog'],
    metricsEnabled: boolean,
  ) {
    this.#handle = handle;
    this.#socket = socket;
    this.#onLog = onLog;
    this.metricsEnabled = metricsEnabled;
  }

  /**
   * Creates the runtime: opens a Unix socket in a private (0700) temporary directory, lets the
   * bridge connect to it as its wake channel, then removes the socket and the directory.
   * The runtime does not keep the process alive by itself.
   */
  static async create(options: NativeRuntimeOptions = {}): Promise<NativeRuntime> {
    await loadBridgeLibrary();
    const symbols = nativeSymbols();
    // A private directory, so no other local user can connect in the bridge's place.
    const wakeSocketDirectory = mkdtempSync(join(tmpdir(), 'tbs-wake-'));
    const wakeSocketPath = join(wakeSocketDirectory, 'wake.sock');
    // The socket handlers exist before the runtime object does; they reach it through this cell.
    let runtime: NativeRuntime | undefined;
    let firstConnection: Socket<undefined> | undefined;
    let accepted: (socket: Socket<undefined>) => void = () => {};
    const acceptedSocket = new Promise<Socket<undefined>>((resolve) => (accepted = resolve));

    const listener: UnixSocketListener<undefined> = Bun.listen<undefined>({
      unix: wakeSocketPath,
      socket: {
        open: (socket) => {
          if (firstConnection) {
            socket.terminate(); // only the bridge's connection is expected
            return;
          }
          firstConnection = socket;
          accepted(socket);
        },
        data: (socket) => {
          if (socket === firstConnection) runtime?.onWake();
        },
        close: (socket) => {
          if (socket === firstConnection) runtime?.onWakeSocketClosed('the bridge closed the wake socket');
        },
        error: (socket, error) => {
          if (socket === firstConnection) runtime?.onWakeSocketClosed(`wake socket error: ${error.message}`);
        },
      },
    });

    let socket: Socket<undefined> | undefined;
    let handle = 0;
    try {
      const runtimeOptions = inputBytes(
        encodeJson({
          wakeSocketPath,
          logFilter: options.logFilter,
          workerHeartbeatIntervalMs: options.workerHeartbeatIntervalMs,
          runtimeThreads: options.runtimeThreads ?? DEFAULT_RUNTIME_THREADS,
          metrics: options.metrics,
        }),
      );
      handle = symbols.tbs_runtime_new(runtimeOptions.pointer, runtimeOptions.length) as number;
      if (handle === 0) throw takeLastError(0, 'tbs_runtime_new');
      let timer: Timer | undefined;
      socket = await Promise.race([
        acceptedSocket,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new NativeError(
                  'ILLEGAL_STATE',
                  `the bridge did not connect to its wake socket ${wakeSocketPath} within ${WAKE_SOCKET_CONNECT_TIMEOUT_MS} ms`,
                ),
              ),
            WAKE_SOCKET_CONNECT_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (error) {
      if (handle !== 0) symbols.tbs_runtime_free(handle);
      throw error;
    } finally {
      listener.stop(); // also unlinks the socket file
      rmSync(wakeSocketDirectory, { recursive: true, force: true });
    }

    socket.unref();
    runtime = new NativeRuntime(handle, socket, options.onLog, options.metrics !== undefined);
    // Completions may have been queued (and their wake byte read) before `runtime` was set.
    runtime.onWake();
    return runtime;
  }

  /** The raw runtime handle (kept after free, so tests can probe the bridge with a stale handle). */
  get handle(): number {
    return this.#handle;
  }

  /** Number of accepted asynchronous calls that have not completed yet. */
  get outstandingCalls(): number {
    return this.#pending.size;
  }

  get freed(): boolean {
    return this.#freed;
  }

  /** The runtime's telemetry as the bridge set it up (e.g. where Prometheus can scrape it). */
  describe(): NativeRuntimeDescription {
    const unusable = this.#unusable('tbs_runtime_describe');
    if (unusable) throw unusable;
    return takeOwnedJson(nativeSymbols().tbs_runtime_describe(this.#handle), 'tbs_runtime_describe');
  }

  /**
   * Runs an asynchronous bridge call: `start` receives a fresh request id and returns the bridge's
   * status. Non-zero means the bridge rejected the call synchronously (no completion will come).
   * `decode` turns the completion value into the result; its errors reject the promise.
   */
  call<T>(call: string, start: (requestId: number) => number, decode: (value: CompletionValue) => T): Promise<T> {
    const unusable = this.#unusable(call);
    if (unusable) return Promise.reject(unusable);
    return new Promise<T>((resolve, reject) => {
      this.#start({ call, resolve: resolve as (value: unknown) => void, reject, decode }, start);
    });
  }

  /**
   * Runs a streaming bridge call: the bridge answers `requestId` with any number of *ok, bytes*
   * entries, each passed to `sink.item`, and ends the stream with an error entry, passed to
   * `sink.end`. Non-zero from `start` (a synchronous rejection) ends the stream at once. Until
   * it ends, the stream counts as an outstanding call (it keeps the event loop alive).
   */
  stream(call: string, start: (requestId: number) => number, sink: StreamSink): void {
    const unusable = this.#unusable(call);
    if (unusable) {
      sink.end(unusable);
      return;
    }
    this.#start(
      {
        call,
        resolve: () =>
          sink.end(new NativeError('ILLEGAL_STATE', `${call}: the bridge ended a stream without an error`)),
        reject: (error) => sink.end(error),
        decode: (value) => value,
        item: (bytes) => sink.item(bytes),
      },
      start,
    );
  }

  /** Why no call can be made now (the runtime was freed or is broken), if so. */
  #unusable(call: string): NativeError | undefined {
    if (this.#freed) return new NativeError('ILLEGAL_STATE', `${call}: the runtime was freed`);
    if (this.#brokenReason) return new NativeError('ILLEGAL_STATE', `${call}: ${this.#brokenReason}`);
    return undefined;
  }

  /**
   * Registers `pending` under a fresh request id and starts the call. A synchronous rejection
   * (non-zero status, or `start` throwing) rejects it at once: no completion will come.
   */
  #start(pending: PendingCall, start: (requestId: number) => number): void {
    const requestId = this.#nextRequestId++;
    this.#pending.set(requestId, pending);
    if (this.#pending.size === 1) this.#socket.ref();
    let status: number;
    try {
      status = start(requestId);
    } catch (error) {
      this.#settle(requestId);
      pending.reject(error as Error);
      return;
    }
    if (status !== 0) {
      this.#settle(requestId);
      pending.reject(takeLastError(status, pending.call));
    }
  }

  /**
   * Round-trips `data` through a runtime thread, completing after `delayUs` microseconds.
   * Measures and stresses the completion queue.
   */
  echo(data: Uint8Array, delayUs = 0): Promise<Uint8Array> {
    const symbols = nativeSymbols();
    const input = inputBytes(data);
    return this.call(
      'tbs_diagnostics_echo',
      (requestId) => symbols.tbs_diagnostics_echo(this.#handle, input.pointer, input.length, delayUs, requestId),
      expectBytes,
    );
  }

  /**
   * Releases the runtime handle and the wake socket. Calls still outstanding are rejected with
   * `ILLEGAL_STATE`. Free workers and clients first.
   */
  free(): void {
    if (this.#freed) throw new NativeError('INVALID_HANDLE', 'the runtime was already freed');
    // Settle what already completed and release its buffers before the handle goes away.
    if (!this.#brokenReason) this.#drain();
    this.#freed = true;
    this.#socket.unref();
    this.#socket.terminate();
    const status = nativeSymbols().tbs_runtime_free(this.#handle);
    this.#rejectAll('the runtime was freed');
    checkStatus(status, 'tbs_runtime_free');
  }

  /** Called from the wake socket's `data` event. */
  private onWake(): void {
    if (this.#freed || this.#brokenReason) return;
    this.#drain();
  }

  private onWakeSocketClosed(reason: string): void {
    if (this.#freed || this.#brokenReason) return;
    // Without the wake socket no completion can be noticed: fail what is pending instead of hanging.
    this.#drain();
    this.#brokenReason = reason;
    this.#rejectAll(reason);
  }

  #drain(): void {
    const symbols = nativeSymbols();
    const buffer = this.#drainBuffer;
    for (;;) {
      const written = symbols.tbs_runtime_drain(this.#handle, this.#drainPointer, DRAIN_CAPACITY);
      if (written < 0) {
        const error = takeLastError(written, 'tbs_runtime_drain');
        this.#brokenReason = `draining the completion queue failed: ${error.message}`;
        this.#rejectAll(this.#brokenReason);
        return;
      }
      for (let index = 0; index < written; index++) {
        const offset = index * ENTRY_WIDTH;
        this.#dispatch(buffer[offset]!, buffer[offset + 1]!, buffer[offset + 2]!, buffer[offset + 3]!);
      }
      if (written < DRAIN_CAPACITY) return;
    }
  }

  #dispatch(requestId: number, kind: number, first: number, second: number): void {
    switch (kind) {
      case EntryKind.LogRecord:
        this.#deliverLog(first, second);
        return;
      case EntryKind.OkEmpty:
        this.#resolve(requestId, undefined);
        return;
      case EntryKind.OkHandle:
        this.#resolve(requestId, first);
        return;
      case EntryKind.OkBytes: {
        const stream = this.#pending.get(requestId);
        if (stream?.item) {
          this.#streamItem(requestId, stream, first, second);
          return;
        }
        const pending = this.#settle(requestId);
        let bytes: Uint8Array;
        try {
          bytes = copyOwnedBytes(first, second);
        } catch (error) {
          pending?.reject(error as Error);
          return;
        }
        if (pending) settleWith(pending, bytes);
        return;
      }
      case EntryKind.Error: {
        const pending = this.#settle(requestId);
        let error: NativeError;
        try {
          error = NativeError.fromJson(decodeUtf8(copyOwnedBytes(first, second)));
        } catch (cause) {
          error = new NativeError(
            'UNKNOWN',
            `${pending?.call ?? 'a bridge call'} failed with an unreadable error`,
            {},
            { cause },
          );
        }
        if (pending) {
          pending.reject(error);
        }
        return;
      }
      default:
        // An entry kind this SDK does not know: its payload layout (and ownership) is unknown too.
        console.error(`temporal-bun-sdk: ignoring completion entry of unknown kind ${kind} (request ${requestId})`);
        this.#settle(requestId)?.reject(new NativeError('ILLEGAL_STATE', `unknown completion entry kind ${kind}`));
    }
  }

  #streamItem(requestId: number, stream: PendingCall, pointer: number, length: number): void {
    let bytes: Uint8Array;
    try {
      bytes = copyOwnedBytes(pointer, length);
    } catch (error) {
      // The item is lost and the stream cannot go on without it: end it (the bridge's own end
      // entry then finds no stream and is dropped).
      this.#settle(requestId);
      stream.reject(error as Error);
      return;
    }
    try {
      stream.item!(bytes);
    } catch (error) {
      console.error(`temporal-bun-sdk: a ${stream.call} item handler threw`, error);
    }
  }

  #resolve(requestId: number, value: CompletionValue): void {
    const pending = this.#settle(requestId);
    if (pending) settleWith(pending, value);
  }

  #deliverLog(pointer: number, length: number): void {
    if (!this.#onLog) {
      freeOwnedBytes(pointer);
      return;
    }
    let record: NativeLogRecord;
    try {
      record = JSON.parse(decodeUtf8(copyOwnedBytes(pointer, length))) as NativeLogRecord;
    } catch (error) {
      console.error('temporal-bun-sdk: dropping an unreadable native log record', error);
      return;
    }
    try {
      this.#onLog(record);
    } catch (error) {
      // A throwing log handler must not stop the completions behind it from being delivered.
      console.error('temporal-bun-sdk: the onLog handler threw', error);
    }
  }

  #settle(requestId: number): PendingCall | undefined {
    const pending = this.#pending.get(requestId);
    if (!pending) return undefined;
    this.#pending.delete(requestId);
    if (this.#pending.size === 0) this.#socket.unref();
    return pending;
  }

  #rejectAll(reason: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#socket.unref();
    for (const call of pending) call.reject(new NativeError('ILLEGAL_STATE', `${call.call}: ${reason}`));
  }
}

function settleWith(pending: PendingCall, value: CompletionValue): void {
  let decoded: unknown;
  try {
    decoded = pending.decode(value);
  } catch (error) {
    pending.reject(error as Error);
    return;
  }
  pending.resolve(decoded);
}
