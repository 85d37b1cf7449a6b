/**
 * Metrics export, shaped like the official SDK's `RuntimeOptions.telemetryOptions.metrics`: sdk-core's
 * Prometheus endpoint or OTLP exporter carries core's worker and client metrics, and the
 * `MetricMeter` below records user metrics (activities' and workflows') on the same exporter.
 */
import {
  type MetricCounter,
  type MetricGauge,
  type MetricHistogram,
  type MetricMeter,
  MetricMeterWithComposedTags,
  type MetricTags,
  type NumericMetricValueType,
} from '@temporalio/common';
import { type Duration, msToNumber } from '@temporalio/common/lib/time';
import { NativeMetric, type NativeMetricKind, type NativeMetricsOptions, type NativeRuntime } from '../native';

/** Where metrics go, plus what applies to either exporter (the official `MetricsExporterConfig`). */
export type MetricsExporterConfig = {
  /** Prefix of core's metric names (not of user metrics). Default `'temporal_'`. */
  metricPrefix?: string;
  /** Tags on every metric. */
  globalTags?: Record<string, string>;
  /** Put `service_name="temporal-core-sdk"` on every metric. Default true. */
  attachServiceName?: boolean;
} & (PrometheusMetricsExporter | OtelCollectorExporter);

/** A Prometheus endpoint serving `/metrics`. */
export interface PrometheusMetricsExporter {
  prometheus: {
    /** `ip:port` to serve on, e.g. `'127.0.0.1:9464'` (port 0: any free port, see `Runtime.telemetry()`). */
    bindAddress: string;
    /** Add `_total` to counter names. Default false. */
    countersTotalSuffix?: boolean;
    /** Add the unit to histogram names (e.g. `_milliseconds`). Default false. */
    unitSuffix?: boolean;
    /** Durations in seconds (f64) instead of milliseconds. Default false. */
    useSecondsForDurations?: boolean;
    /** Bucket boundaries by metric name (regardless of the prefix). */
    histogramBucketOverrides?: Record<string, number[]>;
  };
}

/** An OpenTelemetry collector over OTLP. */
export interface OtelCollectorExporter {
  otel: {
    /** `http://host:4317` (gRPC) or, with `http: true`, `http://host:4318/v1/metrics`; `https`/`grpcs` for TLS. */
    url: string;
    /** OTLP over HTTP instead of gRPC. Default false. */
    http?: boolean;
    /** Request headers, e.g. for authentication. */
    headers?: Record<string, string>;
    /** How often to export (ms or an `ms`-style string). Default `'1s'`. */
    metricsExportInterval?: Duration;
    /** Durations in seconds (f64) instead of milliseconds. Default false. */
    useSecondsForDurations?: boolean;
    /** Default `'cumulative'`. */
    temporality?: 'cumulative' | 'delta';
    /** Bucket boundaries by metric name (regardless of the prefix). */
    histogramBucketOverrides?: Record<string, number[]>;
  };
}

/** The official `TelemetryOptions` part this SDK implements (logs: `RuntimeOptions.coreLogFilter`). */
export interface TelemetryOptions {
  /** Export core's metrics and user metrics. Default: none (core records nothing; no cost). */
  metrics?: MetricsExporterConfig;
}

const KNOWN_METRICS_KEYS = new Set(['metricPrefix', 'globalTags', 'attachServiceName', 'prometheus', 'otel']);
const PROMETHEUS_KEYS = new Set([
  'bindAddress',
  'countersTotalSuffix',
  'unitSuffix',
  'useSecondsForDurations',
  'histogramBucketOverrides',
]);
const OTEL_KEYS = new Set([
  'url',
  'http',
  'headers',
  'metricsExportInterval',
  'useSecondsForDurations',
  'temporality',
  'histogramBucketOverrides',
]);

/**
 * The bridge's `metrics` option for `telemetryOptions`, every default filled in; `undefined` when no
 * metrics are exported. Throws a `TypeError` naming the first thing that is wrong.
 */
export function nativeMetricsOptions(telemetry: TelemetryOptions | undefined): NativeMetricsOptions | undefined {
  if (telemetry === undefined) return undefined;
  if (telemetry === null || typeof telemetry !== 'object') {
    throw new TypeError('telemetryOptions must be an object ({ metrics })');
  }
  for (const key of Object.keys(telemetry)) {
    if (key === 'logging') {
      throw new TypeError(
        "telemetryOptions.logging is not supported: set Runtime.install({ coreLogFilter }) and each worker's logger",
      );
    }
    if (key !== 'metrics') throw new TypeError(`telemetryOptions.${key} is not an option (known: metrics)`);
  }
  const metrics = telemetry.metrics;
  if (metrics === undefined) return undefined;
  const config = record(metrics, 'telemetryOptions.metrics');
  unknownKeys(config, KNOWN_METRICS_KEYS, 'telemetryOptions.metrics');
  const hasPrometheus = config.prometheus !== undefined;
  const hasOtel = config.otel !== undefined;
  if (hasPrometheus === hasOtel) {
    throw new TypeError(
      hasPrometheus
        ? 'telemetryOptions.metrics: set either prometheus or otel, not both'
        : 'telemetryOptions.metrics needs an exporter: { prometheus: { bindAddress } } or { otel: { url } }',
    );
  }
  return {
    prometheus: hasPrometheus ? prometheusOptions(config.prometheus) : null,
    otel: hasOtel ? otelOptions(config.otel) : null,
    metricPrefix: optional(config.metricPrefix, 'string', 'telemetryOptions.metrics.metricPrefix') ?? 'temporal_',
    globalTags: stringMap(config.globalTags, 'telemetryOptions.metrics.globalTags'),
    attachServiceName:
      optional(config.attachServiceName, 'boolean', 'telemetryOptions.metrics.attachServiceName') ?? true,
  };
}

function prometheusOptions(value: unknown): NonNullable<NativeMetricsOptions['prometheus']> {
  const where = 'telemetryOptions.metrics.prometheus';
  const options = record(value, where);
  unknownKeys(options, PROMETHEUS_KEYS, where);
  const bindAddress = options.bindAddress;
  if (typeof bindAddress !== 'string' || !/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(bindAddress)) {
    throw new TypeError(
      `${where}.bindAddress must be an IP address and port such as "127.0.0.1:9464" (or "0.0.0.0:9464"); got ${JSON.stringify(bindAddress)}`,
    );
  }
  return {
    bindAddress,
    countersTotalSuffix: optional(options.countersTotalSuffix, 'boolean', `${where}.countersTotalSuffix`) ?? false,
    unitSuffix: optional(options.unitSuffix, 'boolean', `${where}.unitSuffix`) ?? false,
    useSecondsForDurations:
      optional(options.useSecondsForDurations, 'boolean', `${where}.useSecondsForDurations`) ?? false,
    histogramBucketOverrides: bucketOverrides(options.histogramBucketOverrides, `${where}.histogramBucketOverrides`),
  };
}

function otelOptions(value: unknown): NonNullable<NativeMetricsOptions['otel']> {
  const where = 'telemetryOptions.metrics.otel';
  const options = record(value, where);
  unknownKeys(options, OTEL_KEYS, where);
  const url = options.url;
  if (typeof url !== 'string' || !URL.canParse(url)) {
    throw new TypeError(`${where}.url must be a URL such as "http://127.0.0.1:4317"; got ${JSON.stringify(url)}`);
  }
  let interval: number;
  try {
    interval = msToNumber((options.metricsExportInterval ?? '1s') as Duration);
  } catch (error) {
    throw new TypeError(`${where}.metricsExportInterval: ${(error as Error).message}`);
  }
  if (!(Number.isFinite(interval) && interval >= 1)) {
    throw new TypeError(
      `${where}.metricsExportInterval must be at least 1 ms; got ${String(options.metricsExportInterval)}`,
    );
  }
  const temporality = options.temporality ?? 'cumulative';
  if (temporality !== 'cumulative' && temporality !== 'delta') {
    throw new TypeError(`${where}.temporality must be 'cumulative' or 'delta'; got ${JSON.stringify(temporality)}`);
  }
  return {
    url,
    http: optional(options.http, 'boolean', `${where}.http`) ?? false,
    headers: stringMap(options.headers, `${where}.headers`),
    metricsExportIntervalMs: Math.round(interval),
    useSecondsForDurations:
      optional(options.useSecondsForDurations, 'boolean', `${where}.useSecondsForDurations`) ?? false,
    temporality,
    histogramBucketOverrides: bucketOverrides(options.histogramBucketOverrides, `${where}.histogramBucketOverrides`),
  };
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function unknownKeys(value: Record<string, unknown>, known: Set<string>, where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new TypeError(`${where}.${key} is not an option (known: ${[...known].join(', ')})`);
  }
}

function optional<T extends 'string' | 'boolean'>(
  value: unknown,
  type: T,
  where: string,
): (T extends 'string' ? string : boolean) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== type) throw new TypeError(`${where} must be a ${type}; got ${JSON.stringify(value)}`);
  return value as T extends 'string' ? string : boolean;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  const map = record(value, where);
  for (const [key, entry] of Object.entries(map)) {
    if (typeof entry !== 'string')
      throw new TypeError(`${where}.${key} must be a string; got ${JSON.stringify(entry)}`);
  }
  return { ...(map as Record<string, string>) };
}

function bucketOverrides(value: unknown, where: string): Record<string, number[]> {
  if (value === undefined) return {};
  const map = record(value, where);
  for (const [name, buckets] of Object.entries(map)) {
    if (!Array.isArray(buckets) || !buckets.every((bound) => typeof bound === 'number' && Number.isFinite(bound))) {
      throw new TypeError(`${where}.${name} must be an array of finite numbers`);
    }
  }
  return { ...(map as Record<string, number[]>) };
}

/**
 * `MetricMeter` over the runtime's meter: every instrument is one in sdk-core, exported with core's
 * metrics. Instruments are made once per name, kind and unit and kept for the process (a meter
 * asked for the same counter in every activity reuses it).
 */
export class RuntimeMetricMeter implements MetricMeter {
  readonly #runtime: NativeRuntime;
  readonly #instruments = new Map<string, NativeMetric>();

  constructor(runtime: NativeRuntime) {
    this.#runtime = runtime;
  }

  createCounter(name: string, unit = '', description = ''): MetricCounter {
    const { metric, record } = this.#metric('counter', 'int', name, unit, description);
    return {
      ...metric,
      valueType: 'int',
      add: record,
      withTags: (tags) => MetricMeterWithComposedTags.compose(this, tags).createCounter(name, unit, description),
    };
  }

  createHistogram(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit = '',
    description = '',
  ): MetricHistogram {
    const { metric, record } = this.#metric('histogram', valueType, name, unit, description);
    return {
      ...metric,
      record,
      withTags: (tags) =>
        MetricMeterWithComposedTags.compose(this, tags).createHistogram(name, valueType, unit, description),
    };
  }

  createGauge(name: string, valueType: NumericMetricValueType = 'int', unit = '', description = ''): MetricGauge {
    const { metric, record } = this.#metric('gauge', valueType, name, unit, description);
    return {
      ...metric,
      set: record,
      withTags: (tags) =>
        MetricMeterWithComposedTags.compose(this, tags).createGauge(name, valueType, unit, description),
    };
  }

  withTags(tags: MetricTags): MetricMeter {
    return MetricMeterWithComposedTags.compose(this, tags);
  }

  /** A metric's description and its recording function (a counter adds, a histogram records, a gauge sets). */
  #metric<Kind extends 'counter' | 'histogram' | 'gauge'>(
    kind: Kind,
    valueType: NumericMetricValueType,
    name: string,
    unit: string,
    description: string,
  ): {
    metric: { name: string; unit: string; description: string; kind: Kind; valueType: NumericMetricValueType };
    record: (value: number, tags?: MetricTags) => void;
  } {
    const nativeKind: NativeMetricKind =
      kind === 'counter' ? 'counter' : valueType === 'float' ? (`${kind as 'histogram' | 'gauge'}F64` as const) : kind;
    const native = this.#instrument(nativeKind, name, unit, description);
    return {
      metric: { name, unit, description, kind, valueType },
      record: (value, tags) => recordValue(native, kind, name, valueType, value, tags),
    };
  }

  #instrument(kind: NativeMetricKind, name: string, unit: string, description: string): NativeMetric {
    if (typeof name !== 'string' || name === '') throw new TypeError('a metric needs a non-empty name');
    const key = `${kind}\u0000${name}\u0000${unit}`;
    let native = this.#instruments.get(key);
    if (native === undefined) {
      native = NativeMetric.create(this.#runtime, { kind, name, unit, description });
      this.#instruments.set(key, native);
    }
    return native;
  }
}

function recordValue(
  native: NativeMetric,
  kind: string,
  name: string,
  valueType: NumericMetricValueType,
  value: number,
  tags: MetricTags | undefined,
): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `metric ${name} (${kind}): the value must be a finite non-negative number; got ${String(value)}`,
    );
  }
  if (valueType === 'int' && !Number.isInteger(value)) {
    throw new RangeError(`metric ${name} (${kind}, int): the value must be an integer; got ${value}`);
  }
  native.record(value, tags);
}
