/**
 * Activities: the registry, the `@temporalio/activity` `Context` they run in, cancellation,
 * heartbeats and the interceptor types (the task loop that runs them is the worker's:
 * `worker/activity-task-loop`). Activity code itself imports only `@temporalio/activity`.
 */
export {
  ActivityRegistrationError,
  createActivityRegistry,
  type ActivitiesInput,
  type ActivityImplementation,
  type ActivityRegistry,
} from './registry';
export type { ActivityCancelOrigin, ActivityCancelReason } from './cancellation';
export type { ActivityContextClient } from './context';
export type { ActivityTaskInfo } from './info';
export type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptors,
  ActivityInterceptorsFactory,
  ActivityOutboundCallsInterceptor,
  GetLogAttributesInput,
  GetMetricTagsInput,
} from './interceptors';
