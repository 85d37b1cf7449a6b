/**
 * Options of `client.workflow.start` / `signalWithStart` / updates, as in `@temporalio/client`, and
 * their translation into the fields of a StartWorkflowExecution request.
 */
import {
  compilePriority,
  compileRetryPolicy,
  encodeWorkflowIdConflictPolicy,
  encodeWorkflowIdReusePolicy,
  type CommonWorkflowOptions,
  type Duration,
  type LoadedDataConverter,
  type PayloadTypeInfo,
  type SignalDefinition,
  type SignalTypeInfo,
  type WithWorkflowArgs,
  type Workflow,
  type WorkflowSerializationContext,
} from '@temporalio/common';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import {
  encodeMapToPayloads,
  encodeToPayloadsWithContext,
  encodeUserMetadata,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { msOptionalToTs } from '@temporalio/common/lib/time';
import type { google, temporal } from '@temporalio/proto';
import { protos } from '../common/worker-protos';

/**
 * How to start a workflow. Besides these: `retry`, `memo`, `searchAttributes` /
 * `typedSearchAttributes`, `workflowIdReusePolicy`, `workflowIdConflictPolicy`, `cronSchedule`,
 * `workflowExecutionTimeout` / `workflowRunTimeout` / `workflowTaskTimeout`, `staticSummary` /
 * `staticDetails`, `priority` (from `@temporalio/common`'s `CommonWorkflowOptions`).
 */
export interface WorkflowOptions extends CommonWorkflowOptions {
  /** Business-meaningful, unique among open workflows of the namespace. Required. */
  workflowId: string;
  /** Task queue the workflow's worker polls. Required. */
  taskQueue: string;
  /** `handle.result()` follows continue-as-new, retries and cron runs to the last run. Default true. */
  followRuns?: boolean;
  /** Time to wait before dispatching the first workflow task. Not with `cronSchedule`. */
  startDelay?: Duration;
  /** Call-site type information for the arguments and result (typed payload converters). */
  typeInfo?: PayloadTypeInfo;
}

/** {@link WorkflowOptions} with `args` typed after the workflow function (required when it takes arguments). */
export type WorkflowStartOptions<T extends Workflow = Workflow> = WithWorkflowArgs<T, WorkflowOptions>;

type SignalArgsOption<SignalArgs extends unknown[]> = SignalArgs extends [unknown, ...unknown[]]
  ? { signalArgs: SignalArgs | Readonly<SignalArgs> }
  : { signalArgs?: SignalArgs | Readonly<SignalArgs> };

/** {@link WorkflowOptions} plus the signal to send, for `client.workflow.signalWithStart`. */
export type WorkflowSignalWithStartOptions<SignalArgs extends unknown[] = []> = WorkflowOptions & {
  signal: SignalDefinition<SignalArgs> | string;
  signalTypeInfo?: SignalTypeInfo;
} & SignalArgsOption<SignalArgs>;

export interface WorkflowUpdateOptions {
  /** Identifies the update; a second request with the same id attaches to the first. Default: a random UUID. */
  readonly updateId?: string;
  typeInfo?: PayloadTypeInfo;
}

/** How far an update has gone when `startUpdate` returns. */
export const WorkflowUpdateStage = {
  /** The server has the update; the worker has not seen it yet. (Not accepted by `startUpdate`.) */
  ADMITTED: 'ADMITTED',
  /** The validator accepted it (or rejected it: the handle's `result()` then throws). */
  ACCEPTED: 'ACCEPTED',
  /** The handler finished. */
  COMPLETED: 'COMPLETED',
} as const;
export type WorkflowUpdateStage = (typeof WorkflowUpdateStage)[keyof typeof WorkflowUpdateStage];

export function encodeWorkflowUpdateStage(
  stage: WorkflowUpdateStage,
): temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage {
  const LifecycleStage = protos.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;
  switch (stage) {
    case 'ADMITTED':
      return LifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
    case 'ACCEPTED':
      return LifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    case 'COMPLETED':
      return LifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
  }
}

/** Which statuses make the server reject a query instead of asking the worker. */
export const QueryRejectCondition = {
  /** Never reject (default). */
  NONE: 'NONE',
  /** Reject when the workflow is closed. */
  NOT_OPEN: 'NOT_OPEN',
  /** Reject unless the workflow is running or completed successfully. */
  NOT_COMPLETED_CLEANLY: 'NOT_COMPLETED_CLEANLY',
} as const;
export type QueryRejectCondition = (typeof QueryRejectCondition)[keyof typeof QueryRejectCondition];

export function encodeQueryRejectCondition(
  condition: QueryRejectCondition | undefined,
): temporal.api.enums.v1.QueryRejectCondition | undefined {
  const Condition = protos.temporal.api.enums.v1.QueryRejectCondition;
  switch (condition) {
    case undefined:
      return undefined;
    case 'NONE':
      return Condition.QUERY_REJECT_CONDITION_NONE;
    case 'NOT_OPEN':
      return Condition.QUERY_REJECT_CONDITION_NOT_OPEN;
    case 'NOT_COMPLETED_CLEANLY':
      return Condition.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY;
  }
}

/** The options are unusable; the message names the option. */
export class WorkflowOptionsError extends TypeError {
  override readonly name = 'WorkflowOptionsError';
}

/** Throws {@link WorkflowOptionsError} when a start's required options are missing or conflict. */
export function checkWorkflowOptions(options: WorkflowOptions): void {
  if (options === null || typeof options !== 'object')
    throw new WorkflowOptionsError('workflow options must be an object');
  if (typeof options.workflowId !== 'string' || options.workflowId.length === 0) {
    throw new WorkflowOptionsError(`workflowId must be a non-empty string, got ${JSON.stringify(options.workflowId)}`);
  }
  if (typeof options.taskQueue !== 'string' || options.taskQueue.length === 0) {
    throw new WorkflowOptionsError(`taskQueue must be a non-empty string, got ${JSON.stringify(options.taskQueue)}`);
  }
  if (options.cronSchedule !== undefined && options.startDelay !== undefined) {
    throw new WorkflowOptionsError('startDelay cannot be combined with cronSchedule');
  }
}

/**
 * {@link WorkflowOptions} with `args` filled in and the durations compiled to protobuf, as the
 * official client hands them to interceptors (`WorkflowStartInput.options`).
 */
export type CompiledWorkflowOptions = Omit<
  WorkflowOptions,
  'workflowExecutionTimeout' | 'workflowRunTimeout' | 'workflowTaskTimeout' | 'startDelay'
> & {
  workflowExecutionTimeout?: google.protobuf.IDuration;
  workflowRunTimeout?: google.protobuf.IDuration;
  workflowTaskTimeout?: google.protobuf.IDuration;
  startDelay?: google.protobuf.IDuration;
  args: unknown[];
};

/** `options` checked (see {@link checkWorkflowOptions}), with `args` and durations compiled. */
export function compileWorkflowOptions(
  options: WorkflowOptions & { args?: readonly unknown[] },
): CompiledWorkflowOptions {
  checkWorkflowOptions(options);
  return {
    ...options,
    workflowExecutionTimeout: msOptionalToTs(options.workflowExecutionTimeout) ?? undefined,
    workflowRunTimeout: msOptionalToTs(options.workflowRunTimeout) ?? undefined,
    workflowTaskTimeout: msOptionalToTs(options.workflowTaskTimeout) ?? undefined,
    startDelay: msOptionalToTs(options.startDelay) ?? undefined,
    args: [...(options.args ?? [])],
  };
}

/** What identifies the caller and how payloads are converted. */
export interface RequestContext {
  namespace: string;
  identity: string;
  dataConverter: LoadedDataConverter;
}

/**
 * The request fields StartWorkflowExecution and SignalWithStartWorkflowExecution share; `headers`
 * (from the client's interceptors) travel as the request's header.
 */
export async function compileStartFields(
  workflowType: string,
  options: CompiledWorkflowOptions,
  typeInfo: PayloadTypeInfo | undefined,
  context: RequestContext,
  headers: Record<string, temporal.api.common.v1.IPayload> = {},
): Promise<
  temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest &
    temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest
> {
  checkWorkflowOptions(options);
  const { dataConverter } = context;
  const serialization: WorkflowSerializationContext = {
    type: 'workflow',
    namespace: context.namespace,
    workflowId: options.workflowId,
  };
  const searchAttributes =
    options.searchAttributes || options.typedSearchAttributes
      ? { indexedFields: encodeUnifiedSearchAttributes(options.searchAttributes, options.typedSearchAttributes) }
      : undefined;
  return {
    namespace: context.namespace,
    identity: context.identity,
    requestId: crypto.randomUUID(),
    workflowId: options.workflowId,
    workflowIdReusePolicy: encodeWorkflowIdReusePolicy(options.workflowIdReusePolicy),
    workflowIdConflictPolicy: encodeWorkflowIdConflictPolicy(options.workflowIdConflictPolicy),
    workflowType: { name: workflowType },
    input: {
      payloads: await encodeToPayloadsWithContext(
        dataConverter,
        serialization,
        [...(options.args ?? [])],
        typeInfo?.inputTypes,
      ),
    },
    taskQueue: { kind: protos.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL, name: options.taskQueue },
    workflowExecutionTimeout: options.workflowExecutionTimeout,
    workflowRunTimeout: options.workflowRunTimeout,
    workflowTaskTimeout: options.workflowTaskTimeout,
    workflowStartDelay: options.startDelay,
    retryPolicy: options.retry ? compileRetryPolicy(options.retry) : undefined,
    memo: options.memo ? { fields: await encodeMapToPayloads(dataConverter, options.memo, serialization) } : undefined,
    searchAttributes,
    cronSchedule: options.cronSchedule,
    header: { fields: headers },
    userMetadata: await encodeUserMetadata(dataConverter, options.staticSummary, options.staticDetails, serialization),
    priority: options.priority ? compilePriority(options.priority) : undefined,
  };
}
