/**
 * Activities: the registry, the task loop that runs them with an `@temporalio/activity` `Context`,
 * and the interceptor types. Activity code itself imports only `@temporalio/activity`.
 */
export {
  ActivityRegistrationError,
  createActivityRegistry,
  type ActivitiesInput,
  type ActivityImplementation,
  type ActivityRegistry,
} from './registry';
export {
  ActivityTaskLoop,
  DEFAULT_ABANDON_AFTER_CANCEL_MS,
  DEFAULT_ACTIVITY_NAME,
  LOCAL_DEADLINE_SLACK_MS,
  classifyActivityPollError,
  type ActivityTaskLoopOptions,
} from './activity-task-loop';
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
