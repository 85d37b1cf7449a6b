/**
 * Routes unhandled rejections of sandbox promises to their run. Node-style `unhandledRejection`
 * events carry the promise; a sandbox promise's `constructor` is its context's own `Promise`,
 * which identifies the context, and the context tells the run (its only run, or in a shared
 * context the run holding the turn). Process-wide: one listener for every worker in the process.
 */

/** A run that can be told about an unhandled rejection of its code. */
export interface RejectionTarget {
  setUnhandledRejection(reason: unknown): void;
}

class UnhandledRejectionRouter {
  readonly #targetsByPromiseConstructor = new Map<unknown, () => RejectionTarget | undefined>();
  /** Every sandbox's `Promise`, also after disposal: late rejections from gone runs are not foreign. */
  readonly #sandboxPromiseConstructors = new WeakSet<object>();
  #installed = false;

  register(promiseConstructor: unknown, target: () => RejectionTarget | undefined): void {
    this.#targetsByPromiseConstructor.set(promiseConstructor, target);
    this.#sandboxPromiseConstructors.add(promiseConstructor as object);
    if (!this.#installed) {
      this.#installed = true;
      process.on('unhandledRejection', this.#onUnhandledRejection);
    }
  }

  unregister(promiseConstructor: unknown): void {
    this.#targetsByPromiseConstructor.delete(promiseConstructor);
  }

  readonly #onUnhandledRejection = (reason: unknown, promise: Promise<unknown>): void => {
    // The host's own property read: a sandbox promise's constructor is found on its realm's
    // Promise.prototype, which workflow code cannot replace with a getter (it is non-configurable
    // in a shared context, and in a context of its own it only fools its own run's routing).
    const promiseConstructor = (promise as { constructor?: unknown } | undefined)?.constructor;
    const target = this.#targetsByPromiseConstructor.get(promiseConstructor)?.();
    if (target) {
      target.setUnhandledRejection(reason);
      return;
    }
    if (typeof promiseConstructor === 'object' || typeof promiseConstructor === 'function') {
      if (this.#sandboxPromiseConstructors.has(promiseConstructor as object)) return; // the run is gone
    }
    // Not a workflow's promise. With no other listener, keep the process's default behaviour
    // (an unhandled rejection is fatal) instead of silently swallowing it.
    if (process.listenerCount('unhandledRejection') <= 1) throw reason;
  };
}

export const unhandledRejections = new UnhandledRejectionRouter();
