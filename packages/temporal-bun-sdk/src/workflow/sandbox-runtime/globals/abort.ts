/**
 * `AbortController` and `AbortSignal`, written entirely in the sandbox (DOM's algorithms: `abort`
 * events with `onabort` at the position it was first set, `{ once }` and `{ signal }` listeners,
 * `AbortSignal.any` with dependent signals aborted after their source). There is no
 * `AbortSignal.timeout`: it would read real time, so it throws and names the deterministic way.
 *
 * A listener that throws does not stop the others (as in DOM). Node would then report the error
 * as an uncaught exception; here `abort()` rethrows the first one once every listener (and every
 * dependent signal's) has run, so that it fails the workflow task where it happened instead of
 * vanishing.
 */
import {
  BooleanCtor,
  ErrorCtor,
  ObjectCreate,
  ReflectApply,
  SymbolIterator,
  TypeErrorCtor,
  defineData,
  defineHidden,
  defineToStringTag,
  listPush,
  newList,
} from '../primordials';
import { toDOMString } from './text-coding';

interface Listener {
  callback: unknown;
  once: boolean;
  capture: boolean;
  removed: boolean;
}

function codedTypeError(message: string, code: string): TypeError {
  const error = new TypeErrorCtor(message);
  defineData(error, 'code', code);
  return error;
}

function invalidThis(type: string): TypeError {
  return codedTypeError(`Value of "this" must be of type ${type}`, 'ERR_INVALID_THIS');
}

/** What `abort()` without a reason stores: Node's `DOMException [AbortError]: This operation was aborted`. */
function abortError(): Error {
  const error = new ErrorCtor('This operation was aborted');
  defineHidden(error, 'name', 'AbortError');
  defineHidden(error, 'code', 20);
  return error;
}

function removeFromList<T>(list: T[], item: T): void {
  for (let index = 0; index < list.length; index++) {
    if (list[index] !== item) continue;
    for (let next = index + 1; next < list.length; next++) list[next - 1] = list[next]!;
    list.length -= 1;
    return;
  }
}

function listIncludes<T>(list: readonly T[], item: T): boolean {
  for (let index = 0; index < list.length; index++) if (list[index] === item) return true;
  return false;
}

export function createAbortClasses(): {
  AbortController: typeof globalThis.AbortController;
  AbortSignal: typeof globalThis.AbortSignal;
} {
  const constructToken = ObjectCreate(null) as object;

  // ── The event an abort dispatches ──────────────────────────────────────────────────────────
  let stoppedImmediately!: (event: Event) => boolean;
  let setCurrentTarget!: (event: Event, target: AbortSignal | null, phase: number) => void;
  class Event {
    readonly #type: string;
    readonly #target: AbortSignal;
    #currentTarget: AbortSignal | null = null;
    #eventPhase = 0;
    #stopImmediate = false;

    static {
      stoppedImmediately = (event) => event.#stopImmediate;
      setCurrentTarget = (event, target, phase) => {
        event.#currentTarget = target;
        event.#eventPhase = phase;
      };
    }

    constructor(token: unknown, type: string, target: AbortSignal) {
      if (token !== constructToken) throw new TypeErrorCtor('Illegal constructor');
      this.#type = type;
      this.#target = target;
    }
    get type(): string {
      return this.#type;
    }
    get target(): AbortSignal {
      return this.#target;
    }
    get srcElement(): AbortSignal {
      return this.#target;
    }
    get currentTarget(): AbortSignal | null {
      return this.#currentTarget;
    }
    get eventPhase(): number {
      return this.#eventPhase;
    }
    get bubbles(): boolean {
      return false;
    }
    get cancelable(): boolean {
      return false;
    }
    get composed(): boolean {
      return false;
    }
    get defaultPrevented(): boolean {
      return false;
    }
    get isTrusted(): boolean {
      return true;
    }
    /** Always 0: a real clock reading would make the workflow nondeterministic. */
    get timeStamp(): number {
      return 0;
    }
    composedPath(): AbortSignal[] {
      return this.#currentTarget === null ? [] : [this.#currentTarget];
    }
    preventDefault(): void {}
    stopPropagation(): void {}
    stopImmediatePropagation(): void {
      this.#stopImmediate = true;
    }
  }
  defineToStringTag(Event.prototype, 'Event');

  // ── AbortSignal ────────────────────────────────────────────────────────────────────────────
  let isSignal!: (value: unknown) => value is AbortSignal;
  let signalAbort!: (signal: AbortSignal, reason: unknown) => void;
  let createDependentSignal!: (signals: AbortSignal[]) => AbortSignal;
  let addAbortAlgorithm!: (signal: AbortSignal, algorithm: () => void) => void;

  class AbortSignal {
    #aborted = false;
    #reason: unknown = undefined;
    #listeners = newList<Listener>();
    #handler: Listener | undefined = undefined;
    #algorithms = newList<() => void>();
    /** Signals made by `AbortSignal.any` that follow this one. */
    #dependents = newList<AbortSignal>();
    /** For a signal made by `AbortSignal.any`: the plain signals it follows. */
    #sources: AbortSignal[] | undefined = undefined;

    static {
      isSignal = (value): value is AbortSignal => typeof value === 'object' && value !== null && #aborted in value;
      addAbortAlgorithm = (signal, algorithm) => listPush(signal.#algorithms, algorithm);

      const runAbortSteps = (signal: AbortSignal, listenerErrors: unknown[]): void => {
        const algorithms = signal.#algorithms;
        signal.#algorithms = newList();
        for (let index = 0; index < algorithms.length; index++) algorithms[index]!();
        dispatchAbort(signal, listenerErrors);
        // An aborted dependent no longer needs its other sources.
        const sources = signal.#sources;
        if (sources !== undefined) {
          for (let index = 0; index < sources.length; index++) removeFromList(sources[index]!.#dependents, signal);
          signal.#sources = newList();
        }
      };

      const dispatchAbort = (signal: AbortSignal, listenerErrors: unknown[]): void => {
        const event = new Event(constructToken, 'abort', signal);
        setCurrentTarget(event, signal, 2);
        const listeners = newList<Listener>();
        for (let index = 0; index < signal.#listeners.length; index++) listPush(listeners, signal.#listeners[index]!);
        for (let index = 0; index < listeners.length; index++) {
          const listener = listeners[index]!;
          if (listener.removed) continue;
          if (listener.once) {
            listener.removed = true;
            removeFromList(signal.#listeners, listener);
          }
          try {
            const callback = listener.callback;
            if (typeof callback === 'function') {
              ReflectApply(callback, signal, [event]);
            } else {
              const handleEvent = (callback as { handleEvent?: unknown }).handleEvent;
              if (typeof handleEvent !== 'function') {
                throw new TypeErrorCtor("The 'handleEvent' property of an event listener must be a function");
              }
              ReflectApply(handleEvent, callback, [event]);
            }
          } catch (error) {
            listPush(listenerErrors, error);
          }
          if (stoppedImmediately(event)) break;
        }
        setCurrentTarget(event, null, 0);
      };

      signalAbort = (signal, reason) => {
        if (signal.#aborted) return;
        signal.#aborted = true;
        signal.#reason = reason;
        const dependentsToAbort = newList<AbortSignal>();
        const dependents = signal.#dependents;
        for (let index = 0; index < dependents.length; index++) {
          const dependent = dependents[index]!;
          if (dependent.#aborted) continue;
          dependent.#aborted = true;
          dependent.#reason = reason;
          listPush(dependentsToAbort, dependent);
        }
        signal.#dependents = newList();
        const listenerErrors = newList<unknown>();
        runAbortSteps(signal, listenerErrors);
        for (let index = 0; index < dependentsToAbort.length; index++) {
          runAbortSteps(dependentsToAbort[index]!, listenerErrors);
        }
        if (listenerErrors.length > 0) throw listenerErrors[0];
      };

      createDependentSignal = (signals) => {
        const result = new AbortSignal(constructToken);
        for (let index = 0; index < signals.length; index++) {
          const signal = signals[index]!;
          if (signal.#aborted) {
            result.#aborted = true;
            result.#reason = signal.#reason;
            return result;
          }
        }
        const sources = newList<AbortSignal>();
        result.#sources = sources;
        const follow = (source: AbortSignal): void => {
          if (listIncludes(sources, source)) return;
          listPush(sources, source);
          listPush(source.#dependents, result);
        };
        for (let index = 0; index < signals.length; index++) {
          const signal = signals[index]!;
          const signalSources = signal.#sources;
          if (signalSources === undefined) {
            follow(signal);
          } else {
            for (let sourceIndex = 0; sourceIndex < signalSources.length; sourceIndex++)
              follow(signalSources[sourceIndex]!);
          }
        }
        return result;
      };
    }

    constructor(token: unknown = undefined) {
      if (token !== constructToken) throw codedTypeError('Illegal constructor', 'ERR_ILLEGAL_CONSTRUCTOR');
    }

    get aborted(): boolean {
      if (!isSignal(this)) throw invalidThis('AbortSignal');
      return this.#aborted;
    }

    get reason(): unknown {
      if (!isSignal(this)) throw invalidThis('AbortSignal');
      return this.#reason;
    }

    throwIfAborted(): void {
      if (!isSignal(this)) throw invalidThis('AbortSignal');
      if (this.#aborted) throw this.#reason;
    }

    get onabort(): unknown {
      if (!isSignal(this)) throw invalidThis('AbortSignal');
      return this.#handler === undefined ? null : this.#handler.callback;
    }

    set onabort(value: unknown) {
      if (!isSignal(this)) throw invalidThis('AbortSignal');
      const handler = this.#handler;
      if (typeof value !== 'function') {
        if (handler !== undefined) {
          handler.removed = true;
          removeFromList(this.#listeners, handler);
          this.#handler = undefined;
        }
        return;
      }
      if (handler !== undefined) {
        handler.callback = value;
        return;
      }
      // An event handler takes its place among the listeners when it is first set.
      const listener: Listener = {
        __proto__: null,
        callback: value,
        once: false,
        capture: false,
        removed: false,
      } as Listener;
      this.#handler = listener;
      listPush(this.#listeners, listener);
    }

    addEventListener(type: unknown, callback: unknown, options: unknown = undefined): void {
      if (!isSignal(this)) throw invalidThis('AbortSignal');
      if (arguments.length < 2) {
        throw codedTypeError('The "type" and "listener" arguments must be specified', 'ERR_MISSING_ARGS');
      }
      const typeText = toDOMString(type);
      let once = false;
      let capture = false;
      let removalSignal: unknown;
      if (typeof options === 'boolean') {
        capture = options;
      } else if (options !== undefined && options !== null) {
        const bag = options as { once?: unknown; capture?: unknown; signal?: unknown };
        once = BooleanCtor(bag.once);
        capture = BooleanCtor(bag.capture);
        removalSignal = bag.signal;
        if (removalSignal !== undefined && !isSignal(removalSignal)) {
          throw codedTypeError(
            'The "options.signal" property must be an instance of AbortSignal',
            'ERR_INVALID_ARG_TYPE',
          );
        }
      }
      if (callback === undefined || callback === null) return;
      if (typeof callback !== 'function' && typeof callback !== 'object') {
        throw codedTypeError('The "listener" argument must be an instance of EventListener', 'ERR_INVALID_ARG_TYPE');
      }
      // Only `abort` is ever dispatched on a signal.
      if (typeText !== 'abort') return;
      if (removalSignal !== undefined && (removalSignal as AbortSignal).#aborted) return;
      const listeners = this.#listeners;
      for (let index = 0; index < listeners.length; index++) {
        const listener = listeners[index]!;
        if (listener !== this.#handler && listener.callback === callback && listener.capture === capture) return;
      }
      const listener: Listener = { __proto__: null, callback, once, capture, removed: false } as Listener;
      listPush(listeners, listener);
      if (removalSignal !== undefined) {
        addAbortAlgorithm(removalSignal as AbortSignal, () => {
          listener.removed = true;
          removeFromList(listeners, listener);
        });
      }
    }

    removeEventListener(type: unknown, callback: unknown, options: unknown = undefined): void {
      if (!isSignal(this)) throw invalidThis('AbortSignal');
      if (arguments.length < 2) {
        throw codedTypeError('The "type" and "listener" arguments must be specified', 'ERR_MISSING_ARGS');
      }
      if (toDOMString(type) !== 'abort') return;
      const capture =
        typeof options === 'boolean'
          ? options
          : options !== undefined && options !== null && BooleanCtor((options as { capture?: unknown }).capture);
      const listeners = this.#listeners;
      for (let index = 0; index < listeners.length; index++) {
        const listener = listeners[index]!;
        if (listener !== this.#handler && listener.callback === callback && listener.capture === capture) {
          listener.removed = true;
          removeFromList(listeners, listener);
          return;
        }
      }
    }

    /** An already aborted signal. */
    static abort(reason: unknown = undefined): AbortSignal {
      const signal = new AbortSignal(constructToken);
      signalAbort(signal, reason === undefined ? abortError() : reason);
      return signal;
    }

    /** A signal that aborts, with the same reason, as soon as any of `signals` does. */
    static any(signals: unknown): AbortSignal {
      if (arguments.length < 1) throw codedTypeError('The "signals" argument must be specified', 'ERR_MISSING_ARGS');
      const iteratorMethod =
        (typeof signals === 'object' && signals !== null) || typeof signals === 'function'
          ? (signals as Record<symbol, unknown>)[SymbolIterator]
          : undefined;
      if (typeof iteratorMethod !== 'function') {
        throw codedTypeError('The "signals" argument must be an iterable of AbortSignal', 'ERR_INVALID_ARG_TYPE');
      }
      const list = newList<AbortSignal>();
      const iterator = ReflectApply(iteratorMethod, signals, []) as Iterator<unknown>;
      for (;;) {
        const step = iterator.next();
        if (step.done) break;
        if (!isSignal(step.value)) {
          throw codedTypeError(
            `The "signals[${list.length}]" argument must be an instance of AbortSignal`,
            'ERR_INVALID_ARG_TYPE',
          );
        }
        listPush(list, step.value);
      }
      return createDependentSignal(list);
    }

    /** Not in workflows: a timeout would read the real clock. */
    static timeout(_milliseconds?: unknown): never {
      throw new ErrorCtor(
        'AbortSignal.timeout() is not available in workflow code: it would depend on real time and make the ' +
          'workflow nondeterministic. Use CancellationScope.withTimeout() or sleep() from @temporalio/workflow.',
      );
    }
  }
  defineToStringTag(AbortSignal.prototype, 'AbortSignal');

  // ── AbortController ────────────────────────────────────────────────────────────────────────
  let isController!: (value: unknown) => boolean;
  class AbortController {
    readonly #signal = new AbortSignal(constructToken);

    static {
      isController = (value) => typeof value === 'object' && value !== null && #signal in value;
    }

    get signal(): AbortSignal {
      if (!isController(this)) throw invalidThis('AbortController');
      return this.#signal;
    }

    abort(reason: unknown = undefined): void {
      if (!isController(this)) throw invalidThis('AbortController');
      signalAbort(this.#signal, reason === undefined ? abortError() : reason);
    }
  }
  defineToStringTag(AbortController.prototype, 'AbortController');

  return {
    AbortController: AbortController as unknown as typeof globalThis.AbortController,
    AbortSignal: AbortSignal as unknown as typeof globalThis.AbortSignal,
  };
}
