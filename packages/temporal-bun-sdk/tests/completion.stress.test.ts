/**
 * Every completion gets an answer: 10^5 workflow and activity completions, malformed and valid,
 * 64 in flight, against a real worker whose activation stream runs (as a worker's does), each with
 * a deadline on its answer; then shutdown ends the streams and finalize answers. Also the answer to
 * a completion sent before the worker's first poll (before, it waited forever).
 */
import { expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { coresdk } from '@temporalio/proto';
import { NativeError, NativeWorker } from '../src/native';
import { nativeWorkerOptions } from './helpers/native-worker-options';
import { useServerConnection } from './helpers/server-connection';

const TOTAL_COMPLETIONS = 100_000;
const IN_FLIGHT = 64;
/** A hang, not a slow answer: far above the few milliseconds an answer takes. */
const ANSWER_DEADLINE_MS = 10_000;

const env = useServerConnection();
const { WorkflowActivationCompletion } = coresdk.workflow_completion;

function newWorker(): NativeWorker {
  return NativeWorker.create(
    env.connection.runtime,
    env.connection.client,
    nativeWorkerOptions({ namespace: env.server.namespace, taskQueue: `stress-${randomUUID()}` }),
  );
}

/** `promise`'s outcome, or `'no answer'` after the deadline. */
function withDeadline(promise: Promise<unknown>): Promise<string> {
  return Promise.race([
    promise.then(
      () => 'ok',
      (error: unknown) => (error instanceof NativeError ? error.code : `not a NativeError: ${String(error)}`),
    ),
    Bun.sleep(ANSWER_DEADLINE_MS).then(() => 'no answer'),
  ]);
}

/** The index-th completion of the storm: a rotation of malformed and well-formed ones. */
function completion(worker: NativeWorker, index: number): Promise<void> {
  const runId = `unknown-run-${index}`;
  switch (index % 6) {
    case 0:
      return worker.completeWorkflowActivation(
        WorkflowActivationCompletion.create({ runId, failed: { failure: { message: 'fuzzed' } } }),
      );
    case 1:
      return worker.completeWorkflowActivation(
        WorkflowActivationCompletion.create({ runId, successful: { commands: [] } }),
      );
    case 2:
      return worker.completeWorkflowActivation(new Uint8Array([0xff, 0xff, index & 0xff, 0x01]));
    case 3:
      return worker.completeWorkflowActivation(WorkflowActivationCompletion.create({ runId: '' }));
    case 4:
      return worker.completeActivityTask(
        coresdk.ActivityTaskCompletion.create({
          taskToken: new Uint8Array([1, index & 0xff, 3]),
          result: { completed: {} },
        }),
      );
    default:
      return worker.completeActivityTask(new Uint8Array([0x0a, 0xff, 0xff]), { deferAck: index % 2 === 0 });
  }
}

test('a workflow completion before the first poll is refused at once (ILLEGAL_STATE), not left waiting', async () => {
  const worker = newWorker();
  try {
    await worker.validate();
    const answer = await withDeadline(
      worker.completeWorkflowActivation(
        WorkflowActivationCompletion.create({ runId: 'early', successful: { commands: [] } }),
      ),
    );
    expect(answer).toBe('ILLEGAL_STATE');
  } finally {
    await worker.finalizeShutdown();
    worker.free();
  }
});

test(`${TOTAL_COMPLETIONS} completions, ${IN_FLIGHT} in flight, malformed and valid: every one answered; then the streams end and finalize answers`, async () => {
  const worker = newWorker();
  await worker.validate();
  // The activation stream runs as in a worker; whatever it hands out (evictions) is completed.
  const streamEnded = (async () => {
    for (;;) {
      let activation: coresdk.workflow_activation.WorkflowActivation;
      try {
        activation = await worker.nextWorkflowActivation();
      } catch (error) {
        return error instanceof NativeError ? error.code : String(error);
      }
      void worker
        .completeWorkflowActivation(
          WorkflowActivationCompletion.create({ runId: activation.runId, successful: { commands: [] } }),
        )
        .catch(() => undefined);
    }
  })();
  const activityStreamEnded = worker.nextActivityTask().then(
    () => 'a task arrived',
    (error: unknown) => (error instanceof NativeError ? error.code : String(error)),
  );
  await Bun.sleep(100);

  const outcomes = new Map<string, number>();
  let next = 0;
  const lane = async () => {
    while (next < TOTAL_COMPLETIONS) {
      const answer = await withDeadline(completion(worker, next++));
      outcomes.set(answer, (outcomes.get(answer) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const answered = [...outcomes.values()].reduce((sum, count) => sum + count, 0);
  expect(answered).toBe(TOTAL_COMPLETIONS);
  expect(outcomes.get('no answer')).toBeUndefined();
  expect([...outcomes.keys()].filter((outcome) => outcome.startsWith('not a NativeError'))).toEqual([]);
  // Malformed ones are refused synchronously; the rest are core's answers.
  expect(outcomes.get('INVALID_ARGUMENT')).toBeGreaterThanOrEqual((TOTAL_COMPLETIONS / 6) * 2);

  worker.initiateShutdown();
  expect(
    await Promise.race([streamEnded, Bun.sleep(ANSWER_DEADLINE_MS).then(() => 'the workflow stream did not end')]),
  ).toBe('SHUT_DOWN');
  expect(
    await Promise.race([
      activityStreamEnded,
      Bun.sleep(ANSWER_DEADLINE_MS).then(() => 'the activity stream did not end'),
    ]),
  ).toBe('SHUT_DOWN');
  expect(await withDeadline(worker.finalizeShutdown())).toBe('ok');
  worker.free();
}, 120_000);

test('after initiate_shutdown both streams end, worker after worker (25 workers, streams started at once or after a moment)', async () => {
  const endings: string[] = [];
  for (let attempt = 0; attempt < 25; attempt++) {
    const worker = newWorker();
    await worker.validate();
    const ended = (stream: Promise<unknown>) =>
      stream.then(
        () => 'a task arrived',
        (error: unknown) => (error instanceof NativeError ? error.code : String(error)),
      );
    const workflowStream = ended(worker.nextWorkflowActivation());
    const activityStream = ended(worker.nextActivityTask());
    if (attempt % 2 === 1) await Bun.sleep(50); // the streams' first polls are in flight at the server
    worker.initiateShutdown();
    const deadline = Bun.sleep(ANSWER_DEADLINE_MS).then(() => 'did not end');
    endings.push(`${await Promise.race([workflowStream, deadline])}/${await Promise.race([activityStream, deadline])}`);
    expect(await withDeadline(worker.finalizeShutdown())).toBe('ok');
    worker.free();
  }
  expect(endings).toEqual(Array.from({ length: 25 }, () => 'SHUT_DOWN/SHUT_DOWN'));
}, 300_000);
