export { createWorker, Worker, type WorkerState } from './worker';
export { WORKER_DEFAULTS, WorkerOptionsError, type WorkerOptions, type WorkerInterceptors } from './options';
export { NativeConnection, type NativeConnectionOptions } from './connection';
export { ConsoleLogger, type Logger, type LogLevel, type LogMetadata } from './logger';
export type {
  ActivityTaskEvent,
  LatencySummary,
  PollWaitEvent,
  WorkerMetricEvent,
  WorkerMetricsOptions,
  WorkerMetricsSnapshot,
  WorkflowActivationEvent,
} from './metrics';
export { createPollingLoop, type PollingLoop, type PollingLoopOptions } from './polling-loop';
