/**
 * The workflow side of the worker: bundling workflow code (`Bun.build`) and running each workflow
 * run in its own deterministic sandbox (`node:vm`).
 */
export {
  WorkflowBundleError,
  allowedBuiltinModules,
  bundleWorkflowCode,
  disallowedBuiltinModules,
  disallowedPackages,
  type WorkflowBundle,
  type WorkflowBundleDiagnostic,
  type WorkflowBundleOptions,
} from './bundler';
export {
  WorkflowDeadlockError,
  WorkflowIsolateManager,
  WorkflowUnhandledRejectionError,
  type WorkflowActivationCompletion,
  type WorkflowActivationResult,
  type WorkflowIsolateManagerOptions,
  type WorkflowRunPlacement,
} from './isolate-manager';
export {
  deliverSinkCalls,
  workflowLoggerSink,
  type InjectedSink,
  type InjectedSinkFunction,
  type InjectedSinks,
  type SinkDelivery,
} from './sinks';
export { WorkflowActivationCodecs } from './activation-codecs';
export { MalformedActivationError, workflowInfoFromActivation } from './workflow-info';
