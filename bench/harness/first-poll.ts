/**
 * Scenario C's detector: when did the worker's first long poll reach the server? Asked of the
 * server itself — DescribeTaskQueue lists a poller as soon as its poll arrives (harness/dev-server.ts
 * gives every task queue one partition) — every few milliseconds, for the workflow and the activity queue
 * at once, from the moment the worker process is spawned.
 */
import type { Connection } from 'temporal-bun-sdk/client';

// temporal.api.enums.v1 values (TaskQueueKind.NORMAL, TaskQueueType.WORKFLOW / ACTIVITY).
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

export interface FirstPoll {
  /** From spawn to the answer of the first DescribeTaskQueue that listed a poller (an upper bound). */
  firstPollMs: number;
  /** From spawn to when the last DescribeTaskQueue that listed none was sent (a lower bound). */
  lowerBoundMs: number;
  /** How many DescribeTaskQueue rounds it took. */
  probes: number;
}

export async function waitForFirstPoll(options: {
  connection: Connection;
  namespace: string;
  taskQueue: string;
  spawnedAt: number;
  intervalMs: number;
  timeoutMs: number;
  /** Rejects (the worker died): stop probing. */
  abort: Promise<never>;
}): Promise<FirstPoll> {
  const { connection, namespace, taskQueue, spawnedAt } = options;
  const describe = (taskQueueType: number) =>
    connection.workflowService.describeTaskQueue(
      { namespace, taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL }, taskQueueType },
      { retry: false },
    );
  let lastEmptySentAt = spawnedAt;
  let aborted = false;
  options.abort.catch(() => (aborted = true));
  for (let probes = 1; ; probes++) {
    const sentAt = performance.now();
    const answers = await Promise.race([
      Promise.all([describe(TASK_QUEUE_TYPE_WORKFLOW), describe(TASK_QUEUE_TYPE_ACTIVITY)]),
      options.abort,
    ]);
    const answeredAt = performance.now();
    if (answers.some((answer) => (answer.pollers?.length ?? 0) > 0)) {
      return { firstPollMs: answeredAt - spawnedAt, lowerBoundMs: lastEmptySentAt - spawnedAt, probes };
    }
    lastEmptySentAt = sentAt;
    if (aborted) throw new Error('the worker exited before polling');
    if (answeredAt - spawnedAt > options.timeoutMs)
      throw new Error(`no poller on ${taskQueue} within ${options.timeoutMs} ms of the worker's spawn`);
    await Bun.sleep(options.intervalMs);
  }
}
