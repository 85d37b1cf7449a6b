/**
 * `client.workflow`: start workflows and act on them through handles (result, signal, query,
 * update, cancel, terminate, describe, history), list and count them. Shaped like
 * `@temporalio/client`'s `WorkflowClient`; every call goes through the bridge's RPC.
 */
import {
  CancelledFailure,
  RetryState,
  TerminatedFailure,
  TimeoutFailure,
  TimeoutType,
  decodeRetryState,
  extractWorkflowType,
  type BaseWorkflowHandle,
  type LoadedDataConverter,
  type Payload,
  type PayloadTypeInfo,
  type QueryDefinition,
  type SignalDefinition,
  type TypeInfo,
  type UpdateDefinition,
  type Workflow,
  type WorkflowQueryOptions,
  type WorkflowResultType,
  type WorkflowSerializationContext,
  type WorkflowSignalOptions,
} from '@temporalio/common';
import {
  decodeArrayFromPayloads,
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  encodeToPayloadsWithContext,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { composeInterceptors } from '@temporalio/common/lib/interceptors';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { NativeError, type WorkflowServiceRequest, type WorkflowServiceResponse } from '../native';
import type { Connection } from './connection';
import {
  GrpcStatus,
  QueryFailedError,
  QueryNotRegisteredError,
  QueryRejectedError,
  WorkflowContinuedAsNewError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  detailTypeName,
  grpcStatusDetails,
  isTimeoutOrCancelled,
  toClientError,
  type RpcErrorContext,
} from './errors';
import {
  countFromRaw,
  descriptionFromRaw,
  executionInfoFromRaw,
  type CountWorkflowExecution,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from './execution-info';
import {
  withStartWithDetails,
  type DescribeWorkflowExecutionResponse,
  type Next,
  type RequestCancelWorkflowExecutionResponse,
  type TerminateWorkflowExecutionResponse,
  type WorkflowCancelInput,
  type WorkflowClientInterceptor,
  type WorkflowDescribeInput,
  type WorkflowQueryInput,
  type WorkflowSignalInput,
  type WorkflowSignalWithStartInput,
  type WorkflowStartInput,
  type WorkflowStartOutput,
  type WorkflowStartUpdateInput,
  type WorkflowStartUpdateOutput,
  type WorkflowTerminateInput,
} from './interceptors';
import {
  compileStartFields,
  compileWorkflowOptions,
  encodeQueryRejectCondition,
  encodeWorkflowUpdateStage,
  type QueryRejectCondition,
  type WorkflowSignalWithStartOptions,
  type WorkflowStartOptions,
  type WorkflowUpdateOptions,
  type WorkflowUpdateStage,
} from './workflow-options';
import { fullProtos, protos } from '../common/worker-protos';

/** An update sent to a workflow: its id, and its outcome once the handler has finished. */
export interface WorkflowUpdateHandle<Ret> {
  readonly updateId: string;
  readonly workflowId: string;
  /** The run that received the update, when the server said. */
  readonly workflowRunId?: string;
  /** Waits for the handler's result; throws {@link WorkflowUpdateFailedError} if it was rejected or failed. */
  result(): Promise<Ret>;
}

export interface GetWorkflowUpdateHandleOptions {
  workflowRunId?: string;
  typeInfo?: Pick<PayloadTypeInfo, 'outputType'>;
}

export interface WorkflowResultOptions {
  /** Follow continue-as-new, retries and cron runs to the last run. Default true. */
  followRuns?: boolean;
  typeInfo?: PayloadTypeInfo;
}

export interface GetWorkflowHandleOptions extends WorkflowResultOptions {
  /**
   * The first run of the chain this handle may act on: cancel and terminate fail rather than touch
   * a run of another chain with the same workflow id. `result()` starts from it when no runId is given.
   */
  firstExecutionRunId?: string;
}

/** A workflow execution (or chain of runs) to act on. Methods target the latest run unless the handle has a `runId`. */
export interface WorkflowHandle<T extends Workflow = Workflow> extends BaseWorkflowHandle<T> {
  /** The run this handle targets; `undefined` means the latest run of `workflowId`. */
  readonly runId?: string;
  readonly client: WorkflowClient;
  /** Runs a query handler and returns its answer. Throws {@link QueryRejectedError}, {@link QueryNotRegisteredError} or {@link QueryFailedError}. */
  query<Ret, Args extends any[] = []>(def: QueryDefinition<Ret, Args> | string, ...args: Args): Promise<Ret>;
  queryWithOptions<Ret, Args extends any[] = []>(queryName: string, options: WorkflowQueryOptions<Args>): Promise<Ret>;
  /** Sends an update and waits for the handler's result. Throws {@link WorkflowUpdateFailedError} if the validator rejected it or the handler failed. */
  executeUpdate<Ret, Args extends [any, ...any[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args: Args },
  ): Promise<Ret>;
  executeUpdate<Ret, Args extends [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options?: WorkflowUpdateOptions & { args?: Args },
  ): Promise<Ret>;
  /** Sends an update and returns once the workflow accepted (or rejected) it. */
  startUpdate<Ret, Args extends [any, ...any[]], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args: Args; waitForStage: 'ACCEPTED' },
  ): Promise<WorkflowUpdateHandle<Ret>>;
  startUpdate<Ret, Args extends [], Name extends string = string>(
    def: UpdateDefinition<Ret, Args, Name> | string,
    options: WorkflowUpdateOptions & { args?: Args; waitForStage: 'ACCEPTED' },
  ): Promise<WorkflowUpdateHandle<Ret>>;
  /** A handle on an update sent earlier. */
  getUpdateHandle<Ret>(updateId: string, options?: GetWorkflowUpdateHandleOptions): WorkflowUpdateHandle<Ret>;
  /** Terminates the execution at once (no cleanup runs); `result()` then throws `WorkflowFailedError` with a `TerminatedFailure`. */
  terminate(reason?: string): Promise<temporal.api.workflowservice.v1.ITerminateWorkflowExecutionResponse>;
  /** Requests cancellation; the workflow decides what to do (by default `result()` throws with a `CancelledFailure`). */
  cancel(): Promise<temporal.api.workflowservice.v1.IRequestCancelWorkflowExecutionResponse>;
  describe(): Promise<WorkflowExecutionDescription>;
  /** The run's whole event history. */
  fetchHistory(): Promise<History>;
}

export interface WorkflowHandleWithFirstExecutionRunId<T extends Workflow = Workflow> extends WorkflowHandle<T> {
  /** The run started by `start()`: the first of the chain. */
  readonly firstExecutionRunId: string;
}

export interface WorkflowHandleWithSignaledRunId<T extends Workflow = Workflow> extends WorkflowHandle<T> {
  /** The run that received the signal (new or already running). */
  readonly signaledRunId: string;
}

export interface ListOptions {
  /** A visibility query, e.g. `WorkflowType = 'orderWorkflow' AND ExecutionStatus = 'Running'`. Default: all. */
  query?: string;
  /** Executions fetched per page. Default: the server's (1000). */
  pageSize?: number;
}

/** A listed execution's id and history, from {@link AsyncWorkflowListIterable.intoHistories}. */
export interface HistoryAndWorkflowId {
  workflowId: string;
  history: History;
}

export interface AsyncWorkflowListIterable extends AsyncIterable<WorkflowExecutionInfo> {
  /** The histories of the listed executions, one at a time (for replay tests). */
  intoHistories(): AsyncIterable<HistoryAndWorkflowId>;
}

/** The settings every workflow call needs, resolved by the {@link Client}. */
export interface WorkflowClientContext {
  connection: Connection;
  namespace: string;
  identity: string;
  dataConverter: LoadedDataConverter;
  queryRejectCondition?: QueryRejectCondition;
  /** Applied in order to every call (the first is the outermost); see {@link WorkflowClientInterceptor}. */
  interceptors?: readonly WorkflowClientInterceptor[];
}

interface HandleOptions extends GetWorkflowHandleOptions {
  workflowId: string;
  runId?: string;
  /** Where `result()` starts. */
  runIdForResult?: string;
}

/** The workflow half of {@link Client}: `client.workflow`. */
export class WorkflowClient {
  readonly connection: Connection;
  readonly options: Readonly<WorkflowClientContext>;
  /** `options.interceptors`, with legacy `start`-only interceptors adapted to `startWithDetails`. */
  readonly #interceptors: WorkflowClientInterceptor[];

  constructor(context: WorkflowClientContext) {
    this.connection = context.connection;
    this.options = context;
    this.#interceptors = (context.interceptors ?? []).map(withStartWithDetails);
  }

  get dataConverter(): LoadedDataConverter {
    return this.options.dataConverter;
  }

  /**
   * Starts a workflow and returns a handle on it. Throws `WorkflowExecutionAlreadyStartedError`
   * when a workflow with this id is running (or, per `workflowIdReusePolicy`, has run).
   *
   * @example
   * const handle = await client.workflow.start(orderWorkflow, { taskQueue: 'orders', workflowId: 'order-42', args: [order] });
   */
  async start<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    options: WorkflowStartOptions<T>,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<T>> {
    const workflowType = extractWorkflowType(workflowTypeOrFunc);
    const startWithDetails = this.#chain('startWithDetails', (input) => this.#startHandler(input));
    const { runId } = await startWithDetails({ workflowType, headers: {}, options: compileWorkflowOptions(options) });
    const handle = this.#createHandle<T>({
      workflowId: options.workflowId,
      firstExecutionRunId: runId,
      runIdForResult: runId,
      followRuns: options.followRuns,
      typeInfo: options.typeInfo,
    });
    return Object.assign(handle, { firstExecutionRunId: runId });
  }

  /** Starts a workflow and waits for its result (see {@link WorkflowHandle.result}). */
  async execute<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    options: WorkflowStartOptions<T>,
  ): Promise<WorkflowResultType<T>> {
    const handle = await this.start(workflowTypeOrFunc, options);
    return await handle.result();
  }

  /**
   * Sends a signal to the running workflow with this id, starting it first if none is running
   * (atomically, on the server).
   */
  async signalWithStart<T extends Workflow, SignalArgs extends any[] = []>(
    workflowTypeOrFunc: string | T,
    options: WorkflowSignalWithStartOptions<SignalArgs> & { args?: Parameters<T> | Readonly<Parameters<T>> },
  ): Promise<WorkflowHandleWithSignaledRunId<T>> {
    const workflowType = extractWorkflowType(workflowTypeOrFunc);
    const signalName = typeof options.signal === 'string' ? options.signal : options.signal.name;
    const signalTypeInfo =
      options.signalTypeInfo ?? (typeof options.signal === 'string' ? undefined : options.signal.typeInfo);
    const { signal: _signal, signalArgs, signalTypeInfo: _signalTypeInfo, ...startOptions } = options;
    const signalWithStart = this.#chain('signalWithStart', (input) => this.#signalWithStartHandler(input));
    const runId = await signalWithStart({
      workflowType,
      signalName,
      signalArgs: [...((signalArgs as readonly unknown[] | undefined) ?? [])],
      signalTypeInfo,
      headers: {},
      options: compileWorkflowOptions(startOptions),
    });
    const handle = this.#createHandle<T>({
      workflowId: options.workflowId,
      runIdForResult: runId,
      followRuns: options.followRuns,
      typeInfo: options.typeInfo,
    });
    return Object.assign(handle, { signaledRunId: runId });
  }

  /**
   * A handle on an existing workflow, without asking the server: an unknown id shows up as
   * `WorkflowNotFoundError` from the handle's methods.
   */
  getHandle<T extends Workflow>(
    workflowId: string,
    runId?: string,
    options: GetWorkflowHandleOptions = {},
  ): WorkflowHandle<T> {
    return this.#createHandle<T>({
      ...options,
      workflowId,
      runId,
      runIdForResult: runId ?? options.firstExecutionRunId,
    });
  }

  /**
   * Waits for the workflow to close (long-polling its close event) and returns its result. With
   * `followRuns` (default), a run that continued as new, failed into a retry or completed into
   * the next cron run is followed to the next run. Throws {@link WorkflowFailedError} with the
   * failure as `cause` when the last run failed, was cancelled, terminated or timed out.
   */
  async result<T extends Workflow>(
    workflowId: string,
    runId?: string,
    options: WorkflowResultOptions = {},
  ): Promise<WorkflowResultType<T>> {
    const EventType = protos.temporal.api.enums.v1.EventType;
    const followRuns = options.followRuns ?? true;
    const context = this.#serializationContext(workflowId);
    let currentRunId = runId;
    let nextPageToken: Uint8Array | undefined;
    for (;;) {
      const request: WorkflowServiceRequest<'GetWorkflowExecutionHistory'> = {
        namespace: this.options.namespace,
        execution: { workflowId, runId: currentRunId },
        skipArchival: true,
        waitNewEvent: true,
        historyEventFilterType:
          protos.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        nextPageToken,
      };
      let response: WorkflowServiceResponse<'GetWorkflowExecutionHistory'>;
      try {
        response = await this.connection.call('GetWorkflowExecutionHistory', request);
      } catch (error) {
        if (isTimeoutOrCancelled(error)) continue; // the long poll ended without news: poll again
        throw toClientError(
          error,
          this.#errorContext('Failed to get Workflow execution history', workflowId, currentRunId),
        );
      }
      const event = response.history?.events?.[0];
      if (!event) {
        nextPageToken =
          response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : undefined;
        continue;
      }
      nextPageToken = undefined;
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
          const attributes = event.workflowExecutionCompletedEventAttributes;
          if (followRuns && attributes?.newExecutionRunId) {
            currentRunId = attributes.newExecutionRunId; // the next cron run
            continue;
          }
          return await decodeFromPayloadsAtIndex(
            this.dataConverter,
            0,
            attributes?.result?.payloads as Payload[] | null | undefined,
            context,
            options.typeInfo?.outputType as TypeInfo<WorkflowResultType<T>> | undefined,
          );
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
          const attributes = event.workflowExecutionFailedEventAttributes;
          if (followRuns && attributes?.newExecutionRunId) {
            currentRunId = attributes.newExecutionRunId; // the next attempt of the retry policy
            continue;
          }
          const cause = await decodeOptionalFailureToOptionalError(this.dataConverter, attributes?.failure, context);
          throw new WorkflowFailedError(
            'Workflow execution failed',
            cause,
            decodeRetryState(attributes?.retryState) ?? RetryState.NON_RETRYABLE_FAILURE,
          );
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: {
          const details = await decodeArrayFromPayloads(
            this.dataConverter,
            event.workflowExecutionCanceledEventAttributes?.details?.payloads as Payload[] | null | undefined,
            context,
          );
          const failure = new CancelledFailure('Workflow canceled', details);
          failure.stack = '';
          throw new WorkflowFailedError('Workflow execution cancelled', failure, RetryState.NON_RETRYABLE_FAILURE);
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: {
          const reason = event.workflowExecutionTerminatedEventAttributes?.reason || 'Workflow execution terminated';
          const failure = new TerminatedFailure(reason);
          failure.stack = '';
          throw new WorkflowFailedError(reason, failure, RetryState.NON_RETRYABLE_FAILURE);
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: {
          const attributes = event.workflowExecutionTimedOutEventAttributes;
          if (followRuns && attributes?.newExecutionRunId) {
            currentRunId = attributes.newExecutionRunId;
            continue;
          }
          const failure = new TimeoutFailure('Workflow execution timed out', undefined, TimeoutType.START_TO_CLOSE);
          failure.stack = '';
          throw new WorkflowFailedError(
            'Workflow execution timed out',
            failure,
            decodeRetryState(attributes?.retryState) ?? RetryState.TIMEOUT,
          );
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: {
          const newExecutionRunId = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
          if (!newExecutionRunId)
            throw new TypeError('the server sent a continued-as-new event without newExecutionRunId');
          if (!followRuns)
            throw new WorkflowContinuedAsNewError('Workflow execution continued as new', newExecutionRunId);
          currentRunId = newExecutionRunId;
          continue;
        }
        default:
          throw new TypeError(`the server sent ${EventType[event.eventType ?? 0] ?? event.eventType} as a close event`);
      }
    }
  }

  /**
   * Workflow executions matching a visibility query, page by page (lazily). Visibility is
   * eventually consistent: a workflow started a moment ago may not be listed yet.
   *
   * @example
   * for await (const info of client.workflow.list({ query: "WorkflowType = 'orderWorkflow'" })) console.log(info.workflowId, info.status.name);
   */
  list(options: ListOptions = {}): AsyncWorkflowListIterable {
    return {
      [Symbol.asyncIterator]: () => this.#list(options),
      intoHistories: () => this.#listHistories(options),
    };
  }

  /** How many executions match the query (all when absent); with `GROUP BY`, per group. Eventually consistent. */
  async count(query?: string): Promise<CountWorkflowExecution> {
    const response = await this.connection.callForClient(
      'CountWorkflowExecutions',
      { namespace: this.options.namespace, query },
      { fallbackMessage: 'Failed to count workflows' },
    );
    return countFromRaw(response);
  }

  async *#list(options: ListOptions): AsyncGenerator<WorkflowExecutionInfo> {
    let nextPageToken: Uint8Array | undefined;
    do {
      const response = await this.connection.callForClient(
        'ListWorkflowExecutions',
        { namespace: this.options.namespace, query: options.query, pageSize: options.pageSize, nextPageToken },
        { fallbackMessage: 'Failed to list workflows' },
      );
      for (const raw of response.executions ?? []) {
        yield { ...(await executionInfoFromRaw(raw, this.dataConverter, this.options.namespace)), raw };
      }
      nextPageToken = response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : undefined;
    } while (nextPageToken);
  }

  async *#listHistories(options: ListOptions): AsyncGenerator<HistoryAndWorkflowId> {
    for await (const { workflowId, runId } of this.#list(options)) {
      yield { workflowId, history: await this.getHandle(workflowId, runId).fetchHistory() };
    }
  }

  /** `method` of the client's interceptors, in order, around `last` (the call itself). */
  #chain<Method extends keyof WorkflowClientInterceptor>(
    method: Method,
    last: Next<WorkflowClientInterceptor, Method>,
  ): Next<WorkflowClientInterceptor, Method> {
    return composeInterceptors(this.#interceptors, method, last);
  }

  async #startHandler(input: WorkflowStartInput): Promise<WorkflowStartOutput> {
    const { workflowType, options } = input;
    const request = await compileStartFields(workflowType, options, options.typeInfo, this.options, input.headers);
    const response = await this.connection.callForClient('StartWorkflowExecution', request, {
      fallbackMessage: 'Failed to start Workflow',
      workflowId: options.workflowId,
      workflowType,
    });
    return { runId: response.runId ?? '', eagerlyStarted: false };
  }

  async #signalWithStartHandler(input: WorkflowSignalWithStartInput): Promise<string> {
    const { workflowType, options } = input;
    const startFields = await compileStartFields(workflowType, options, options.typeInfo, this.options, input.headers);
    const request: temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest = {
      ...startFields,
      signalName: input.signalName,
      signalInput: {
        payloads: await this.#encode(options.workflowId, input.signalArgs, input.signalTypeInfo?.inputTypes),
      },
    };
    const response = await this.connection.callForClient('SignalWithStartWorkflowExecution', request, {
      fallbackMessage: 'Failed to signalWithStart Workflow',
      workflowId: options.workflowId,
      workflowType,
    });
    return response.runId ?? '';
  }

  #serializationContext(workflowId: string): WorkflowSerializationContext {
    return { type: 'workflow', namespace: this.options.namespace, workflowId };
  }

  #errorContext(fallbackMessage: string, workflowId: string, runId: string | undefined): RpcErrorContext {
    return { fallbackMessage, workflowId, runId, address: this.connection.options.address };
  }

  async #encode(
    workflowId: string,
    args: readonly unknown[],
    typeInfo: readonly TypeInfo[] | undefined,
  ): Promise<Payload[]> {
    return (
      (await encodeToPayloadsWithContext(
        this.dataConverter,
        this.#serializationContext(workflowId),
        [...args],
        typeInfo,
      )) ?? []
    );
  }

  async #signal(
    workflowId: string,
    runId: string | undefined,
    signalName: string,
    args: readonly unknown[],
    options: WorkflowSignalOptions<unknown[]>,
  ): Promise<void> {
    const signal = this.#chain('signal', (input) => this.#signalHandler(input));
    await signal({
      signalName,
      args: [...args],
      typeInfo: options.typeInfo,
      workflowExecution: { workflowId, runId },
      headers: {},
    });
  }

  async #signalHandler(input: WorkflowSignalInput): Promise<void> {
    const { workflowId, runId } = input.workflowExecution;
    await this.connection.callForClient(
      'SignalWorkflowExecution',
      {
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: crypto.randomUUID(),
        workflowExecution: { workflowId, runId },
        signalName: input.signalName,
        header: { fields: input.headers },
        input: { payloads: await this.#encode(workflowId, input.args, input.typeInfo?.inputTypes) },
      },
      this.#errorContext('Failed to signal Workflow', workflowId, runId),
    );
  }

  async #query<Ret>(
    workflowId: string,
    runId: string | undefined,
    queryType: string,
    args: readonly unknown[],
    typeInfo: PayloadTypeInfo | undefined,
  ): Promise<Ret> {
    const query = this.#chain('query', (input) => this.#queryHandler(input));
    return (await query({
      queryType,
      args: [...args],
      typeInfo,
      workflowExecution: { workflowId, runId },
      queryRejectCondition: encodeQueryRejectCondition(this.options.queryRejectCondition),
      headers: {},
    })) as Ret;
  }

  async #queryHandler(input: WorkflowQueryInput): Promise<unknown> {
    const { workflowId, runId } = input.workflowExecution;
    const { typeInfo } = input;
    const request: WorkflowServiceRequest<'QueryWorkflow'> = {
      namespace: this.options.namespace,
      execution: { workflowId, runId },
      queryRejectCondition: input.queryRejectCondition,
      query: {
        queryType: input.queryType,
        queryArgs: { payloads: await this.#encode(workflowId, input.args, typeInfo?.inputTypes) },
        header: { fields: input.headers },
      },
    };
    let response: WorkflowServiceResponse<'QueryWorkflow'>;
    try {
      response = await this.connection.call('QueryWorkflow', request);
    } catch (error) {
      throw await this.#queryError(error, workflowId, runId);
    }
    if (response.queryRejected) {
      throw new QueryRejectedError(
        response.queryRejected.status ??
          protos.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED,
      );
    }
    return await decodeFromPayloadsAtIndex(
      this.dataConverter,
      0,
      response.queryResult?.payloads as Payload[] | null | undefined,
      this.#serializationContext(workflowId),
      typeInfo?.outputType,
    );
  }

  /** A failed query: the handler is missing (QueryNotRegisteredError) or threw (QueryFailedError), else an RPC error. */
  async #queryError(error: unknown, workflowId: string, runId: string | undefined): Promise<Error> {
    if (!(error instanceof NativeError) || error.details.grpcCode !== GrpcStatus.INVALID_ARGUMENT) {
      return toClientError(error, this.#errorContext('Failed to query Workflow', workflowId, runId));
    }
    const message = error.details.grpcMessage || error.message;
    let failure: temporal.api.failure.v1.IFailure | null | undefined;
    for (const detail of grpcStatusDetails(error)) {
      if (detail.value && detailTypeName(detail) === 'temporal.api.errordetails.v1.QueryFailedFailure') {
        failure = fullProtos().temporal.api.errordetails.v1.QueryFailedFailure.decode(detail.value).failure;
      }
    }
    // The workflow's runtime answers an unknown query type with "Workflow did not register a handler for <name>".
    if (/did not register a handler|not registered|unknown query/i.test(failure?.message ?? message)) {
      return new QueryNotRegisteredError(failure?.message || message, GrpcStatus.INVALID_ARGUMENT);
    }
    const cause = await decodeOptionalFailureToOptionalError(
      this.dataConverter,
      failure,
      this.#serializationContext(workflowId),
    );
    return new QueryFailedError(`Query failed: ${failure?.message || message}`, cause);
  }

  async #startUpdate<Ret>(
    handle: HandleOptions,
    updateName: string,
    args: readonly unknown[],
    options: WorkflowUpdateOptions,
    waitForStage: WorkflowUpdateStage,
  ): Promise<WorkflowUpdateHandle<Ret>> {
    const startUpdate = this.#chain('startUpdate', (input) => this.#startUpdateHandler(input));
    const output = await startUpdate({
      updateName,
      args: [...args],
      typeInfo: options.typeInfo,
      workflowExecution: { workflowId: handle.workflowId, runId: handle.runId },
      firstExecutionRunId: handle.firstExecutionRunId,
      headers: {},
      options: { ...options, waitForStage },
    });
    return this.#createUpdateHandle<Ret>(
      output.updateId,
      handle.workflowId,
      output.workflowRunId || undefined,
      output.outcome,
      output.outputTypeInfo,
    );
  }

  async #startUpdateHandler(input: WorkflowStartUpdateInput): Promise<WorkflowStartUpdateOutput> {
    const { workflowId, runId } = input.workflowExecution;
    const updateId = input.options.updateId ?? crypto.randomUUID();
    const request: WorkflowServiceRequest<'UpdateWorkflowExecution'> = {
      namespace: this.options.namespace,
      workflowExecution: { workflowId, runId },
      firstExecutionRunId: input.firstExecutionRunId,
      waitPolicy: { lifecycleStage: encodeWorkflowUpdateStage(input.options.waitForStage) },
      request: {
        meta: { updateId, identity: this.options.identity },
        input: {
          header: { fields: input.headers },
          name: input.updateName,
          args: { payloads: await this.#encode(workflowId, input.args, input.typeInfo?.inputTypes) },
        },
      },
    };
    let response: WorkflowServiceResponse<'UpdateWorkflowExecution'>;
    try {
      // The server answers ADMITTED when its own wait ends first; asking again (same update id) attaches to the same update.
      do {
        response = await this.connection.call('UpdateWorkflowExecution', request);
      } while (
        (response.stage ?? 0) <
        protos.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
          .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
      );
    } catch (error) {
      throw this.#updateError(error, 'Workflow Update failed', workflowId, runId);
    }
    return {
      updateId,
      workflowRunId: response.updateRef?.workflowExecution?.runId ?? '',
      outcome: response.outcome ?? undefined,
      outputTypeInfo: input.typeInfo?.outputType,
    };
  }

  #updateError(error: unknown, fallbackMessage: string, workflowId: string, runId: string | undefined): Error {
    if (isTimeoutOrCancelled(error)) {
      return new WorkflowUpdateRPCTimeoutOrCancelledError(
        `${fallbackMessage}: the call timed out or was cancelled (the update may still run)`,
        {
          cause: error as Error,
        },
      );
    }
    return toClientError(error, this.#errorContext(fallbackMessage, workflowId, runId));
  }

  #createUpdateHandle<Ret>(
    updateId: string,
    workflowId: string,
    workflowRunId: string | undefined,
    knownOutcome: temporal.api.update.v1.IOutcome | undefined,
    outputType: TypeInfo | undefined,
  ): WorkflowUpdateHandle<Ret> {
    return {
      updateId,
      workflowId,
      workflowRunId,
      result: async () => {
        const outcome = knownOutcome ?? (await this.#pollUpdateOutcome(updateId, workflowId, workflowRunId));
        const context = this.#serializationContext(workflowId);
        if (outcome.failure) {
          throw new WorkflowUpdateFailedError(
            'Workflow Update failed',
            await decodeOptionalFailureToOptionalError(this.dataConverter, outcome.failure, context),
          );
        }
        return await decodeFromPayloadsAtIndex(
          this.dataConverter,
          0,
          outcome.success?.payloads as Payload[] | null | undefined,
          context,
          outputType as TypeInfo<Ret> | undefined,
        );
      },
    };
  }

  async #pollUpdateOutcome(
    updateId: string,
    workflowId: string,
    runId: string | undefined,
  ): Promise<temporal.api.update.v1.IOutcome> {
    for (;;) {
      let response: WorkflowServiceResponse<'PollWorkflowExecutionUpdate'>;
      try {
        response = await this.connection.call('PollWorkflowExecutionUpdate', {
          namespace: this.options.namespace,
          updateRef: { workflowExecution: { workflowId, runId }, updateId },
          identity: this.options.identity,
          waitPolicy: {
            lifecycleStage:
              protos.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
                .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
          },
        });
      } catch (error) {
        if (isTimeoutOrCancelled(error)) continue; // the long poll ended without an outcome: poll again
        throw this.#updateError(error, 'Workflow Update poll failed', workflowId, runId);
      }
      if (response.outcome) return response.outcome;
    }
  }

  async #fetchHistory(workflowId: string, runId: string | undefined): Promise<History> {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await this.connection.callForClient(
        'GetWorkflowExecutionHistory',
        { namespace: this.options.namespace, execution: { workflowId, runId }, nextPageToken },
        this.#errorContext('Failed to fetch Workflow history', workflowId, runId),
      );
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return protos.temporal.api.history.v1.History.create({ events: events as temporal.api.history.v1.HistoryEvent[] });
  }

  async #terminateHandler(input: WorkflowTerminateInput): Promise<TerminateWorkflowExecutionResponse> {
    const { workflowId, runId } = input.workflowExecution;
    return await this.connection.callForClient(
      'TerminateWorkflowExecution',
      {
        namespace: this.options.namespace,
        identity: this.options.identity,
        workflowExecution: { workflowId, runId },
        reason: input.reason,
        details:
          input.details === undefined || input.details.length === 0
            ? undefined
            : { payloads: await this.#encode(workflowId, input.details, undefined) },
        firstExecutionRunId: input.firstExecutionRunId,
      },
      this.#errorContext('Failed to terminate Workflow', workflowId, runId),
      // Not retried: a retry after a lost answer would fail on the terminated workflow.
      { retry: false },
    );
  }

  async #cancelHandler(input: WorkflowCancelInput): Promise<RequestCancelWorkflowExecutionResponse> {
    const { workflowId, runId } = input.workflowExecution;
    return await this.connection.callForClient(
      'RequestCancelWorkflowExecution',
      {
        namespace: this.options.namespace,
        identity: this.options.identity,
        requestId: crypto.randomUUID(),
        workflowExecution: { workflowId, runId },
        firstExecutionRunId: input.firstExecutionRunId,
      },
      this.#errorContext('Failed to cancel Workflow', workflowId, runId),
    );
  }

  async #describeHandler(input: WorkflowDescribeInput): Promise<DescribeWorkflowExecutionResponse> {
    const { workflowId, runId } = input.workflowExecution;
    return await this.connection.callForClient(
      'DescribeWorkflowExecution',
      { namespace: this.options.namespace, execution: { workflowId, runId } },
      this.#errorContext('Failed to describe Workflow', workflowId, runId),
    );
  }

  #createHandle<T extends Workflow>(options: HandleOptions): WorkflowHandle<T> {
    const { workflowId, runId, firstExecutionRunId } = options;
    const resultOptions: WorkflowResultOptions = { followRuns: options.followRuns ?? true, typeInfo: options.typeInfo };
    const startUpdate = (
      def: UpdateDefinition<unknown, any[]> | string,
      updateOptions: (WorkflowUpdateOptions & { args?: readonly unknown[] }) | undefined,
      stage: WorkflowUpdateStage,
    ) => {
      const name = typeof def === 'string' ? def : def.name;
      const typeInfo = updateOptions?.typeInfo ?? (typeof def === 'string' ? undefined : def.typeInfo);
      return this.#startUpdate<any>(options, name, updateOptions?.args ?? [], { ...updateOptions, typeInfo }, stage);
    };
    const handle: WorkflowHandle<T> = {
      client: this,
      workflowId,
      runId,
      result: () => this.result<T>(workflowId, options.runIdForResult, resultOptions),
      signal: async (def: SignalDefinition<any[]> | string, ...args: unknown[]) => {
        const name = typeof def === 'string' ? def : def.name;
        await this.#signal(workflowId, runId, name, args, {
          typeInfo: typeof def === 'string' ? undefined : def.typeInfo,
        });
      },
      signalWithOptions: async (signalName: string, signalOptions: WorkflowSignalOptions<any[]>) => {
        await this.#signal(workflowId, runId, signalName, signalOptions.args ?? [], signalOptions);
      },
      query: (def: QueryDefinition<any, any[]> | string, ...args: unknown[]) =>
        this.#query(
          workflowId,
          runId,
          typeof def === 'string' ? def : def.name,
          args,
          typeof def === 'string' ? undefined : def.typeInfo,
        ),
      queryWithOptions: (queryName: string, queryOptions: WorkflowQueryOptions<any[]>) =>
        this.#query(workflowId, runId, queryName, queryOptions.args ?? [], queryOptions.typeInfo),
      executeUpdate: async (
        def: UpdateDefinition<any, any[]> | string,
        updateOptions?: WorkflowUpdateOptions & { args?: readonly unknown[] },
      ) => await (await startUpdate(def, updateOptions, 'COMPLETED')).result(),
      startUpdate: (
        def: UpdateDefinition<any, any[]> | string,
        updateOptions: WorkflowUpdateOptions & { args?: readonly unknown[]; waitForStage: 'ACCEPTED' },
      ) => startUpdate(def, updateOptions, updateOptions.waitForStage),
      getUpdateHandle: <Ret>(updateId: string, updateOptions: GetWorkflowUpdateHandleOptions = {}) =>
        this.#createUpdateHandle<Ret>(
          updateId,
          workflowId,
          updateOptions.workflowRunId ?? runId,
          undefined,
          updateOptions.typeInfo?.outputType,
        ),
      terminate: (reason?: string) =>
        this.#chain('terminate', (input) => this.#terminateHandler(input))({
          workflowExecution: { workflowId, runId },
          reason,
          firstExecutionRunId,
        }),
      cancel: () =>
        this.#chain('cancel', (input) => this.#cancelHandler(input))({
          workflowExecution: { workflowId, runId },
          firstExecutionRunId,
        }),
      describe: async () => {
        const raw = await this.#chain('describe', (input) => this.#describeHandler(input))({
          workflowExecution: { workflowId, runId },
        });
        return await descriptionFromRaw(raw, this.dataConverter, this.options.namespace);
      },
      fetchHistory: () => this.#fetchHistory(workflowId, runId),
    } as WorkflowHandle<T>;
    return handle;
  }
}
