/**
 * Client interceptors, shaped like `@temporalio/client`'s `WorkflowClientInterceptor` so that
 * interceptors written for the official client (`@temporalio/interceptors-opentelemetry`'s
 * `OpenTelemetryWorkflowClientInterceptor`, context propagators) plug in unchanged.
 *
 * Each method receives the call's input and `next`, the rest of the chain: it may change the input
 * (add `headers`, which travel to the server with the request and reach the workflow's and the
 * activities' inbound interceptors), the output, or not call `next` at all. Interceptors run in
 * list order: the first one is the outermost.
 *
 * @example
 * const tenantHeader: WorkflowClientInterceptor = {
 *   async startWithDetails(input, next) {
 *     return next({ ...input, headers: { ...input.headers, tenant: defaultPayloadConverter.toPayload('acme') } });
 *   },
 * };
 * const client = new Client({ connection, interceptors: { workflow: [tenantHeader] } });
 */
import type { Headers, Next, PayloadTypeInfo, SignalTypeInfo, TypeInfo } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { CompiledWorkflowOptions, WorkflowUpdateOptions, WorkflowUpdateStage } from './workflow-options';

export type { Headers, Next };

/** The execution a call targets: `runId` absent means the latest run of `workflowId`. */
export interface WorkflowExecution {
  readonly workflowId: string;
  readonly runId?: string;
}

export type { CompiledWorkflowOptions };

/** Input of {@link WorkflowClientInterceptor.start} and `startWithDetails`. */
export interface WorkflowStartInput {
  /** The workflow type (its function's name). */
  readonly workflowType: string;
  /** Sent with the request; the workflow's interceptors read them (`WorkflowExecuteInput.headers`). */
  readonly headers: Headers;
  readonly options: CompiledWorkflowOptions;
}

/** Output of {@link WorkflowClientInterceptor.startWithDetails}. */
export interface WorkflowStartOutput {
  readonly runId: string;
  /** Whether the server started the workflow eagerly on this worker process. Always false here (no eager start). */
  readonly eagerlyStarted: boolean;
}

/** Input of {@link WorkflowClientInterceptor.signal}. */
export interface WorkflowSignalInput {
  readonly signalName: string;
  readonly args: unknown[];
  readonly typeInfo?: SignalTypeInfo;
  readonly workflowExecution: WorkflowExecution;
  readonly headers: Headers;
}

/** Input of {@link WorkflowClientInterceptor.signalWithStart}. */
export interface WorkflowSignalWithStartInput {
  readonly workflowType: string;
  readonly signalName: string;
  readonly signalArgs: unknown[];
  readonly signalTypeInfo?: SignalTypeInfo;
  /** Sent with the request: both the start and the signal carry them. */
  readonly headers: Headers;
  readonly options: CompiledWorkflowOptions;
}

/** Input of {@link WorkflowClientInterceptor.query}. */
export interface WorkflowQueryInput {
  readonly queryType: string;
  readonly args: unknown[];
  readonly typeInfo?: PayloadTypeInfo;
  readonly workflowExecution: WorkflowExecution;
  readonly queryRejectCondition?: temporal.api.enums.v1.QueryRejectCondition;
  readonly headers: Headers;
}

/** Input of {@link WorkflowClientInterceptor.startUpdate}. */
export interface WorkflowStartUpdateInput {
  readonly updateName: string;
  readonly args: unknown[];
  readonly typeInfo?: PayloadTypeInfo;
  readonly workflowExecution: WorkflowExecution;
  readonly firstExecutionRunId?: string;
  readonly headers: Headers;
  readonly options: WorkflowUpdateOptions & { readonly waitForStage: WorkflowUpdateStage };
}

/** Output of {@link WorkflowClientInterceptor.startUpdate}. */
export interface WorkflowStartUpdateOutput {
  readonly updateId: string;
  readonly workflowRunId: string;
  /** Present when the update had finished when the server answered. */
  readonly outcome?: temporal.api.update.v1.IOutcome;
  /** How to decode the update's result. */
  readonly outputTypeInfo?: TypeInfo;
}

/** Input of {@link WorkflowClientInterceptor.terminate}. */
export interface WorkflowTerminateInput {
  readonly workflowExecution: WorkflowExecution;
  readonly reason?: string;
  readonly details?: unknown[];
  readonly firstExecutionRunId?: string;
}

/** Input of {@link WorkflowClientInterceptor.cancel}. */
export interface WorkflowCancelInput {
  readonly workflowExecution: WorkflowExecution;
  readonly firstExecutionRunId?: string;
}

/** Input of {@link WorkflowClientInterceptor.describe}. */
export interface WorkflowDescribeInput {
  readonly workflowExecution: WorkflowExecution;
}

export type TerminateWorkflowExecutionResponse = temporal.api.workflowservice.v1.ITerminateWorkflowExecutionResponse;
export type RequestCancelWorkflowExecutionResponse =
  temporal.api.workflowservice.v1.IRequestCancelWorkflowExecutionResponse;
export type DescribeWorkflowExecutionResponse = temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse;

/** Implement any of these methods to intercept `client.workflow`'s calls to the server. */
export interface WorkflowClientInterceptor {
  /**
   * Intercepts StartWorkflowExecution, answering the run id.
   *
   * @deprecated as in the official client: implement {@link startWithDetails}. An interceptor with
   * only `start` is adapted to it.
   */
  start?: (input: WorkflowStartInput, next: Next<this, 'start'>) => Promise<string>;
  /** Intercepts StartWorkflowExecution. Implement {@link signalWithStart} too, most likely. */
  startWithDetails?: (input: WorkflowStartInput, next: Next<this, 'startWithDetails'>) => Promise<WorkflowStartOutput>;
  /** Intercepts UpdateWorkflowExecution (`executeUpdate`, `startUpdate`). */
  startUpdate?: (
    input: WorkflowStartUpdateInput,
    next: Next<this, 'startUpdate'>,
  ) => Promise<WorkflowStartUpdateOutput>;
  /** Intercepts SignalWorkflowExecution. */
  signal?: (input: WorkflowSignalInput, next: Next<this, 'signal'>) => Promise<void>;
  /** Intercepts SignalWithStartWorkflowExecution, answering the run id. */
  signalWithStart?: (input: WorkflowSignalWithStartInput, next: Next<this, 'signalWithStart'>) => Promise<string>;
  /** Intercepts QueryWorkflow, answering the decoded result. */
  query?: (input: WorkflowQueryInput, next: Next<this, 'query'>) => Promise<unknown>;
  /** Intercepts TerminateWorkflowExecution. */
  terminate?: (
    input: WorkflowTerminateInput,
    next: Next<this, 'terminate'>,
  ) => Promise<TerminateWorkflowExecutionResponse>;
  /** Intercepts RequestCancelWorkflowExecution. */
  cancel?: (input: WorkflowCancelInput, next: Next<this, 'cancel'>) => Promise<RequestCancelWorkflowExecutionResponse>;
  /** Intercepts DescribeWorkflowExecution (the raw response, before `handle.describe()` decodes it). */
  describe?: (input: WorkflowDescribeInput, next: Next<this, 'describe'>) => Promise<DescribeWorkflowExecutionResponse>;
}

/** `new Client({ interceptors })`: the official `ClientInterceptors`, for the calls this client has. */
export interface ClientInterceptors {
  /** Applied in order to `client.workflow`'s calls (the first is the outermost). */
  workflow?: WorkflowClientInterceptor[];
}

/** The methods of {@link WorkflowClientInterceptor}, checked when a client is made. */
export const WORKFLOW_CLIENT_INTERCEPTOR_METHODS = [
  'start',
  'startWithDetails',
  'startUpdate',
  'signal',
  'signalWithStart',
  'query',
  'terminate',
  'cancel',
  'describe',
] as const satisfies readonly (keyof WorkflowClientInterceptor)[];

/**
 * An interceptor with the legacy `start` only, as one with `startWithDetails` (what the client
 * calls): its `start` sees a `next` that answers the run id, and its answer keeps the rest of the
 * output of the chain below it.
 */
export function withStartWithDetails(interceptor: WorkflowClientInterceptor): WorkflowClientInterceptor {
  const legacyStart = interceptor.start;
  if (interceptor.startWithDetails !== undefined || legacyStart === undefined) return interceptor;
  const adapted = Object.create(interceptor) as WorkflowClientInterceptor;
  adapted.startWithDetails = async (input, next) => {
    let below: WorkflowStartOutput | undefined;
    const runId = await legacyStart.call(interceptor, input, async (changed) => {
      below = await next(changed);
      return below.runId;
    });
    return { eagerlyStarted: below?.eagerlyStarted ?? false, runId };
  };
  return adapted;
}

/**
 * `interceptors` checked: an array of objects whose known methods are functions. Throws a
 * TypeError naming the first bad entry (`interceptors.workflow[1].signal`).
 */
export function checkWorkflowClientInterceptors(interceptors: unknown, owner: string): WorkflowClientInterceptor[] {
  if (interceptors === undefined) return [];
  if (!Array.isArray(interceptors)) {
    throw new TypeError(
      `${owner}: option interceptors.workflow must be an array of WorkflowClientInterceptor objects (the legacy { calls: [factory] } form is not supported)`,
    );
  }
  for (const [index, interceptor] of interceptors.entries()) {
    if (interceptor === null || typeof interceptor !== 'object') {
      throw new TypeError(`${owner}: option interceptors.workflow[${index}] must be an interceptor object`);
    }
    for (const method of WORKFLOW_CLIENT_INTERCEPTOR_METHODS) {
      const value = (interceptor as Record<string, unknown>)[method];
      if (value !== undefined && typeof value !== 'function') {
        throw new TypeError(`${owner}: option interceptors.workflow[${index}].${method} must be a function`);
      }
    }
  }
  return interceptors as WorkflowClientInterceptor[];
}
