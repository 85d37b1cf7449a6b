/**
 * Heartbeats of one activity execution: `Context.heartbeat(details)` encodes the details with the
 * data converter (codecs included) and records them in core, which throttles what reaches the server
 * (80% of the heartbeat timeout, bounded by the worker's heartbeat throttle options).
 *
 * Encoding is asynchronous (codecs may be), so heartbeats are sent one at a time: while one is
 * being encoded, later calls only replace the pending details, and the newest details always win.
 */
import type { LoadedDataConverter, Logger, SerializationContext } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { encodeToPayload } from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import type { NativeWorkerBase } from '../native';

export interface ActivityHeartbeaterOptions {
  native: NativeWorkerBase;
  dataConverter: LoadedDataConverter;
  taskToken: Uint8Array;
  serializationContext: SerializationContext;
  /** Local activities cannot heartbeat: their heartbeats are dropped. */
  isLocal: boolean;
  logger: Logger;
  /** The details could not be encoded: the activity should be cancelled. */
  onEncodeError: (error: unknown) => void;
}

export class ActivityHeartbeater {
  readonly #options: ActivityHeartbeaterOptions;
  #sending: Promise<void> | undefined;
  #pending: { details: unknown } | undefined;
  #closed = false;

  constructor(options: ActivityHeartbeaterOptions) {
    this.#options = options;
  }

  /** `Context.heartbeat`: never throws; problems are logged (or cancel the activity). */
  readonly heartbeat = (details?: unknown): void => {
    if (this.#closed || this.#options.isLocal) return;
    if (this.#sending) {
      this.#pending = { details };
      return;
    }
    this.#send(details);
  };

  /**
   * Stops accepting heartbeats. With `flush`, first waits until the latest details reached core, so
   * a failure report carries them (and the next attempt sees them in `info.heartbeatDetails`).
   */
  async close({ flush }: { flush: boolean }): Promise<void> {
    if (flush) {
      while (this.#sending) await this.#sending;
    }
    this.#closed = true;
    this.#pending = undefined;
  }

  #send(details: unknown): void {
    this.#sending = this.#encodeAndRecord(details).finally(() => {
      this.#sending = undefined;
      const next = this.#pending;
      this.#pending = undefined;
      if (next && !this.#closed) this.#send(next.details);
    });
  }

  async #encodeAndRecord(details: unknown): Promise<void> {
    const options = this.#options;
    let payload: Payload;
    try {
      payload = await encodeToPayload(options.dataConverter, details, options.serializationContext);
    } catch (error) {
      options.logger.warn('Failed to encode heartbeat details, cancelling the activity', { error });
      this.#closed = true;
      options.onEncodeError(error);
      return;
    }
    if (this.#closed) return;
    try {
      options.native.recordActivityHeartbeat({ taskToken: options.taskToken, details: [payload] });
    } catch (error) {
      options.logger.warn('Failed to record an activity heartbeat', { error });
    }
  }
}
