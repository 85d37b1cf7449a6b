/**
 * The `WorkflowInfo` a run starts with, built from the activation that carries its
 * `initializeWorkflow` job. Payload-derived fields (memo, search attributes, last result and
 * failure) are filled in later, inside the sandbox, by the workflow library itself: they must be
 * converted with the sandbox's payload converter.
 */
import {
  TypedSearchAttributes,
  convertDeploymentVersion,
  decodePriority,
  decompileRetryPolicy,
} from '@temporalio/common';
import { suggestContinueAsNewReasonsFromProto } from '@temporalio/common/lib/continue-as-new';
import {
  int64ToNumber,
  optionalTsToDate,
  optionalTsToMs,
  requiredTsToMs,
  tsToDate,
  tsToMs,
} from '../common/proto-values';
import type { coresdk } from '@temporalio/proto';
import type { WorkflowInfo } from '@temporalio/workflow';
import { createUnsafeRandomSource } from '@temporalio/workflow/lib/random-helpers';

type WorkflowActivation = coresdk.workflow_activation.IWorkflowActivation;
type InitializeWorkflow = coresdk.workflow_activation.IInitializeWorkflow;

/** Where the run executes: the worker's namespace and task queue. */
export interface WorkflowRunPlacement {
  namespace: string;
  taskQueue: string;
}

/** The initializeWorkflow job misses a field every run needs. */
export class MalformedActivationError extends TypeError {
  override readonly name = 'MalformedActivationError';
}

/** The run's initial info. Throws {@link MalformedActivationError} when a required field is missing. */
export function workflowInfoFromActivation(
  activation: WorkflowActivation,
  job: InitializeWorkflow,
  placement: WorkflowRunPlacement,
): WorkflowInfo {
  const { workflowId, workflowType, randomnessSeed, firstExecutionRunId, attempt, startTime } = job;
  if (
    !workflowId ||
    !workflowType ||
    randomnessSeed == null ||
    !firstExecutionRunId ||
    attempt == null ||
    startTime == null
  ) {
    throw new MalformedActivationError(
      `initializeWorkflow job of run ${activation.runId} lacks a required field ` +
        '(workflowId, workflowType, randomnessSeed, firstExecutionRunId, attempt, startTime)',
    );
  }
  if (!activation.runId) throw new MalformedActivationError('a workflow activation has no runId');
  if (activation.timestamp == null) {
    throw new MalformedActivationError(`the activation starting run ${activation.runId} has no timestamp`);
  }
  const parent = job.parentWorkflowInfo;
  const root = job.rootWorkflow;
  return {
    workflowId,
    runId: activation.runId,
    workflowType,
    searchAttributes: {},
    typedSearchAttributes: new TypedSearchAttributes(),
    parent:
      parent?.workflowId && parent.runId && parent.namespace
        ? { workflowId: parent.workflowId, runId: parent.runId, namespace: parent.namespace }
        : undefined,
    root: root?.workflowId && root.runId ? { workflowId: root.workflowId, runId: root.runId } : undefined,
    taskQueue: placement.taskQueue,
    namespace: placement.namespace,
    firstExecutionRunId,
    originalExecutionRunId: job.originalExecutionRunId || activation.runId,
    continuedFromExecutionRunId: job.continuedFromExecutionRunId || undefined,
    startTime: tsToDate(startTime),
    runStartTime: tsToDate(activation.timestamp),
    executionTimeoutMs: optionalTsToMs(job.workflowExecutionTimeout),
    executionExpirationTime: optionalTsToDate(job.workflowExecutionExpirationTime),
    runTimeoutMs: optionalTsToMs(job.workflowRunTimeout),
    taskTimeoutMs: requiredTsToMs(job.workflowTaskTimeout, 'workflowTaskTimeout'),
    retryPolicy: decompileRetryPolicy(job.retryPolicy),
    attempt,
    cronSchedule: job.cronSchedule || undefined,
    // 0 means "not a cron workflow": crons are at least a minute apart.
    cronScheduleToScheduleInterval: optionalTsToMs(job.cronScheduleToScheduleInterval) || undefined,
    ...activationInfoFields(activation),
    unsafe: {
      // Both are replaced inside the sandbox by `initRuntime` (it captures the real clock and
      // random source before the deterministic overrides are installed).
      now: () => Date.now(),
      isReplaying: activation.isReplaying ?? false,
      isReplayingHistoryEvents: activation.isReplaying ?? false,
      random: createUnsafeRandomSource(Math.random),
    },
    priority: decodePriority(job.priority),
  };
}

/**
 * The `WorkflowInfo` fields every activation refreshes (history size, continue-as-new hints, the
 * deployment version of the current task): set at initialization and updated on each activation.
 */
export function activationInfoFields(activation: WorkflowActivation) {
  return {
    historyLength: activation.historyLength ?? 0,
    // 0 when the server did not report it (servers before 1.20). Not Number(): on a Long that
    // goes through a decimal string (Long#toString), on every activation.
    historySize: int64ToNumber(activation.historySizeBytes),
    continueAsNewSuggested: activation.continueAsNewSuggested ?? false,
    targetWorkerDeploymentVersionChanged: activation.targetWorkerDeploymentVersionChanged ?? false,
    suggestedContinueAsNewReasons: suggestContinueAsNewReasonsFromProto(activation.suggestContinueAsNewReasons),
    currentBuildId: activation.deploymentVersionForCurrentTask?.buildId ?? '',
    currentDeploymentVersion: convertDeploymentVersion(activation.deploymentVersionForCurrentTask),
  };
}

/** Milliseconds since the epoch of an activation's timestamp. */
export function activationTimeMs(activation: WorkflowActivation): number {
  if (activation.timestamp == null) {
    throw new MalformedActivationError(`activation of run ${activation.runId} has no timestamp`);
  }
  return tsToMs(activation.timestamp);
}

/** The attributes every log line about a run carries (same keys as the official SDK). */
export function workflowLogAttributes(info: WorkflowInfo): Record<string, unknown> {
  return {
    namespace: info.namespace,
    taskQueue: info.taskQueue,
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.workflowType,
  };
}
