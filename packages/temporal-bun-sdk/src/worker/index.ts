export { createWorker, Worker, type WorkerState } from './worker';
export {
  WORKER_DEFAULTS,
  WORKER_LIMITS,
  WorkerOptionsError,
  UnsupportedSlotSupplierError,
  type WorkerOptions,
  type WorkerInterceptors,
  type WorkerDeploymentOptions,
  type WorkerTuner,
  type TunerHolder,
  type ResourceBasedTuner,
  type ResourceBasedTunerOptions,
  type ResourceBasedSlotOptions,
  type ResourceBasedSlotsForType,
  type SlotSupplier,
  type FixedSizeSlotSupplier,
  type CustomSlotSupplier,
  type PollerBehavior,
  type PollerBehaviorSimpleMaximum,
  type PollerBehaviorAutoscaling,
} from './options';
export {
  NativeConnection,
  Runtime,
  type NativeConnectionOptions,
  type NativeConnectionPlugin,
  type RuntimeOptions,
  type RuntimeTelemetry,
  type TelemetryOptions,
  type MetricsExporterConfig,
  type PrometheusMetricsExporter,
  type OtelCollectorExporter,
} from '../connection';
export type { WorkerPlugin } from './plugins';
export { BaseLogger, ConsoleLogger, type Logger, type LogLevel, type LogMetadata } from '../common/logger';
export type {
  ActivityTaskEvent,
  LatencySummary,
  PollWaitEvent,
  WorkerMetricEvent,
  WorkerMetricsOptions,
  WorkerMetricsSnapshot,
  WorkflowActivationEvent,
} from './metrics';
export {
  runReplayHistory,
  runReplayHistories,
  ReplayError,
  type ReplayOptions,
  type ReplayHistoryInput,
} from './replay';
export {
  bundleWorkflowCode,
  WorkflowBundleError,
  type BundlerPlugin,
  type WorkflowBundle,
  type WorkflowBundleOptions,
} from '../workflow/bundler';
export { buildPrebuiltWorkflowBundle, type WorkflowBundleOption } from '../workflow/prebuilt-bundle';
export { PeerPackageVersionError, SDK_VERSION } from '../common/package-info';
export { BridgeLibraryError } from '../native/library';
export type { InjectedSinks, InjectedSinkFunction } from '../workflow/sinks';
export { createActivityRegistry, ActivityRegistrationError } from '../activity/registry';
export type {
  ActivityInterceptorsFactory,
  ActivityInboundCallsInterceptor,
  ActivityOutboundCallsInterceptor,
} from '../activity/interceptors';
