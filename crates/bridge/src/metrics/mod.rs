//! Metrics: sdk-core's exporters (a Prometheus scrape endpoint or an OTLP collector) attached to the
//! runtime, and the instruments behind the host's `MetricMeter` (activity and workflow metrics),
//! recorded on the same meter so user metrics appear beside core's.
//!
//! With no exporter configured the runtime has no meter: core records nothing and the host never
//! creates an instrument (it uses a no-op meter), so metrics off costs nothing.

use crate::{
    error::{BridgeError, BridgeResult},
    handles::{HandleKind, HandleTable},
    runtime::RUNTIMES,
};
use serde::Deserialize;
use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};
use temporalio_common::telemetry::{
    build_otlp_metric_exporter,
    metrics::{
        CoreMeter, Counter, Gauge, GaugeF64, Histogram, HistogramF64, MetricAttributes,
        MetricKeyValue, MetricParameters, MetricValue, NewAttributes, TemporalMeter,
    },
    start_prometheus_metric_exporter, HistogramBucketOverrides, MetricTemporality,
    OtelCollectorOptions, OtlpProtocol, PrometheusExporterOptions,
};
use tokio::task::AbortHandle;

mod binding;
use binding::BindingMeter;

pub static METRICS: HandleTable<BridgeMetric> = HandleTable::new(HandleKind::Metric);

/// `metrics` of the runtime options. Every key is required: the defaults live in the host
/// (`src/connection/telemetry.ts`). Exactly one of `prometheus` and `otel` is set.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricsOptionsJson {
    pub prometheus: Option<PrometheusJson>,
    pub otel: Option<OtelJson>,
    pub metric_prefix: String,
    pub global_tags: HashMap<String, String>,
    pub attach_service_name: bool,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrometheusJson {
    pub bind_address: String,
    pub counters_total_suffix: bool,
    pub unit_suffix: bool,
    pub use_seconds_for_durations: bool,
    pub histogram_bucket_overrides: HashMap<String, Vec<f64>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtelJson {
    pub url: String,
    pub http: bool,
    pub headers: HashMap<String, String>,
    pub metrics_export_interval_ms: u64,
    pub use_seconds_for_durations: bool,
    /// `"cumulative"` or `"delta"`.
    pub temporality: String,
    pub histogram_bucket_overrides: HashMap<String, Vec<f64>>,
}

/// Checks what can be checked before the runtime exists (so a bad option creates nothing).
pub fn check(options: &MetricsOptionsJson) -> BridgeResult<()> {
    match (&options.prometheus, &options.otel) {
        (Some(_), Some(_)) => Err(BridgeError::invalid_argument(
            "metrics: set either prometheus or otel, not both",
        )),
        (None, None) => Err(BridgeError::invalid_argument(
            "metrics: set prometheus or otel (or leave metrics out)",
        )),
        (Some(prometheus), None) => socket_address(&prometheus.bind_address).map(drop),
        (None, Some(otel)) => {
            otel_url(&otel.url)?;
            temporality(&otel.temporality)?;
            if otel.metrics_export_interval_ms == 0 {
                return Err(BridgeError::invalid_argument(
                    "metrics.otel.metricsExportInterval must be positive",
                ));
            }
            Ok(())
        }
    }
}

fn socket_address(address: &str) -> BridgeResult<SocketAddr> {
    address.parse().map_err(|_| {
        BridgeError::invalid_argument(format!(
            "metrics.prometheus.bindAddress must be an IP address and port such as \"127.0.0.1:9464\"; got {address:?}"
        ))
    })
}

fn otel_url(url: &str) -> BridgeResult<url::Url> {
    url::Url::parse(url).map_err(|e| {
        BridgeError::invalid_argument(format!(
            "metrics.otel.url must be a URL such as \"http://127.0.0.1:4317\"; got {url:?} ({e})"
        ))
    })
}

fn temporality(value: &str) -> BridgeResult<MetricTemporality> {
    match value {
        "cumulative" => Ok(MetricTemporality::Cumulative),
        "delta" => Ok(MetricTemporality::Delta),
        other => Err(BridgeError::invalid_argument(format!(
            "metrics.otel.temporality must be \"cumulative\" or \"delta\"; got {other:?}"
        ))),
    }
}

fn overrides(map: HashMap<String, Vec<f64>>) -> HistogramBucketOverrides {
    HistogramBucketOverrides { overrides: map }
}

/// An exporter started for a runtime. Dropping it stops the Prometheus endpoint.
pub struct StartedExporter {
    pub meter: Arc<dyn CoreMeter>,
    /// The Prometheus endpoint's bound address (the port chosen when the given one was 0).
    pub bound_address: Option<SocketAddr>,
    server: Option<AbortHandle>,
}

impl Drop for StartedExporter {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Starts the exporter. Must run inside the runtime's tokio context (the endpoint and the OTLP
/// reader are tasks on it).
pub fn start(options: MetricsOptionsJson) -> BridgeResult<StartedExporter> {
    check(&options)?;
    if let Some(prometheus) = options.prometheus {
        let address = socket_address(&prometheus.bind_address)?;
        let exporter = PrometheusExporterOptions::builder()
            .socket_addr(address)
            .global_tags(options.global_tags)
            .counters_total_suffix(prometheus.counters_total_suffix)
            .unit_suffix(prometheus.unit_suffix)
            .use_seconds_for_durations(prometheus.use_seconds_for_durations)
            .histogram_bucket_overrides(overrides(prometheus.histogram_bucket_overrides))
            .build();
        let started = start_prometheus_metric_exporter(exporter).map_err(|e| {
            BridgeError::invalid_argument(format!(
                "metrics.prometheus.bindAddress {address}: cannot serve metrics there: {e:#}"
            ))
        })?;
        return Ok(StartedExporter {
            meter: Arc::new(BindingMeter::new(started.meter)),
            bound_address: Some(started.bound_addr),
            server: Some(started.abort_handle),
        });
    }
    let otel = options.otel.expect("check() requires prometheus or otel");
    let collector = OtelCollectorOptions::builder()
        .url(otel_url(&otel.url)?)
        .headers(otel.headers)
        .metric_periodicity(Duration::from_millis(otel.metrics_export_interval_ms))
        .metric_temporality(temporality(&otel.temporality)?)
        .global_tags(options.global_tags)
        .use_seconds_for_durations(otel.use_seconds_for_durations)
        .histogram_bucket_overrides(overrides(otel.histogram_bucket_overrides))
        .protocol(if otel.http {
            OtlpProtocol::Http
        } else {
            OtlpProtocol::Grpc
        })
        .build();
    let meter = build_otlp_metric_exporter(collector).map_err(|e| {
        BridgeError::invalid_argument(format!(
            "metrics.otel: cannot export to {}: {e:#}",
            otel.url
        ))
    })?;
    Ok(StartedExporter {
        meter: Arc::new(BindingMeter::new(Arc::new(meter))),
        bound_address: None,
        server: None,
    })
}

/// One instrument of the host's `MetricMeter`.
pub struct BridgeMetric {
    meter: TemporalMeter,
    instrument: Instrument,
}

enum Instrument {
    Counter(Counter),
    Histogram(Histogram),
    HistogramF64(HistogramF64),
    Gauge(Gauge),
    GaugeF64(GaugeF64),
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MetricJson {
    /// `counter`, `histogram`, `histogramF64`, `gauge` or `gaugeF64`.
    kind: String,
    name: String,
    unit: String,
    description: String,
}

fn new_metric(meter: TemporalMeter, json: &[u8]) -> BridgeResult<BridgeMetric> {
    let spec: MetricJson = serde_json::from_slice(json)
        .map_err(|e| BridgeError::invalid_argument(format!("invalid metric: {e}")))?;
    if spec.name.is_empty() {
        return Err(BridgeError::invalid_argument("a metric needs a name"));
    }
    let parameters = MetricParameters::builder()
        .name(spec.name)
        .unit(spec.unit)
        .description(spec.description)
        .build();
    let instrument = match spec.kind.as_str() {
        "counter" => Instrument::Counter(meter.counter(parameters)),
        "histogram" => Instrument::Histogram(meter.histogram(parameters)),
        "histogramF64" => Instrument::HistogramF64(meter.histogram_f64(parameters)),
        "gauge" => Instrument::Gauge(meter.gauge(parameters)),
        "gaugeF64" => Instrument::GaugeF64(meter.gauge_f64(parameters)),
        other => {
            return Err(BridgeError::invalid_argument(format!(
                "metric kind must be counter, histogram, histogramF64, gauge or gaugeF64; got {other:?}"
            )))
        }
    };
    Ok(BridgeMetric { meter, instrument })
}

impl BridgeMetric {
    fn attributes(&self, json: &[u8]) -> BridgeResult<MetricAttributes> {
        let defaults = self.meter.get_default_attributes().clone();
        if json.is_empty() {
            return Ok(defaults);
        }
        let tags: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(json)
            .map_err(|e| {
                BridgeError::invalid_argument(format!("metric tags must be a JSON object: {e}"))
            })?;
        let mut pairs = Vec::with_capacity(tags.len());
        for (key, value) in tags {
            let value = match value {
                serde_json::Value::String(s) => MetricValue::String(s),
                serde_json::Value::Bool(b) => MetricValue::Bool(b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => MetricValue::Int(i),
                    None => MetricValue::Float(n.as_f64().unwrap_or(f64::NAN)),
                },
                other => {
                    return Err(BridgeError::invalid_argument(format!(
                        "metric tag {key:?} must be a string, number or boolean; got {other}"
                    )))
                }
            };
            pairs.push(MetricKeyValue::new(key, value));
        }
        Ok(self
            .meter
            .extend_attributes(defaults, NewAttributes::new(pairs)))
    }

    /// Records `value` (a counter adds it, a histogram records it, a gauge sets it).
    pub fn record(&self, value: f64, tags: &[u8]) -> BridgeResult<()> {
        if !(value.is_finite() && value >= 0.0) {
            return Err(BridgeError::invalid_argument(format!(
                "a metric value must be a finite non-negative number; got {value}"
            )));
        }
        let integer = || -> BridgeResult<u64> {
            if value.fract() != 0.0 || value > u64::MAX as f64 {
                return Err(BridgeError::invalid_argument(format!(
                    "this metric records integers; got {value}"
                )));
            }
            Ok(value as u64)
        };
        let attributes = self.attributes(tags)?;
        match &self.instrument {
            Instrument::Counter(counter) => counter.add(integer()?, &attributes),
            Instrument::Histogram(histogram) => histogram.record(integer()?, &attributes),
            Instrument::HistogramF64(histogram) => histogram.record(value, &attributes),
            Instrument::Gauge(gauge) => gauge.record(integer()?, &attributes),
            Instrument::GaugeF64(gauge) => gauge.record(value, &attributes),
        }
        Ok(())
    }
}

/// Creates an instrument on the runtime's meter for user metrics (no prefix). `metric`
/// (borrowed) is JSON: `kind` (`counter`, `histogram`, `histogramF64`, `gauge`, `gaugeF64`),
/// `name`, `unit`, `description`. Returns the metric handle, or 0 (see `tbs_last_error_take`); a
/// runtime without metrics is an `ILLEGAL_STATE`.
///
/// # Safety
/// `metric` must be valid for reads of `metric_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_metric_new(runtime: u64, metric: *const u8, metric_len: usize) -> u64 {
    crate::guard::handle(|| {
        let runtime = RUNTIMES.get(runtime)?;
        let meter = runtime.metric_meter().ok_or_else(|| {
            BridgeError::illegal_state("the runtime exports no metrics (telemetryOptions.metrics)")
        })?;
        let json = unsafe { crate::buffers::borrow(metric, metric_len)? };
        Ok(METRICS.insert(Arc::new(new_metric(meter, json)?)))
    })
}

/// Records `value` on a metric with `tags` (borrowed JSON object of string, number or boolean
/// values, added to the runtime's global tags; length 0 for none). A counter adds, a histogram
/// records, a gauge sets. Integer instruments refuse fractions; every value must be finite and
/// non-negative.
///
/// # Safety
/// `tags` must be valid for reads of `tags_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_metric_record(
    metric: u64,
    value: f64,
    tags: *const u8,
    tags_len: usize,
) -> i32 {
    crate::guard::status(|| {
        let metric = METRICS.get(metric)?;
        let tags = if tags_len == 0 {
            &[][..]
        } else {
            unsafe { crate::buffers::borrow(tags, tags_len)? }
        };
        metric.record(value, tags)
    })
}

/// Releases a metric handle.
#[no_mangle]
pub extern "C" fn tbs_metric_free(metric: u64) -> i32 {
    crate::guard::status(|| METRICS.remove(metric).map(drop))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: &str) -> BridgeResult<MetricsOptionsJson> {
        serde_json::from_str(json).map_err(|e| BridgeError::invalid_argument(e.to_string()))
    }

    const PROMETHEUS: &str = r#"{"bindAddress":"127.0.0.1:0","countersTotalSuffix":false,"unitSuffix":false,"useSecondsForDurations":false,"histogramBucketOverrides":{}}"#;
    const OTEL: &str = r#"{"url":"http://127.0.0.1:4317","http":false,"headers":{},"metricsExportIntervalMs":1000,"useSecondsForDurations":false,"temporality":"cumulative","histogramBucketOverrides":{}}"#;

    fn with(prometheus: &str, otel: &str) -> String {
        format!(
            r#"{{"prometheus":{prometheus},"otel":{otel},"metricPrefix":"temporal_","globalTags":{{}},"attachServiceName":true}}"#
        )
    }

    #[test]
    fn exactly_one_exporter_with_well_formed_settings() {
        check(&options(&with(PROMETHEUS, "null")).unwrap()).unwrap();
        check(&options(&with("null", OTEL)).unwrap()).unwrap();
        let both = check(&options(&with(PROMETHEUS, OTEL)).unwrap()).unwrap_err();
        assert!(both.message.contains("not both"), "{}", both.message);
        let neither = check(&options(&with("null", "null")).unwrap()).unwrap_err();
        assert!(neither.message.contains("prometheus or otel"));
        let bad = check(
            &options(&with(
                &PROMETHEUS.replace("127.0.0.1:0", "localhost:9464"),
                "null",
            ))
            .unwrap(),
        )
        .unwrap_err();
        assert!(bad.message.contains("bindAddress"), "{}", bad.message);
        let bad = check(&options(&with("null", &OTEL.replace("cumulative", "sometimes"))).unwrap())
            .unwrap_err();
        assert!(bad.message.contains("temporality"), "{}", bad.message);
        let bad = check(&options(&with("null", &OTEL.replace("http://", ""))).unwrap());
        assert!(bad.unwrap_err().message.contains("metrics.otel.url"));
        assert!(options(&with(PROMETHEUS, "null").replace("metricPrefix", "prefix")).is_err());
    }

    #[test]
    fn a_metric_records_what_its_kind_allows() {
        let meter = TemporalMeter::no_op();
        let spec = |kind: &str| {
            format!(r#"{{"kind":"{kind}","name":"orders","unit":"","description":""}}"#)
        };
        let counter = new_metric(meter.clone(), spec("counter").as_bytes()).unwrap();
        counter
            .record(3.0, br#"{"region":"eu","shard":2,"hot":true}"#)
            .unwrap();
        assert!(counter
            .record(1.5, b"")
            .unwrap_err()
            .message
            .contains("integers"));
        assert!(counter
            .record(-1.0, b"")
            .unwrap_err()
            .message
            .contains("non-negative"));
        assert!(counter.record(f64::NAN, b"").is_err());
        assert!(counter
            .record(1.0, br#"{"nested":{}}"#)
            .unwrap_err()
            .message
            .contains("nested"));
        assert!(counter.record(1.0, b"[1]").is_err());
        let histogram = new_metric(meter.clone(), spec("histogramF64").as_bytes()).unwrap();
        histogram.record(1.5, b"").unwrap();
        let error = new_metric(meter.clone(), spec("summary").as_bytes())
            .err()
            .unwrap();
        assert!(error.message.contains("summary"), "{}", error.message);
        let error = new_metric(
            meter,
            br#"{"kind":"counter","name":"","unit":"","description":""}"#,
        )
        .err()
        .unwrap();
        assert!(error.message.contains("name"));
    }
}
