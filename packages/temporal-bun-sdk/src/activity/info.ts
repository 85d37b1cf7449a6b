/**
 * `Context.current().info` built from core's `ActivityTask.start`, plus the serialization context
 * and log attributes derived from it.
 */
import type { Info } from '@temporalio/activity';
import { decodePriority, decompileRetryPolicy, type ActivitySerializationContext } from '@temporalio/common';
import { optionalTsToMs } from '../common/proto-values';
import type { coresdk } from '@temporalio/proto';

/** `@temporalio/activity`'s `Info`, plus when this attempt started. */
export interface ActivityTaskInfo extends Info {
  /** When core received this attempt's task (from the server or, for local activities, from the workflow). */
  readonly startedTimestampMs: number;
}

type ActivityStart = coresdk.activity_task.Start.$Properties;

export interface ActivityInfoSource {
  taskToken: Uint8Array;
  start: ActivityStart;
  /** The worker's namespace (where the task was polled). */
  namespace: string;
  /** The worker's task queue (also a local activity's: it runs on its workflow's queue). */
  taskQueue: string;
  /** `start.heartbeatDetails[0]`, decoded by the data converter. */
  heartbeatDetails: unknown;
}

export function base64TaskToken(taskToken: Uint8Array): string {
  return Buffer.from(taskToken.buffer, taskToken.byteOffset, taskToken.byteLength).toString('base64');
}

/** Builds the activity's `Info`. Timeouts absent from the task (or zero) read as 0, except heartbeat: `undefined`. */
export function activityInfoFromStart(source: ActivityInfoSource): ActivityTaskInfo {
  const { start } = source;
  const workflowId = start.workflowExecution?.workflowId ?? '';
  const inWorkflow = workflowId !== '';
  const heartbeatTimeoutMs = optionalTsToMs(start.heartbeatTimeout);
  return {
    taskToken: source.taskToken,
    base64TaskToken: base64TaskToken(source.taskToken),
    activityId: start.activityId ?? '',
    activityType: start.activityType ?? '',
    activityNamespace: source.namespace,
    namespace: start.workflowNamespace || source.namespace,
    attempt: start.attempt ?? 1,
    isLocal: start.isLocal ?? false,
    inWorkflow,
    workflowExecution: inWorkflow ? { workflowId, runId: start.workflowExecution?.runId ?? '' } : undefined,
    workflowNamespace: inWorkflow ? start.workflowNamespace || source.namespace : undefined,
    workflowType: inWorkflow ? (start.workflowType ?? undefined) : undefined,
    activityRunId: inWorkflow ? undefined : start.runId || undefined,
    scheduledTimestampMs: optionalTsToMs(start.scheduledTime) ?? 0,
    currentAttemptScheduledTimestampMs: optionalTsToMs(start.currentAttemptScheduledTime) ?? 0,
    startedTimestampMs: optionalTsToMs(start.startedTime) ?? Date.now(),
    scheduleToCloseTimeoutMs: optionalTsToMs(start.scheduleToCloseTimeout) ?? 0,
    startToCloseTimeoutMs: optionalTsToMs(start.startToCloseTimeout) ?? 0,
    heartbeatTimeoutMs: heartbeatTimeoutMs ? heartbeatTimeoutMs : undefined,
    heartbeatDetails: source.heartbeatDetails,
    taskQueue: source.taskQueue,
    priority: decodePriority(start.priority),
    retryPolicy: decompileRetryPolicy(start.retryPolicy),
  };
}

/** The context the data converter sees for this activity's arguments, result, heartbeats and failures. */
export function activitySerializationContext(start: ActivityStart, namespace: string): ActivitySerializationContext {
  return {
    type: 'activity',
    namespace,
    activityId: start.activityId || undefined,
    workflowId: start.workflowExecution?.workflowId || undefined,
    isLocal: start.isLocal ?? false,
  };
}

/** Attributes added to every log record about this activity (before interceptors add theirs). */
export function activityLogAttributes(info: Info): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    activityId: info.activityId,
    activityType: info.activityType,
    attempt: info.attempt,
    isLocal: info.isLocal,
    namespace: info.namespace,
    taskQueue: info.taskQueue,
    taskToken: info.base64TaskToken,
  };
  if (info.workflowExecution) {
    attributes.workflowId = info.workflowExecution.workflowId;
    attributes.workflowRunId = info.workflowExecution.runId;
    attributes.workflowType = info.workflowType;
  } else if (info.activityRunId) {
    attributes.activityRunId = info.activityRunId;
  }
  return attributes;
}
