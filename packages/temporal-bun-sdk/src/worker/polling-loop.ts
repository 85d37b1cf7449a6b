/**
 * The poll → handle loop shared by the workflow and activity task loops.
 *
 * A loop polls, hands each task to `handler` without awaiting it (handlers run concurrently; core's
 * slots bound how many tasks are outstanding), and polls again. Transient poll errors are retried
 * with bounded exponential backoff; a shutdown poll result ends the loop; anything else is fatal and
 * rejects `done`, which the worker's `run()` surfaces.
 */
import { errorMessage } from '../common/error-message';

export interface PollingLoopOptions<Task> {
  /** Loop name for errors and logs, e.g. `"workflow"` or `"activity"`. */
  name: string;
  /** Waits for the next task. Rejects with a shutdown error when no more tasks will come. */
  poll: () => Promise<Task>;
  /** Handles one task. Its rejection is passed to `onError` as a handler failure, never retried. */
  handler: (task: Task) => Promise<void>;
  /** Tells a poll error's kind: `"shutdown"` ends the loop, `"transient"` retries, `"fatal"` fails it. */
  classifyError: (error: unknown) => PollErrorKind;
  /** Observes errors: every transient poll failure (with the attempt number) and handler failures. */
  onError?: (error: unknown, context: PollingLoopErrorContext) => void;
  /** Backoff of the first retry. Default 100 ms. */
  initialBackoffMs?: number;
  /** Upper bound of any retry delay. Default 10,000 ms. */
  maxBackoffMs?: number;
  /** Consecutive transient failures after which the loop gives up (fatal). Default: never. */
  maxConsecutiveFailures?: number;
  /** Injected for tests. Default `setTimeout`-based sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export type PollErrorKind = 'shutdown' | 'transient' | 'fatal';

export interface PollingLoopErrorContext {
  phase: 'poll' | 'handler';
  /** 1 for the first consecutive poll failure. */
  attempt: number;
  /** The delay before the next poll (poll phase, transient errors only). */
  retryInMs?: number;
}

export interface PollingLoop {
  /** Resolves once the poll reported shutdown and every handler started by the loop has settled. */
  readonly done: Promise<void>;
  /** Number of handlers still running. */
  readonly inFlight: number;
}

export const DEFAULT_INITIAL_BACKOFF_MS = 100;
export const DEFAULT_MAX_BACKOFF_MS = 10_000;

/** The delay before retry `attempt` (1-based): doubles from `initialMs`, capped at `maxMs`. */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
}

/** A poll loop failed for good; `cause` is the last poll error. */
export class PollingLoopError extends Error {
  override readonly name = 'PollingLoopError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

export function createPollingLoop<Task>(options: PollingLoopOptions<Task>): PollingLoop {
  const initialMs = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
  const maxMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const handlers = new Set<Promise<void>>();

  const startHandler = (task: Task) => {
    const running: Promise<void> = Promise.resolve()
      .then(() => options.handler(task))
      .catch((error: unknown) => options.onError?.(error, { phase: 'handler', attempt: 0 }))
      .finally(() => handlers.delete(running));
    handlers.add(running);
  };

  const run = async () => {
    let failures = 0;
    for (;;) {
      let task: Task;
      try {
        task = await options.poll();
      } catch (error) {
        const kind = options.classifyError(error);
        if (kind === 'shutdown') break;
        failures++;
        const giveUp =
          kind === 'fatal' ||
          (options.maxConsecutiveFailures !== undefined && failures >= options.maxConsecutiveFailures);
        if (giveUp) {
          await Promise.allSettled([...handlers]);
          const why = kind === 'fatal' ? 'a fatal error' : `${failures} consecutive failures`;
          throw new PollingLoopError(`the ${options.name} poll loop stopped after ${why}: ${errorMessage(error)}`, {
            cause: error,
          });
        }
        const retryInMs = backoffDelayMs(failures, initialMs, maxMs);
        options.onError?.(error, { phase: 'poll', attempt: failures, retryInMs });
        await sleep(retryInMs);
        continue;
      }
      failures = 0;
      startHandler(task);
    }
    // Handlers started before shutdown still complete their tasks.
    while (handlers.size > 0) await Promise.allSettled([...handlers]);
  };

  const done = run();
  return {
    done,
    get inFlight() {
      return handlers.size;
    },
  };
}
