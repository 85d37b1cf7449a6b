/**
 * The connection layer: the process-wide bridge runtime and `NativeConnection`, below both the
 * client and the worker.
 */
export {
  configureNativeConnectionOptions,
  NativeConnection,
  resolveNativeConnectionOptions,
  type NativeConnectionOptions,
  type NativeConnectionPlugin,
  type ResolvedNativeConnectionOptions,
} from './native-connection';
export {
  coreLogFilterString,
  forwardCoreLog,
  MAX_RUNTIME_THREADS,
  onCoreLog,
  Runtime,
  type RuntimeOptions,
  type RuntimeTelemetry,
  runtimeMetricMeter,
  sharedNativeRuntime,
} from './runtime';
export {
  type MetricsExporterConfig,
  type OtelCollectorExporter,
  type PrometheusMetricsExporter,
  RuntimeMetricMeter,
  type TelemetryOptions,
} from './telemetry';
