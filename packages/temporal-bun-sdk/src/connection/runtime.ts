/**
 * The process-wide bridge runtime (sdk-core's threads, telemetry and completion queue) that every
 * connection, worker and replayer of the process shares, its options, and sdk-core's log records.
 */
import { IllegalStateError, type MetricMeter, noopMetricMeter } from '@temporalio/common';
import { MAX_RUNTIME_THREADS, MAX_TIMER_MS } from '../common/defaults';
import { LEVEL_ORDER, type LogLevel, type Logger } from '../common/logger';
import { type NativeLogRecord, NativeRuntime } from '../native';
import { nativeMetricsOptions, RuntimeMetricMeter, type TelemetryOptions } from './telemetry';

type CoreLogListener = (record: NativeLogRecord) => void;

/** Options of the process-wide runtime (sdk-core's threads and telemetry), set by {@link Runtime.install}. */
export interface RuntimeOptions {
  /**
   * Which of sdk-core's log records reach the workers' loggers: a level for sdk-core, its client
   * and this SDK's bridge (`core`) and one for other Rust crates (`other`, default `'ERROR'`), or a
   * tracing `EnvFilter` string. Default `{ core: 'WARN', other: 'ERROR' }`, as in the official SDK.
   * `INFO` and below cost CPU on every workflow task (sdk-core's spans record their fields).
   */
  coreLogFilter?: string | { core: LogLevel; other?: LogLevel };
  /** Interval of sdk-core's worker heartbeats to the server in milliseconds; `null` disables them. Default 60000. */
  workerHeartbeatIntervalMs?: number | null;
  /**
   * Threads of sdk-core's runtime (tokio): gRPC, protobuf and core's pollers, for every worker and
   * connection of the process. An integer from 1 to 1024. Default 1: workflow and activity code
   * runs on the one JS thread, which needs more CPU per task than core does, so one runtime thread
   * keeps up with it, and a second mostly costs CPU in wake-ups between the two. Raise it when
   * `perf`/`top` show the runtime thread saturated (e.g. very large payloads or histories).
   */
  runtimeThreads?: number;
  /**
   * Metrics export (the official SDK's shape): `{ metrics: { prometheus: { bindAddress } } }` serves
   * core's worker and client metrics and user metrics (`Context.current().metricMeter`, workflow
   * `metricMeter`) on a Prometheus endpoint; `{ metrics: { otel: { url } } }` pushes them to an
   * OpenTelemetry collector. Default: no metrics, at no cost.
   */
  telemetryOptions?: TelemetryOptions;
}

/** What {@link Runtime.telemetry} reports. */
export interface RuntimeTelemetry {
  /** Records user metrics on the runtime's exporter; a no-op meter when no metrics are exported. */
  metricMeter: MetricMeter;
  /** The address the Prometheus endpoint is bound to (its port chosen when 0 was given). */
  prometheusAddress: string | undefined;
}

/** The largest {@link RuntimeOptions.runtimeThreads} (the bridge refuses more). */
export { MAX_RUNTIME_THREADS };

const CORE_LOG_TARGETS = ['temporalio_sdk_core', 'temporalio_client', 'temporalio_common', 'temporal_bun_bridge'];

/**
 * One directive of a tracing `EnvFilter`: a level, a target (a Rust module path, optionally with a
 * `[span{field=value}]` filter), or `target=level`. sdk-core would skip a directive it cannot parse
 * without a word, so a typo would silently change what is logged.
 */
const LOG_DIRECTIVE =
  /^(?:(?:trace|debug|info|warn|error|off)|[A-Za-z_][\w.-]*(?:::[A-Za-z_][\w.-]*)*(?:\[[^\]]*\])?(?:=(?:trace|debug|info|warn|error|off))?|\[[^\]]*\](?:=(?:trace|debug|info|warn|error|off))?)$/i;

/** The `EnvFilter` string for `coreLogFilter`; throws a `TypeError` naming what is wrong. */
export function coreLogFilterString(filter: RuntimeOptions['coreLogFilter']): string | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'string') {
    if (filter.trim() === '') throw new TypeError('coreLogFilter must not be empty');
    for (const directive of filter.split(',')) {
      if (!LOG_DIRECTIVE.test(directive.trim())) {
        throw new TypeError(
          `coreLogFilter: ${JSON.stringify(directive)} is not a log directive; write \`level\`, \`target\` or \`target=level\` ` +
            `(level: trace, debug, info, warn, error or off), separated by commas, e.g. "warn,temporalio_sdk_core=debug"`,
        );
      }
    }
    return filter;
  }
  if (filter === null || typeof filter !== 'object')
    throw new TypeError('coreLogFilter must be a string or { core, other? }');
  const level = (name: string, value: unknown): string => {
    if (typeof value !== 'string' || !Object.hasOwn(LEVEL_ORDER, value)) {
      throw new TypeError(
        `coreLogFilter.${name} must be one of ${Object.keys(LEVEL_ORDER).join(', ')}; got ${String(value)}`,
      );
    }
    return value.toLowerCase();
  };
  const core = level('core', filter.core);
  const other = level('other', filter.other ?? 'ERROR');
  return [other, ...CORE_LOG_TARGETS.map((target) => `${target}=${core}`)].join(',');
}

const coreLogListeners = new Set<CoreLogListener>();
let sharedRuntime: Promise<NativeRuntime> | undefined;
let runtimeOptions: RuntimeOptions = {};

/** The process-wide runtime every connection, worker and replayer uses. */
export const Runtime = {
  /**
   * Sets the runtime's options. Bad options are a `TypeError`. Call it before the first connection, worker or replay of the
   * process (the runtime is created then); afterwards it throws an `IllegalStateError`.
   */
  install(options: RuntimeOptions): void {
    coreLogFilterString(options.coreLogFilter); // validates
    const interval = options.workerHeartbeatIntervalMs;
    if (
      interval !== undefined &&
      interval !== null &&
      !(Number.isInteger(interval) && interval > 0 && interval <= MAX_TIMER_MS)
    ) {
      throw new TypeError(
        `workerHeartbeatIntervalMs must be a positive integer of at most ${MAX_TIMER_MS} (ms) or null; got ${String(interval)}`,
      );
    }
    nativeMetricsOptions(options.telemetryOptions); // validates
    const threads = options.runtimeThreads;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_RUNTIME_THREADS)) {
      throw new TypeError(`runtimeThreads must be an integer from 1 to ${MAX_RUNTIME_THREADS}; got ${String(threads)}`);
    }
    if (sharedRuntime !== undefined) {
      throw new IllegalStateError(
        'Runtime.install must be called before the first connection, worker or replay of the process',
      );
    }
    runtimeOptions = { ...options };
  },

  /**
   * The runtime's telemetry: its meter for user metrics and the Prometheus endpoint's address.
   * Creates the runtime if no connection, worker or replay has yet.
   */
  async telemetry(): Promise<RuntimeTelemetry> {
    const native = await sharedNativeRuntime();
    return {
      metricMeter: runtimeMetricMeter(native),
      prometheusAddress: native.describe().prometheusAddress ?? undefined,
    };
  },
};

const metricMeters = new WeakMap<NativeRuntime, MetricMeter>();

/** The meter user metrics are recorded on: the runtime's, or a no-op one when it exports none. */
export function runtimeMetricMeter(native: NativeRuntime): MetricMeter {
  let meter = metricMeters.get(native);
  if (meter === undefined) {
    meter = native.metricsEnabled ? new RuntimeMetricMeter(native) : noopMetricMeter;
    metricMeters.set(native, meter);
  }
  return meter;
}

/**
 * The bridge runtime shared by every connection of the process (one tokio runtime, one completion
 * queue). It does not keep the process alive while idle.
 */
export function sharedNativeRuntime(): Promise<NativeRuntime> {
  sharedRuntime ??= NativeRuntime.create({
    logFilter: coreLogFilterString(runtimeOptions.coreLogFilter),
    workerHeartbeatIntervalMs: runtimeOptions.workerHeartbeatIntervalMs,
    runtimeThreads: runtimeOptions.runtimeThreads,
    metrics: nativeMetricsOptions(runtimeOptions.telemetryOptions),
    onLog: (record) => {
      for (const listener of coreLogListeners) listener(record);
    },
  }).catch((error: unknown) => {
    sharedRuntime = undefined; // let the next caller try again
    throw error;
  });
  return sharedRuntime;
}

/** Subscribes to sdk-core's log records; returns the unsubscribe function. */
export function onCoreLog(listener: CoreLogListener): () => void {
  coreLogListeners.add(listener);
  return () => coreLogListeners.delete(listener);
}

function toLogLevel(level: string): LogLevel {
  const upper = level.toUpperCase();
  return upper in LEVEL_ORDER ? (upper as LogLevel) : 'INFO';
}

/** Forwards one sdk-core log record to `logger`, tagged `sdkComponent: 'core'`. */
export function forwardCoreLog(logger: Logger, record: NativeLogRecord): void {
  logger.log(toLogLevel(record.level), record.message, {
    sdkComponent: 'core',
    target: record.target,
    timestampMs: record.timestampMs,
    ...record.fields,
  });
}
