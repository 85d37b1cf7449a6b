/**
 * The workflow side of the worker: bundling workflow code (`Bun.build`) and running each workflow
 * run in a deterministic sandbox (`node:vm`): a context of its own, or its place in a context
 * shared by all runs (`reuseV8Context`).
 */
export {
  WorkflowBundleError,
  allowedBuiltinModules,
  bundleReusableWorkflowCode,
  bundleWorkflowCode,
  disallowedBuiltinModules,
  disallowedPackages,
  type ReusableWorkflowBundle,
  type WorkflowBundle,
  type WorkflowBundleDiagnostic,
  type WorkflowBundleOptions,
  type WorkflowBundleSources,
  type WorkflowScript,
} from './bundler';
export {
  WorkflowDeadlockError,
  WorkflowIsolateManager,
  type WorkflowActivationCompletion,
  type WorkflowActivationResult,
  type WorkflowIsolateManagerOptions,
  type WorkflowRunPlacement,
} from './isolate-manager';
export {
  deliverSinkCalls,
  builtInSinks,
  type InjectedSink,
  type InjectedSinkFunction,
  type InjectedSinks,
  type SinkDelivery,
} from './sinks';
export { WorkflowActivationCodecs } from './activation-codecs';
export { MalformedActivationError, workflowInfoFromActivation } from './workflow-info';
