import { describe, expect, test } from 'bun:test';
import { NativeError } from '../../src/native';
import { classifyPollError, createPollingLoop, PollingLoopError } from '../../src/worker/polling-loop';

const shutDown = () => new NativeError('SHUT_DOWN', 'the worker is shut down and there are no more tasks of this kind');

/** A poller that plays back a script of results: a task value, or an error to throw; then shutdown. */
function scriptedPoller<T>(script: Array<T | Error>) {
  let index = 0;
  let exhausted!: () => void;
  const exhaustedPromise = new Promise<void>((resolve) => {
    exhausted = resolve;
  });
  return {
    get polls() {
      return index;
    },
    /** Resolves once the script ran out and the poll reported shutdown. */
    exhausted: exhaustedPromise,
    poll: async (): Promise<T> => {
      if (index >= script.length) exhausted();
      const next = index < script.length ? script[index] : shutDown();
      index++;
      if (next instanceof Error) throw next;
      return next as T;
    },
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('classifyPollError', () => {
  test('SHUT_DOWN ends the loop; every other poll error is fatal, WORKER_ERROR and RPC_ERROR included', () => {
    expect(classifyPollError(shutDown())).toBe('shutdown');
    expect(classifyPollError(new NativeError('WORKER_ERROR', 'core refused'))).toBe('fatal');
    expect(classifyPollError(new NativeError('RPC_ERROR', 'polling failed', { grpcCode: 7 }))).toBe('fatal');
    expect(classifyPollError(new NativeError('CONNECT_FAILED', 'no server'))).toBe('fatal');
    expect(classifyPollError(new NativeError('PANIC', 'bridge panicked'))).toBe('fatal');
    expect(classifyPollError(new Error('not from the bridge'))).toBe('fatal');
  });
});

describe('createPollingLoop', () => {
  test('hands every polled task to the handler and resolves on shutdown after handlers settle', async () => {
    const poller = scriptedPoller([1, 2, 3]);
    const handled: number[] = [];
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll,
      handler: async (task: number) => {
        await new Promise((resolve) => setTimeout(resolve, 10 * (4 - task)));
        handled.push(task);
      },
    });
    await loop.done;
    expect(handled.sort()).toEqual([1, 2, 3]);
  });

  test('handlers run concurrently with polling, and done waits for them after shutdown', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    let secondPolled!: () => void;
    const bothStarted = new Promise<void>((resolve) => (secondPolled = resolve));
    const poller = scriptedPoller([1, 2]);
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll,
      handler: async (task: number) => {
        started.push(task);
        if (task === 2) secondPolled();
        await gate;
      },
    });
    let finished = false;
    void loop.done.then(() => {
      finished = true;
    });
    await bothStarted;
    expect(started).toEqual([1, 2]); // the second task started while the first was still running
    await poller.exhausted; // the poll after them reported shutdown
    await Bun.sleep(0);
    expect(finished).toBe(false); // both handlers still wait at the gate
    release();
    await loop.done;
    expect(finished).toBe(true);
  });

  test('stops on shutdown without polling again', async () => {
    const poller = scriptedPoller<number | Error>([shutDown(), 1]);
    const handled: number[] = [];
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll as () => Promise<number>,
      handler: async (task: number) => void handled.push(task),
    });
    await loop.done;
    expect(poller.polls).toBe(1);
    expect(handled).toEqual([]);
  });

  for (const code of ['WORKER_ERROR', 'RPC_ERROR'] as const) {
    test(`a ${code} poll error rejects done at once, with the cause attached, after in-flight handlers settle`, async () => {
      let handlerFinished = false;
      const cause = new NativeError(code, 'broken');
      const poller = scriptedPoller<number | Error>([1, cause, 2]);
      const loop = createPollingLoop({
        name: 'activity',
        poll: poller.poll as () => Promise<number>,
        handler: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          handlerFinished = true;
        },
      });
      const error = await rejectionOf(loop.done);
      expect(error).toBeInstanceOf(PollingLoopError);
      expect((error as PollingLoopError).message).toBe('the activity poll loop stopped after a fatal error: broken');
      expect((error as PollingLoopError).cause).toBe(cause);
      expect(handlerFinished).toBe(true);
      expect(poller.polls).toBe(2); // not retried
    });
  }

  test('a failing handler is reported and does not stop the loop', async () => {
    const poller = scriptedPoller([1, 2]);
    const errors: string[] = [];
    const loop = createPollingLoop({
      name: 'test',
      poll: poller.poll,
      handler: async (task: number) => {
        if (task === 1) throw new Error('handler one failed');
      },
      onHandlerError: (error) => errors.push((error as Error).message),
    });
    await loop.done;
    expect(errors).toEqual(['handler one failed']);
    expect(poller.polls).toBe(3);
  });
});
