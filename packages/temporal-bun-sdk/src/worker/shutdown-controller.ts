/**
 * Shutdown sequencing. The first request stops polling (core finishes the work it handed out and
 * evicts cached workflows); in-flight activities get the grace time, then are cancelled with reason
 * "worker shutdown". A later request with a shorter grace (e.g. immediate after graceful) wins; a
 * repeated request is harmless.
 */
import type { Logger } from '../common/logger';

export interface ShutdownControllerOptions {
  /** Stops polling: sdk-core's initiate-shutdown. Called once. */
  stopPolling: () => void;
  /** Cancels every in-flight activity with the given reason. */
  cancelActivities: (reason: string) => void;
  logger: Logger;
}

export const WORKER_SHUTDOWN_REASON = 'worker shutdown';

export class ShutdownController {
  readonly #options: ShutdownControllerOptions;
  #requested = false;
  #cancelAtMs: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ShutdownControllerOptions) {
    this.#options = options;
  }

  /** Requests shutdown; activities still running after `graceMs` are cancelled. */
  request(graceMs: number): void {
    if (!this.#requested) {
      this.#requested = true;
      this.#options.logger.info('Worker shutdown requested', { graceMs });
      this.#options.stopPolling();
    }
    const cancelAtMs = Date.now() + Math.max(0, graceMs);
    if (this.#cancelAtMs !== undefined && this.#cancelAtMs <= cancelAtMs) return;
    this.#cancelAtMs = cancelAtMs;
    clearTimeout(this.#timer);
    if (graceMs <= 0) {
      this.#cancel();
    } else {
      this.#timer = setTimeout(() => this.#cancel(), graceMs);
    }
  }

  /** Clears the grace timer once everything has stopped. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #cancel(): void {
    this.#timer = undefined;
    this.#options.cancelActivities(WORKER_SHUTDOWN_REASON);
  }
}
