/**
 * The Temporal client for Bun, shaped like `@temporalio/client`: code ports by changing the import.
 *
 * @example
 * import { Client, Connection } from 'temporal-bun-sdk/client';
 * const connection = await Connection.connect(); // TEMPORAL_ADDRESS / temporal.toml / localhost:7233
 * const client = new Client({ connection });
 * const handle = await client.workflow.start('orderWorkflow', { taskQueue: 'orders', workflowId: 'order-42', args: [order] });
 * console.log(await handle.result());
 */
export { Client, type ClientOptions, type ClientPlugin } from './client';
export {
  Connection,
  type ConnectionOptions,
  type ConnectionPlugin,
  type ResolvedConnectionOptions,
  type WorkflowServiceCalls,
} from './connection';
export {
  ConnectionError,
  GrpcStatus,
  QueryFailedError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowContinuedAsNewError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from './errors';
export type {
  ClientInterceptors,
  DescribeWorkflowExecutionResponse,
  Headers,
  Next,
  RequestCancelWorkflowExecutionResponse,
  TerminateWorkflowExecutionResponse,
  WorkflowCancelInput,
  WorkflowClientInterceptor,
  WorkflowDescribeInput,
  WorkflowExecution,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartOutput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateOutput,
  WorkflowTerminateInput,
} from './interceptors';
export type { NativeConnectionPlugin } from '../connection';
export type {
  CountWorkflowExecution,
  RawWorkflowExecutionInfo,
  WorkflowExecutionDescription,
  WorkflowExecutionInfo,
  WorkflowExecutionStatusName,
} from './execution-info';
export {
  WorkflowClient,
  type AsyncWorkflowListIterable,
  type GetWorkflowHandleOptions,
  type GetWorkflowUpdateHandleOptions,
  type HistoryAndWorkflowId,
  type ListOptions,
  type WorkflowClientContext,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowHandleWithSignaledRunId,
  type WorkflowResultOptions,
  type WorkflowUpdateHandle,
} from './workflow-client';
export {
  WorkerDeploymentClient,
  type SetWorkerDeploymentVersionOptions,
  type SetWorkerDeploymentVersionResult,
  type WorkerDeploymentDescription,
  type WorkerDeploymentDrainageStatus,
  type WorkerDeploymentRoutingConfig,
  type WorkerDeploymentVersionStatus,
  type WorkerDeploymentVersionSummary,
} from './worker-deployment-client';
export {
  type CompiledWorkflowOptions,
  QueryRejectCondition,
  WorkflowOptionsError,
  WorkflowUpdateStage,
  type WorkflowOptions,
  type WorkflowSignalWithStartOptions,
  type WorkflowStartOptions,
  type WorkflowUpdateOptions,
} from './workflow-options';
export {
  CONNECTION_DEFAULTS,
  ENV_VARS,
  EnvConfigError,
  loadClientConnectConfig,
  resolveConnectionOptions,
  type ClientConnectConfig,
  type LoadClientConnectConfigOptions,
  type TLSConfig,
  type TLSConfigOption,
} from '../config';
// What @temporalio/client re-exports from @temporalio/common, so `instanceof` checks and option values port unchanged.
export {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  NamespaceNotFoundError,
  RetryState,
  ServerFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  TimeoutType,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  defaultPayloadConverter,
  type DataConverter,
  type PayloadCodec,
  type RetryPolicy,
} from '@temporalio/common';
