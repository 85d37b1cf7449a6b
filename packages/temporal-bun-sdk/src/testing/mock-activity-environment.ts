/**
 * `MockActivityEnvironment`: runs an activity function in a real `@temporalio/activity` `Context`
 * with no server and no worker, shaped like `@temporalio/testing`'s. The context is the worker's own
 * (`ActivityExecutionContext`, with the same cancellation and interceptors); only heartbeats go to
 * the test instead of the server.
 *
 * @example
 * import { MockActivityEnvironment } from 'temporal-bun-sdk/testing';
 *
 * const env = new MockActivityEnvironment({ attempt: 2 });
 * env.on('heartbeat', (details) => progress.push(details));
 * const result = await env.run(chargePayment, 'order-1', 100);
 *
 * // cancellation: the activity's `Context.current().cancelled` rejects, its signal aborts
 * const running = env.run(longActivity);
 * env.cancel();
 * await expect(running).rejects.toBeInstanceOf(CancelledFailure);
 */
import { EventEmitter } from 'node:events';
import type { Context, Info } from '@temporalio/activity';
import { noopMetricMeter, type ActivityCancellationDetails, type MetricMeter } from '@temporalio/common';
import { ActivityCancellation, workerCancelRequest, type ActivityCancelReason } from '../activity/cancellation';
import { ActivityExecutionContext, type ActivityContextClient } from '../activity/context';
import type { ActivityTaskInfo } from '../activity/info';
import type { ActivityInterceptorsFactory } from '../activity/interceptors';
import type { Client } from '../client';
import { ConsoleLogger, type Logger } from '../common/logger';

export interface MockActivityEnvironmentOptions {
  /** Activity interceptors, as `createWorker({ interceptors: { activity } })` takes them. */
  interceptors?: ActivityInterceptorsFactory[];
  /** Receives `Context.current().log` records. Default: a console logger at INFO. */
  logger?: Logger;
  /** `Context.current().metricMeter`. Default: a meter that records nothing. */
  metricMeter?: MetricMeter;
  /** `Context.current().client`. Default: none (reading it throws `IllegalStateError`). */
  client?: Client;
}

const TEST_TASK_TOKEN = Buffer.from('test');

/**
 * The info an activity sees in a {@link MockActivityEnvironment} unless overridden (the official
 * `defaultActivityInfo`'s values): attempt 1 of activity `test` of workflow `test` on task queue
 * `test`.
 */
export const defaultActivityInfo: Info = {
  attempt: 1,
  taskQueue: 'test',
  isLocal: false,
  taskToken: TEST_TASK_TOKEN,
  activityId: 'test',
  activityType: 'unknown',
  workflowType: 'test',
  base64TaskToken: TEST_TASK_TOKEN.toString('base64'),
  heartbeatTimeoutMs: undefined,
  heartbeatDetails: undefined,
  activityNamespace: 'default',
  workflowNamespace: 'default',
  workflowExecution: { workflowId: 'test', runId: '00000000-0000-0000-0000-000000000000' },
  scheduledTimestampMs: 1,
  startToCloseTimeoutMs: 1000,
  scheduleToCloseTimeoutMs: 1000,
  currentAttemptScheduledTimestampMs: 1,
  priority: undefined,
  retryPolicy: undefined,
  namespace: 'test',
  activityRunId: undefined,
  inWorkflow: true,
};

/**
 * {@link defaultActivityInfo} with `overrides` on top. A `taskToken` override also sets
 * `base64TaskToken` (unless that is overridden too).
 */
export function mockActivityInfo(overrides: Partial<Info> = {}): Info {
  const info: Info = { ...defaultActivityInfo, ...overrides };
  if (overrides.taskToken !== undefined && overrides.base64TaskToken === undefined) {
    return { ...info, base64TaskToken: Buffer.from(overrides.taskToken).toString('base64') };
  }
  return info;
}

/** The events of a {@link MockActivityEnvironment}. */
export interface MockActivityEnvironmentEvents {
  /** `heartbeat(details)` was called by the activity (the details as given, not encoded). */
  heartbeat: [details: unknown];
}

/**
 * An execution environment for testing activities: a real `Context` (info, heartbeat, cancellation,
 * `sleep`, logger, metric meter, client) without a server.
 *
 * As in the official SDK, one context serves every `run` of an environment: once `cancel()` was
 * called, later runs start cancelled. Create one environment per test.
 */
export class MockActivityEnvironment extends EventEmitter<MockActivityEnvironmentEvents> {
  /** The activity's `Context` (what `Context.current()` returns inside {@link run}). */
  readonly context: Context;
  /** Every heartbeat's details, in order. */
  readonly heartbeats: unknown[] = [];
  readonly #execution: ActivityExecutionContext;
  readonly #cancellation = new ActivityCancellation();

  /**
   * @param info overrides of {@link defaultActivityInfo}
   */
  constructor(info?: Partial<Info>, options: MockActivityEnvironmentOptions = {}) {
    super();
    const activityInfo: ActivityTaskInfo = { startedTimestampMs: Date.now(), ...mockActivityInfo(info) };
    this.#execution = new ActivityExecutionContext({
      info: activityInfo,
      cancellation: this.#cancellation,
      heartbeat: (details?: unknown) => {
        this.heartbeats.push(details);
        this.emit('heartbeat', details);
      },
      logger: options.logger ?? new ConsoleLogger(),
      metricMeter: options.metricMeter ?? noopMetricMeter,
      // This SDK's Client has the shape activities use (see ActivityContextClient).
      client: options.client as unknown as ActivityContextClient,
      interceptors: options.interceptors ?? [],
    });
    this.context = this.#execution.context;
  }

  /**
   * Cancels the activity as the server would: `Context.current().cancelled` rejects with a
   * `CancelledFailure` whose message is `reason` (default `'CANCELLED'`), `cancellationSignal` aborts
   * with it, and `cancellationDetails` reads `details` (default: those of `reason`, e.g.
   * `{ cancelRequested: true }`). Only the first call counts.
   */
  cancel = (reason: ActivityCancelReason = 'CANCELLED', details?: ActivityCancellationDetails): void => {
    const request = workerCancelRequest(reason);
    this.#cancellation.cancel(details === undefined ? request : { ...request, details });
  };

  /**
   * Runs `fn(...args)` in the activity's context, through the interceptors, and resolves or rejects
   * as it does. Arguments and result are passed as they are (no data converter).
   */
  async run<P extends unknown[], R>(fn: (...args: P) => R | Promise<R>, ...args: P): Promise<R> {
    return (await this.#execution.execute(fn as (...args: unknown[]) => unknown, { args, headers: {} })) as R;
  }
}
