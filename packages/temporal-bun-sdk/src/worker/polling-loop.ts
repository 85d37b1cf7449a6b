/**
 * The poll → handle loop shared by the workflow and activity task loops.
 *
 * A loop polls, hands each task to `handler` without awaiting it (handlers run concurrently; core's
 * slots bound how many tasks are outstanding), and polls again. A shutdown poll result ends the
 * loop once its handlers settled; any other poll error is fatal and rejects `done`, which the
 * worker's `run()` surfaces (see {@link classifyPollError}).
 */
import { errorMessage } from '../common/error-message';
import { isShutdownError } from '../native';

export interface PollingLoopOptions<Task> {
  /** Loop name for errors and logs, e.g. `"workflow"` or `"activity"`. */
  name: string;
  /** Waits for the next task. Rejects with a shutdown error when no more tasks will come. */
  poll: () => Promise<Task>;
  /** Handles one task. Its rejection is passed to `onHandlerError`; it does not stop the loop. */
  handler: (task: Task) => Promise<void>;
  /** Observes handler failures. */
  onHandlerError?: (error: unknown) => void;
}

/** What a poll error means for a task loop: the end of its tasks, or the end of the worker. */
export type PollErrorKind = 'shutdown' | 'fatal';

/**
 * The one reading of a poll error, for both task loops. sdk-core retries what can be retried
 * before a poll fails (a long poll retries transient gRPC codes without end, and the others for a
 * minute), and documents that anything it still reports besides `ShutDown` is fatal for the host:
 * so `SHUT_DOWN` ends the loop and every other error (`RPC_ERROR`, `WORKER_ERROR`, a bridge error)
 * fails the worker, as in the official SDKs.
 */
export function classifyPollError(error: unknown): PollErrorKind {
  return isShutdownError(error) ? 'shutdown' : 'fatal';
}

export interface PollingLoop {
  /** Resolves once the poll reported shutdown and every handler started by the loop has settled. */
  readonly done: Promise<void>;
}

/** A poll loop failed for good; `cause` is the poll error. */
export class PollingLoopError extends Error {
  override readonly name = 'PollingLoopError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

export function createPollingLoop<Task>(options: PollingLoopOptions<Task>): PollingLoop {
  const handlers = new Set<Promise<void>>();

  const startHandler = (task: Task) => {
    const running: Promise<void> = Promise.resolve()
      .then(() => options.handler(task))
      .catch((error: unknown) => options.onHandlerError?.(error))
      .finally(() => handlers.delete(running));
    handlers.add(running);
  };

  const run = async () => {
    for (;;) {
      let task: Task;
      try {
        task = await options.poll();
      } catch (error) {
        if (classifyPollError(error) === 'shutdown') break;
        await Promise.allSettled([...handlers]);
        throw new PollingLoopError(
          `the ${options.name} poll loop stopped after a fatal error: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      startHandler(task);
    }
    // Handlers started before shutdown still complete their tasks.
    while (handlers.size > 0) await Promise.allSettled([...handlers]);
  };

  return { done: run() };
}
