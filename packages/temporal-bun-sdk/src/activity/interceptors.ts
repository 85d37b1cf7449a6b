/**
 * Activity interceptors, shaped like `@temporalio/worker`'s so interceptors written for the official
 * SDK plug in unchanged: a factory per activity execution returning inbound and/or outbound
 * interceptors.
 *
 * @example
 * const timing: ActivityInterceptorsFactory = (context) => ({
 *   inbound: {
 *     async execute(input, next) {
 *       const started = performance.now();
 *       try { return await next(input); }
 *       finally { context.log.info('activity took', { ms: performance.now() - started }); }
 *     },
 *   },
 *   outbound: { getLogAttributes: (attributes, next) => next({ ...attributes, tenant: 'acme' }) },
 * });
 */
import type { Context } from '@temporalio/activity';
import type { Headers, MetricTags, Next } from '@temporalio/common';

export type { Headers, MetricTags, Next };

/** Input of {@link ActivityInboundCallsInterceptor.execute}. */
export interface ActivityExecuteInput {
  /** The activity's arguments, decoded by the data converter. */
  readonly args: unknown[];
  /** Headers sent with the activity by the workflow (its interceptors' context propagation). */
  readonly headers: Headers;
}

/** Wraps the call of the activity function. */
export interface ActivityInboundCallsInterceptor {
  /** Calls `next(input)` to run the activity (or the next interceptor); may change input or result. */
  execute?: (input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) => Promise<unknown>;
}

export type GetLogAttributesInput = Record<string, unknown>;
export type GetMetricTagsInput = MetricTags;

/** Contributes attributes to the activity's log records and tags to its metric meter. */
export interface ActivityOutboundCallsInterceptor {
  getLogAttributes?: (
    input: GetLogAttributesInput,
    next: Next<ActivityOutboundCallsInterceptor, 'getLogAttributes'>,
  ) => Record<string, unknown>;
  getMetricTags?: (
    input: GetMetricTagsInput,
    next: Next<ActivityOutboundCallsInterceptor, 'getMetricTags'>,
  ) => MetricTags;
}

export interface ActivityInterceptors {
  inbound?: ActivityInboundCallsInterceptor;
  outbound?: ActivityOutboundCallsInterceptor;
}

/** Called once per activity execution, with its context, before the activity runs. */
export type ActivityInterceptorsFactory = (context: Context) => ActivityInterceptors;

/**
 * Chains `interceptors`' `method` in order (the first is outermost) around `last`.
 * Equivalent to `composeInterceptors` of `@temporalio/common`, typed for one method.
 */
export function chainInterceptors<Interceptor, Input, Output>(
  interceptors: readonly Interceptor[],
  pick: (interceptor: Interceptor) => ((input: Input, next: (input: Input) => Output) => Output) | undefined,
  last: (input: Input) => Output,
): (input: Input) => Output {
  let next = last;
  for (let index = interceptors.length - 1; index >= 0; index--) {
    const interceptor = interceptors[index]!;
    const method = pick(interceptor);
    if (method) {
      const inner = next;
      next = (input: Input) => method.call(interceptor, input, inner);
    }
  }
  return next;
}
