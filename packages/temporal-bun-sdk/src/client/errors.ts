/**
 * The client's errors, named like `@temporalio/client`'s so `instanceof` checks port unchanged, and
 * the one place that turns the bridge's `NativeError`s into them.
 */
import {
  NamespaceNotFoundError,
  type RetryState,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import type { google, temporal } from '@temporalio/proto';
import { NativeError } from '../native';
import { fullProtos, protos } from '../common/worker-protos';

/** gRPC status codes the client tells apart (https://grpc.io/docs/guides/status-codes/). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const grpcStatusNames = new Map<number, string>(Object.entries(GrpcStatus).map(([name, code]) => [code, name]));

/** `"NOT_FOUND"` for 5; `"code 99"` for a code this SDK does not know. */
export function grpcStatusName(code: number | undefined): string {
  return code === undefined ? 'no status' : (grpcStatusNames.get(code) ?? `code ${code}`);
}

/**
 * The server answered an RPC with an error the client has no more specific class for. `code` is
 * the gRPC status code (see {@link GrpcStatus}); `cause` is the bridge's `NativeError`.
 */
export class ServiceError extends Error {
  override readonly name: string = 'ServiceError';
  /** gRPC status code, when the server sent one. */
  readonly code: number | undefined;
  override readonly cause: Error | undefined;

  constructor(message: string, options: { cause?: Error; code?: number } = {}) {
    super(message, { cause: options.cause });
    this.cause = options.cause;
    this.code = options.code;
  }
}

/**
 * The client could not reach or handshake with the Temporal server. The message names the address
 * and what to try next.
 */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  override readonly cause: Error | undefined;

  constructor(
    message: string,
    /** The address the client tried. */
    readonly address: string,
    options: { cause?: Error } = {},
  ) {
    super(message, { cause: options.cause });
    this.cause = options.cause;
  }
}

/**
 * The workflow execution closed without a result: it failed, was cancelled, terminated or timed
 * out. `cause` is the failure as a `TemporalFailure` (`ApplicationFailure`, `CancelledFailure`,
 * `TerminatedFailure`, `TimeoutFailure`, …).
 */
export class WorkflowFailedError extends Error {
  override readonly name = 'WorkflowFailedError';
  override readonly cause: Error | undefined;

  constructor(
    message: string,
    cause: Error | undefined,
    readonly retryState: RetryState,
  ) {
    super(message, { cause });
    this.cause = cause;
  }
}

/** The workflow continued as new and the handle was told not to follow runs (`followRuns: false`). */
export class WorkflowContinuedAsNewError extends Error {
  override readonly name = 'WorkflowContinuedAsNewError';
  constructor(
    message: string,
    readonly newExecutionRunId: string,
  ) {
    super(message);
  }
}

/** An update was rejected by its validator or its handler failed; `cause` is the decoded failure. */
export class WorkflowUpdateFailedError extends Error {
  override readonly name = 'WorkflowUpdateFailedError';
  override readonly cause: Error | undefined;

  constructor(message: string, cause: Error | undefined) {
    super(message, { cause });
    this.cause = cause;
  }
}

/** The update RPC timed out or was cancelled; the update itself may still run. */
export class WorkflowUpdateRPCTimeoutOrCancelledError extends Error {
  override readonly name = 'WorkflowUpdateRPCTimeoutOrCancelledError';
  override readonly cause: Error | undefined;

  constructor(message: string, options: { cause?: Error } = {}) {
    super(message, { cause: options.cause });
    this.cause = options.cause;
  }
}

/** The server rejected a query because of the workflow's status (see the client's `queryRejectCondition`). */
export class QueryRejectedError extends Error {
  override readonly name = 'QueryRejectedError';
  constructor(readonly status: temporal.api.enums.v1.WorkflowExecutionStatus) {
    super(
      `Query rejected: the workflow is ${protos.temporal.api.enums.v1.WorkflowExecutionStatus[status] ?? `in status ${status}`}`,
    );
  }
}

/** The workflow has no handler for the query type. */
export class QueryNotRegisteredError extends Error {
  override readonly name = 'QueryNotRegisteredError';
  constructor(
    message: string,
    /** gRPC status code of the answer. */
    readonly code: number,
  ) {
    super(message);
  }
}

/** The query handler threw; `cause` is the decoded failure when the server sent one. */
export class QueryFailedError extends Error {
  override readonly name = 'QueryFailedError';
  override readonly cause: Error | undefined;
  constructor(message: string, cause?: Error) {
    super(message, { cause });
    this.cause = cause;
  }
}

/** What an RPC was about, so errors can name the workflow. */
export interface RpcErrorContext {
  /** What failed, e.g. "Failed to signal Workflow". */
  fallbackMessage: string;
  workflowId?: string;
  runId?: string;
  /** For start: the type of the workflow that could not start. */
  workflowType?: string;
  /** For connection errors: the address. */
  address?: string;
}

/** The `temporal.api.errordetails.v1.*` messages packed into a gRPC status's details. */
export function grpcStatusDetails(error: NativeError): google.protobuf.IAny[] {
  const bytes = error.details.grpcDetails;
  if (!bytes || bytes.length === 0) return [];
  try {
    return fullProtos().google.rpc.Status.decode(bytes).details ?? [];
  } catch {
    return [];
  }
}

/** `"temporal.api.errordetails.v1.NotFoundFailure"` from `"type.googleapis.com/temporal.api.errordetails.v1.NotFoundFailure"`. */
export function detailTypeName(detail: google.protobuf.IAny): string {
  const url = detail.type_url ?? '';
  return url.slice(url.lastIndexOf('/') + 1);
}

/** The advice of every connection error: what to check and how to get a server. */
export function connectionAdvice(address: string): string {
  return (
    `Is a Temporal server running at ${address}? Start one with \`temporal-bun dev-server\` (or \`temporal server start-dev\`), ` +
    `or point the client at yours with TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_API_KEY / TEMPORAL_TLS_* for Temporal Cloud).`
  );
}

/**
 * Turns what an RPC threw into the client's error classes: connection failures into
 * {@link ConnectionError}, gRPC statuses into `WorkflowNotFoundError`, `NamespaceNotFoundError`,
 * `WorkflowExecutionAlreadyStartedError` or {@link ServiceError}. Errors that did not come from
 * the bridge (e.g. a payload codec's) pass through unchanged.
 */
export function toClientError(error: unknown, context: RpcErrorContext): Error {
  if (!(error instanceof NativeError)) {
    return error instanceof Error ? error : new ServiceError(`${context.fallbackMessage}: ${String(error)}`);
  }
  if (error.code === 'CONNECT_FAILED') {
    const address = context.address ?? 'the configured address';
    // The reason is the bridge's structured cause (the OS's or TLS library's words); advice follows once.
    const reason = error.details.cause ?? error.details.grpcMessage ?? error.message;
    return new ConnectionError(
      `Could not connect to Temporal at ${address}: ${reason}. ${connectionAdvice(address)}`,
      address,
      { cause: error },
    );
  }
  const code = error.details.grpcCode;
  const serverMessage = error.details.grpcMessage || error.message;
  for (const detail of grpcStatusDetails(error)) {
    const value = detail.value;
    if (!value) continue;
    switch (detailTypeName(detail)) {
      case 'temporal.api.errordetails.v1.NamespaceNotFoundFailure': {
        const { namespace } = fullProtos().temporal.api.errordetails.v1.NamespaceNotFoundFailure.decode(value);
        return new NamespaceNotFoundError(namespace);
      }
      case 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure':
        return new WorkflowExecutionAlreadyStartedError(
          'Workflow execution already started',
          context.workflowId ?? '',
          context.workflowType ?? '',
        );
    }
  }
  if (code === GrpcStatus.ALREADY_EXISTS && context.workflowType !== undefined) {
    return new WorkflowExecutionAlreadyStartedError(
      'Workflow execution already started',
      context.workflowId ?? '',
      context.workflowType,
    );
  }
  if (code === GrpcStatus.NOT_FOUND && context.workflowId !== undefined) {
    return new WorkflowNotFoundError(serverMessage || 'Workflow not found', context.workflowId, context.runId);
  }
  if (code === GrpcStatus.UNAVAILABLE && context.address !== undefined) {
    return new ServiceError(
      `${context.fallbackMessage}: the server is unavailable (${serverMessage}). ${connectionAdvice(context.address)}`,
      {
        cause: error,
        code,
      },
    );
  }
  return new ServiceError(`${context.fallbackMessage}: ${grpcStatusName(code)}: ${serverMessage}`, {
    cause: error,
    code,
  });
}

/** True when the bridge reported a gRPC DEADLINE_EXCEEDED or CANCELLED (the call ended, the operation may go on). */
export function isTimeoutOrCancelled(error: unknown): boolean {
  const code = error instanceof NativeError ? error.details.grpcCode : undefined;
  return code === GrpcStatus.DEADLINE_EXCEEDED || code === GrpcStatus.CANCELLED;
}
