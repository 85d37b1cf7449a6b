/**
 * What `list()` and `describe()` return: a workflow execution's visibility record with memo and
 * search attributes decoded and the status named.
 */
import type {
  LoadedDataConverter,
  Payload,
  Priority,
  SearchAttributes,
  SearchAttributeValue,
  TypedSearchAttributes,
} from '@temporalio/common';
import { decodePriority } from '@temporalio/common';
import {
  decodeSearchAttributes,
  decodeTypedSearchAttributes,
  searchAttributePayloadConverter,
} from '@temporalio/common/lib/converter/payload-search-attributes';
import {
  decodeMapFromPayloads,
  decodeOptionalSinglePayload,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { optionalTsToDate, requiredTsToDate } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { int64ToNumber } from '../common/proto-values';
import { protos } from '../common/worker-protos';

export type WorkflowExecutionStatusName =
  | 'UNSPECIFIED'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNKNOWN';

export type RawWorkflowExecutionInfo = temporal.api.workflow.v1.IWorkflowExecutionInfo;

export interface WorkflowExecutionInfo {
  type: string;
  workflowId: string;
  runId: string;
  taskQueue: string;
  status: { code: temporal.api.enums.v1.WorkflowExecutionStatus; name: WorkflowExecutionStatusName };
  historyLength: number;
  /** Bytes; absent when the server does not report it. */
  historySize?: number;
  startTime: Date;
  executionTime?: Date;
  closeTime?: Date;
  memo?: Record<string, unknown>;
  searchAttributes: SearchAttributes;
  typedSearchAttributes: TypedSearchAttributes;
  parentExecution?: { workflowId: string; runId: string };
  rootExecution?: { workflowId: string; runId: string };
  priority?: Priority;
  raw: RawWorkflowExecutionInfo;
}

/** `describe()`'s answer: the execution info, the raw response, and the user metadata. */
export type WorkflowExecutionDescription = Omit<WorkflowExecutionInfo, 'raw'> & {
  raw: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse;
  /** The `staticDetails` given at start. */
  staticDetails: () => Promise<string | undefined>;
  /** The `staticSummary` given at start. */
  staticSummary: () => Promise<string | undefined>;
};

export interface CountWorkflowExecution {
  count: number;
  groups: { count: number; groupValues: SearchAttributeValue[] }[];
}

export function workflowStatusName(
  code: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined,
): WorkflowExecutionStatusName {
  const Status = protos.temporal.api.enums.v1.WorkflowExecutionStatus;
  switch (code) {
    case Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED:
      return 'UNSPECIFIED';
    case Status.WORKFLOW_EXECUTION_STATUS_RUNNING:
      return 'RUNNING';
    case Status.WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return 'COMPLETED';
    case Status.WORKFLOW_EXECUTION_STATUS_FAILED:
      return 'FAILED';
    case Status.WORKFLOW_EXECUTION_STATUS_CANCELED:
      return 'CANCELLED';
    case Status.WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return 'TERMINATED';
    case Status.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
      return 'CONTINUED_AS_NEW';
    case Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return 'TIMED_OUT';
    case Status.WORKFLOW_EXECUTION_STATUS_PAUSED:
      return 'PAUSED';
    default:
      return 'UNKNOWN';
  }
}

function execution(
  raw: temporal.api.common.v1.IWorkflowExecution | null | undefined,
): { workflowId: string; runId: string } | undefined {
  return raw ? { workflowId: raw.workflowId ?? '', runId: raw.runId ?? '' } : undefined;
}

/** Decodes a raw visibility record; memo payloads go through the data converter (codecs included). */
export async function executionInfoFromRaw(
  raw: RawWorkflowExecutionInfo,
  dataConverter: LoadedDataConverter,
  namespace: string,
): Promise<Omit<WorkflowExecutionInfo, 'raw'>> {
  const workflowId = raw.execution?.workflowId ?? '';
  const indexedFields = raw.searchAttributes?.indexedFields as Record<string, Payload> | null | undefined;
  const historySize = int64ToNumber(raw.historySizeBytes);
  return {
    type: raw.type?.name ?? '',
    workflowId,
    runId: raw.execution?.runId ?? '',
    taskQueue: raw.taskQueue ?? '',
    status: {
      code: raw.status ?? protos.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED,
      name: workflowStatusName(raw.status),
    },
    historyLength: int64ToNumber(raw.historyLength),
    historySize: historySize > 0 ? historySize : undefined,
    startTime: requiredTsToDate(raw.startTime, 'startTime'),
    executionTime: optionalTsToDate(raw.executionTime),
    closeTime: optionalTsToDate(raw.closeTime),
    memo: await decodeMapFromPayloads(dataConverter, raw.memo?.fields as Record<string, Payload> | null | undefined, {
      type: 'workflow',
      namespace,
      workflowId,
    }),
    searchAttributes: decodeSearchAttributes(indexedFields),
    typedSearchAttributes: decodeTypedSearchAttributes(indexedFields),
    parentExecution: execution(raw.parentExecution),
    rootExecution: execution(raw.rootExecution),
    priority: decodePriority(raw.priority),
  };
}

export async function descriptionFromRaw(
  raw: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse,
  dataConverter: LoadedDataConverter,
  namespace: string,
): Promise<WorkflowExecutionDescription> {
  const info = await executionInfoFromRaw(raw.workflowExecutionInfo ?? {}, dataConverter, namespace);
  const userMetadata = raw.executionConfig?.userMetadata;
  const context = { type: 'workflow', namespace, workflowId: info.workflowId } as const;
  const decodeText = async (payload: temporal.api.common.v1.IPayload | null | undefined) =>
    (await decodeOptionalSinglePayload<string>(dataConverter, payload as Payload | null | undefined, context)) ??
    undefined;
  return {
    ...info,
    raw,
    staticDetails: () => decodeText(userMetadata?.details),
    staticSummary: () => decodeText(userMetadata?.summary),
  };
}

export function countFromRaw(
  raw: temporal.api.workflowservice.v1.ICountWorkflowExecutionsResponse,
): CountWorkflowExecution {
  return {
    count: int64ToNumber(raw.count),
    groups: (raw.groups ?? []).map((group) => ({
      count: int64ToNumber(group.count),
      groupValues: (group.groupValues ?? []).map((value) =>
        searchAttributePayloadConverter.fromPayload(value as Payload),
      ),
    })),
  };
}
