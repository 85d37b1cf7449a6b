/**
 * The `@temporalio/activity` `Context` of one activity execution, and running code inside it.
 *
 * The context is the official class, entered through the package's own `asyncLocalStorage`, so
 * `Context.current()`, `activityInfo()`, `heartbeat()`, `sleep()`, `cancelled()`,
 * `cancellationSignal()`, `cancellationDetails()`, `log` and `metricMeter` work unchanged.
 */
import { Context, asyncLocalStorage } from '@temporalio/activity';
import {
  LoggerWithComposedMetadata,
  MetricMeterWithComposedTags,
  SdkComponent,
  type Logger,
  type MetricMeter,
  type MetricTags,
} from '@temporalio/common';
import type { ActivityCancellation } from './cancellation';
import { activityLogAttributes, type ActivityTaskInfo } from './info';
import {
  chainInterceptors,
  type ActivityExecuteInput,
  type ActivityInboundCallsInterceptor,
  type ActivityInterceptorsFactory,
  type ActivityOutboundCallsInterceptor,
} from './interceptors';

/**
 * The client an activity reaches with `Context.current().client`: `createWorker` gives activities
 * this SDK's `Client` over the worker's connection, with the worker's namespace and data converter
 * (as the official worker does). Its type is `@temporalio/activity`'s, which names
 * `@temporalio/client`'s `Client`; this SDK's has the same shape (`client.workflow`,
 * `client.connection`, `client.options`). Without one, `Context.current().client` throws
 * `IllegalStateError` (as in the official SDK's mock environment).
 */
export type ActivityContextClient = ConstructorParameters<typeof Context>[4];

export interface ActivityExecutionContextOptions {
  info: ActivityTaskInfo;
  cancellation: ActivityCancellation;
  heartbeat: (details?: unknown) => void;
  /** The worker's logger (records get `sdkComponent: 'worker'` or `'activity'` on top). */
  logger: Logger;
  metricMeter: MetricMeter;
  client: ActivityContextClient;
  interceptors: readonly ActivityInterceptorsFactory[];
}

/** An activity's context with its interceptors, and the loggers that carry its attributes. */
export class ActivityExecutionContext {
  readonly context: Context;
  /** For the worker's own records about this activity (`sdkComponent: 'worker'`). */
  readonly workerLogger: Logger;
  readonly inbound: ActivityInboundCallsInterceptor[] = [];
  readonly outbound: ActivityOutboundCallsInterceptor[] = [];
  readonly #info: ActivityTaskInfo;

  constructor(options: ActivityExecutionContextOptions) {
    this.#info = options.info;
    // Attributes are computed per record: interceptors are created after the context they need.
    this.workerLogger = LoggerWithComposedMetadata.compose(options.logger, () => this.logAttributes());
    const activityLogger = LoggerWithComposedMetadata.compose(this.workerLogger, {
      sdkComponent: SdkComponent.activity,
    });
    const metricMeter = MetricMeterWithComposedTags.compose(options.metricMeter, () => this.metricTags());
    this.context = new Context(
      options.info,
      options.cancellation.cancelled,
      options.cancellation.signal,
      options.heartbeat,
      options.client,
      activityLogger,
      metricMeter,
      options.cancellation.detailsHolder,
    );
    for (const factory of options.interceptors) {
      const { inbound, outbound } = factory(this.context);
      if (inbound) this.inbound.push(inbound);
      if (outbound) this.outbound.push(outbound);
    }
  }

  logAttributes(): Record<string, unknown> {
    return chainInterceptors(
      this.outbound,
      (interceptor) => interceptor.getLogAttributes,
      (attributes: Record<string, unknown>) => attributes,
    )(activityLogAttributes(this.#info));
  }

  metricTags(): MetricTags {
    const info = this.#info;
    return chainInterceptors(
      this.outbound,
      (interceptor) => interceptor.getMetricTags,
      (tags: MetricTags) => tags,
    )({ namespace: info.namespace, taskQueue: info.taskQueue, activityType: info.activityType });
  }

  /** Runs `fn` inside the context, e.g. so `abort` listeners can call `Context.current()` and `log`. */
  enter<T>(fn: () => T): T {
    return asyncLocalStorage.run(this.context, fn);
  }

  /** Calls `fn(...input.args)` through the inbound interceptors, inside the context. */
  execute(fn: (...args: unknown[]) => unknown, input: ActivityExecuteInput): Promise<unknown> {
    const run = chainInterceptors(
      this.inbound,
      (interceptor) => interceptor.execute,
      async (finalInput: ActivityExecuteInput) => fn(...finalInput.args),
    );
    return asyncLocalStorage.run(this.context, async () => run(input));
  }
}
