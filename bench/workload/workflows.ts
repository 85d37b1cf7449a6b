/**
 * The benchmark's workflows: plain `@temporalio/workflow` code, bundled unchanged by both workers.
 *
 * - `oneActivityWorkflow` (scenarios A and the idle-latency probe): one no-op activity, returns its result.
 * - `heavyWorkflow` (scenario B): 10 sequential no-op activities, a timer, a signal it waits for,
 *   and a query answering how far it got.
 * - `parkedWorkflow` (scenario D): one long timer, so that it stays in the worker's sticky cache, and
 *   the same query (the client asks it to know the workflow has run its first task).
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });

/** Sent by the client in scenario B; the workflow's second half waits for it. */
export const proceedSignal = defineSignal('proceed');
/** Issued by the client in scenarios B and D: the number of activities completed so far. */
export const progressQuery = defineQuery<number>('progress');

/** Duration of scenario B's timer. */
export const HEAVY_TIMER = '100ms';
/** Activities run by scenario B's workflow (half before the timer and the signal, half after). */
export const HEAVY_ACTIVITIES = 10;
/** Scenario D's timer: far longer than any run, so that the workflow stays parked in the cache. */
export const PARKED_TIMER = '1h';

export async function oneActivityWorkflow(input: string): Promise<string> {
  return await noop(input);
}

export async function heavyWorkflow(input: string): Promise<string> {
  let proceed = false;
  let completed = 0;
  setHandler(proceedSignal, () => {
    proceed = true;
  });
  setHandler(progressQuery, () => completed);
  let last = input;
  for (let i = 0; i < HEAVY_ACTIVITIES / 2; i++) {
    last = await noop(`${input}:${i}`);
    completed++;
  }
  await sleep(HEAVY_TIMER);
  await condition(() => proceed);
  for (let i = HEAVY_ACTIVITIES / 2; i < HEAVY_ACTIVITIES; i++) {
    last = await noop(`${input}:${i}`);
    completed++;
  }
  return last;
}

export async function parkedWorkflow(input: string): Promise<string> {
  // No activities: the query answers 0 once the first workflow task has run.
  setHandler(progressQuery, () => 0);
  await sleep(PARKED_TIMER);
  return input;
}
