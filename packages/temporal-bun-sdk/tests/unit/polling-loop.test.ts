import { describe, expect, test } from 'bun:test';
import { backoffDelayMs, createPollingLoop, PollingLoopError, type PollErrorKind } from '../../src/worker/polling-loop';

class ShutDown extends Error {}
class Transient extends Error {}
class Fatal extends Error {}

const classify = (error: unknown): PollErrorKind =>
  error instanceof ShutDown ? 'shutdown' : error instanceof Transient ? 'transient' : 'fatal';

/** A poller that plays back a script of results: a task value, or an error to throw. */
function scriptedPoller<T>(script: Array<T | Error>) {
  let index = 0;
  return {
    get polls() {
      return index;
    },
    poll: async (): Promise<T> => {
      const next = index < script.length ? script[index] : new ShutDown('script exhausted');
      index++;
      if (next instanceof Error) throw next;
      return next as T;
    },
  };
}

describe('createPollingLoop', () => {
  test('hands every polled task to the handler and resolves on shutdown after handlers settle', async () => {
    const poller = scriptedPoller([1, 2, 3]);
    const handled: number[] = [];
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll,
      classifyError: classify,
      handler: async (task: number) => {
        await new Promise((resolve) => setTimeout(resolve, 10 * (4 - task)));
        handled.push(task);
      },
    });
    await loop.done;
    expect(handled.sort()).toEqual([1, 2, 3]);
    expect(loop.inFlight).toBe(0);
  });

  test('handlers run concurrently with polling', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    const poller = scriptedPoller([1, 2]);
    const loop = createPollingLoop({
      name: 'test',
      poll: async () => {
        const task = await poller.poll();
        return task;
      },
      classifyError: classify,
      handler: async (task: number) => {
        started.push(task);
        await gate;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toEqual([1, 2]); // the second task started while the first was still running
    release();
    await loop.done;
  });

  test('restarts after transient poll errors, with doubling backoff', async () => {
    const poller = scriptedPoller<number | Error>([new Transient('a'), new Transient('b'), new Transient('c'), 7]);
    const delays: number[] = [];
    const seen: Array<{ attempt: number; retryInMs?: number }> = [];
    const handled: number[] = [];
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll as () => Promise<number>,
      classifyError: classify,
      handler: async (task: number) => void handled.push(task),
      onError: (_error, context) => seen.push({ attempt: context.attempt, retryInMs: context.retryInMs }),
      initialBackoffMs: 5,
      sleep: async (ms) => void delays.push(ms),
    });
    await loop.done;
    expect(handled).toEqual([7]);
    expect(delays).toEqual([5, 10, 20]);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
  });

  test('backoff is bounded by maxBackoffMs and resets after a successful poll', async () => {
    expect(backoffDelayMs(1, 100, 10_000)).toBe(100);
    expect(backoffDelayMs(8, 100, 10_000)).toBe(10_000);
    expect(backoffDelayMs(1_000, 100, 10_000)).toBe(10_000);
    const script: Array<number | Error> = [];
    for (let i = 0; i < 12; i++) script.push(new Transient(String(i)));
    script.push(1, new Transient('after success'), 2);
    const poller = scriptedPoller(script);
    const delays: number[] = [];
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll as () => Promise<number>,
      classifyError: classify,
      handler: async () => {},
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
      sleep: async (ms) => void delays.push(ms),
    });
    await loop.done;
    expect(Math.max(...delays)).toBe(1_000);
    expect(delays.at(-1)).toBe(100); // the failure after a success starts over
  });

  test('stops on shutdown without retrying', async () => {
    const poller = scriptedPoller<number | Error>([new ShutDown('bye'), 1]);
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll as () => Promise<number>,
      classifyError: classify,
      handler: async () => {
        throw new Error('must not be called');
      },
    });
    await loop.done;
    expect(poller.polls).toBe(1);
  });

  test('a fatal poll error rejects done with the cause attached, after in-flight handlers settle', async () => {
    let handlerFinished = false;
    const poller = scriptedPoller<number | Error>([1, new Fatal('broken')]);
    const loop = createPollingLoop({
      name: 'activity',
      poll: poller.poll as () => Promise<number>,
      classifyError: classify,
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        handlerFinished = true;
      },
    });
    const error = await loop.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PollingLoopError);
    expect((error as PollingLoopError).message).toContain('activity poll loop');
    expect((error as PollingLoopError).cause).toBeInstanceOf(Fatal);
    expect(handlerFinished).toBe(true);
  });

  test('gives up after maxConsecutiveFailures transient errors', async () => {
    const poller = scriptedPoller<number | Error>([new Transient('1'), new Transient('2'), new Transient('3'), 5]);
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll as () => Promise<number>,
      classifyError: classify,
      handler: async () => {},
      maxConsecutiveFailures: 2,
      sleep: async () => {},
    });
    await expect(loop.done).rejects.toThrow('2 consecutive failures');
    expect(poller.polls).toBe(2);
  });

  test('a failing handler is reported and does not stop the loop', async () => {
    const poller = scriptedPoller([1, 2]);
    const errors: string[] = [];
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll,
      classifyError: classify,
      handler: async (task: number) => {
        if (task === 1) throw new Error('handler one failed');
      },
      onError: (error, context) => errors.push(`${context.phase}: ${(error as Error).message}`),
    });
    await loop.done;
    expect(errors).toEqual(['handler: handler one failed']);
    expect(poller.polls).toBe(3);
  });
});
