/**
 * Routes unhandled rejections of sandbox promises to their run. Node-style `unhandledRejection`
 * events carry the promise. A sandbox promise's prototype chain leads to its context's own
 * `Promise.prototype`, which identifies the context, and the context tells the run (its only run,
 * or in a shared context the run holding the turn). Process-wide: one listener for every worker in
 * the process.
 *
 * The promise is inspected with the worker's own functions only (`Object.getPrototypeOf`,
 * `instanceof` of the worker's `Promise`): reading `promise.constructor` would run a getter that
 * workflow code could have put there, and a replaced `constructor` could pass a workflow's
 * rejection off as the worker's own, which is fatal to the process.
 */

/** A run that can be told about an unhandled rejection of its code. */
export interface RejectionTarget {
  setUnhandledRejection(reason: unknown): void;
}

const getPrototypeOf = Object.getPrototypeOf;
const HostPromise = Promise;

class UnhandledRejectionRouter {
  /** By each sandbox's intrinsic `Promise.prototype`. */
  readonly #targetsByPromisePrototype = new Map<object, () => RejectionTarget | undefined>();
  /** Every sandbox's `Promise.prototype`, also after disposal: late rejections from gone runs are not foreign. */
  readonly #sandboxPromisePrototypes = new WeakSet<object>();
  #installed = false;

  /** `intrinsicPromise`: the context's own `Promise`, read before any workflow code ran in it. */
  register(intrinsicPromise: unknown, target: () => RejectionTarget | undefined): void {
    const prototype = (intrinsicPromise as { prototype: object }).prototype;
    this.#targetsByPromisePrototype.set(prototype, target);
    this.#sandboxPromisePrototypes.add(prototype);
    if (!this.#installed) {
      this.#installed = true;
      process.on('unhandledRejection', this.#onUnhandledRejection);
    }
  }

  unregister(intrinsicPromise: unknown): void {
    this.#targetsByPromisePrototype.delete((intrinsicPromise as { prototype: object }).prototype);
  }

  readonly #onUnhandledRejection = (reason: unknown, promise: Promise<unknown>): void => {
    // The worker's own promises (and its subclasses'): keep the process's default behaviour (an
    // unhandled rejection is fatal) when nothing else listens, instead of silently swallowing it.
    if (promise instanceof HostPromise) {
      if (process.listenerCount('unhandledRejection') <= 1) throw reason;
      return;
    }
    // A sandbox's: find its realm along the prototype chain (a subclass's instance included).
    for (let prototype = getPrototypeOf(promise); prototype !== null; prototype = getPrototypeOf(prototype)) {
      if (!this.#sandboxPromisePrototypes.has(prototype)) continue;
      this.#targetsByPromisePrototype.get(prototype)?.()?.setUnhandledRejection(reason);
      return; // with no target, the run is gone
    }
    // Another realm's promise whose chain no longer leads to its Promise.prototype (workflow code
    // changed it): it is not the worker's, so it is not fatal. Nothing else can be known of it.
  };
}

export const unhandledRejections = new UnhandledRejectionRouter();
