//! The runtime: one sdk-core `CoreRuntime` (one tokio runtime) plus the completion queue its
//! asynchronous calls answer through, and the forwarding of core's logs to the host.

use crate::{
    channel::{Completion, CompletionChannel},
    error::{BridgeError, BridgeResult},
    handles::{HandleKind, HandleTable},
    metrics::{MetricsOptionsJson, StartedExporter},
};
use serde::Deserialize;
use std::{path::PathBuf, sync::Arc, time::Duration};
use temporalio_common::telemetry::{
    metrics::TemporalMeter, CoreLog, CoreLogConsumer, Logger, TelemetryOptions,
};
use temporalio_sdk_core::{CoreRuntime, RuntimeOptions, TokioRuntimeBuilder};

pub static RUNTIMES: HandleTable<BridgeRuntime> = HandleTable::new(HandleKind::Runtime);

/// sdk-core and the bridge at WARN, everything else at ERROR (the official SDK's default). INFO
/// would also enable sdk-core's INFO spans, whose fields are formatted on every workflow task.
pub const DEFAULT_LOG_FILTER: &str = "error,temporalio_sdk_core=warn,temporalio_client=warn,temporalio_common=warn,temporal_bun_bridge=warn";

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeOptionsJson {
    pub wake_socket_path: PathBuf,
    #[serde(default)]
    pub log_filter: Option<String>,
    /// `null` disables worker heartbeating; absent means 60 s.
    #[serde(default = "default_heartbeat", deserialize_with = "nullable")]
    pub worker_heartbeat_interval_ms: Option<u64>,
    /// Tokio worker threads (gRPC, protobuf, core's pollers). Required: the default lives in the
    /// host (`DEFAULT_RUNTIME_THREADS` in the TypeScript package's `src/common/defaults.ts`).
    pub runtime_threads: usize,
    /// The metrics exporter (Prometheus or OTLP); absent or `null` exports none.
    #[serde(default)]
    pub metrics: Option<MetricsOptionsJson>,
}

/// More would only be a mistake (a thread count, not a task count). The host's
/// `MAX_RUNTIME_THREADS` (`src/common/defaults.ts`) is the same number; a test compares them.
pub const MAX_RUNTIME_THREADS: usize = 1024;

fn default_heartbeat() -> Option<u64> {
    Some(60_000)
}

fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<u64>::deserialize(d)
}

pub struct BridgeRuntime {
    /// Always `Some` until drop.
    core: Option<CoreRuntime>,
    pub channel: Arc<CompletionChannel>,
    /// Held for the runtime's life: dropping it stops the Prometheus endpoint.
    exporter: Option<StartedExporter>,
}

impl BridgeRuntime {
    pub fn core(&self) -> &CoreRuntime {
        self.core.as_ref().expect("present until drop")
    }

    pub fn tokio(&self) -> tokio::runtime::Handle {
        self.core().tokio_handle()
    }

    /// The meter for user metrics (no prefix), when the runtime exports metrics.
    pub fn metric_meter(&self) -> Option<TemporalMeter> {
        self.core().telemetry().get_metric_meter()
    }

    /// The meter core's own metrics use (prefixed), when the runtime exports metrics.
    pub fn temporal_meter(&self) -> Option<TemporalMeter> {
        self.core().telemetry().get_temporal_metric_meter()
    }

    fn describe(&self) -> serde_json::Value {
        let address = self
            .exporter
            .as_ref()
            .and_then(|exporter| exporter.bound_address);
        serde_json::json!({ "prometheusAddress": address.map(|a| a.to_string()) })
    }
}

impl Drop for BridgeRuntime {
    /// Tokio refuses to drop a runtime from inside an async context (it would block a runtime
    /// thread). The last reference can be let go inside a task (e.g. a connect that fails after
    /// the host freed the runtime), so in that case the runtime is dropped on a thread of its own.
    fn drop(&mut self) {
        let Some(core) = self.core.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::spawn(move || drop(core));
        } else {
            drop(core);
        }
    }
}

/// Forwards every core log record to the host through the completion queue (never dropped).
#[derive(Debug)]
struct LogForwarder {
    channel: Arc<CompletionChannel>,
}

impl CoreLogConsumer for LogForwarder {
    fn on_log(&self, log: CoreLog) {
        let record = serde_json::json!({
            "level": log.level.as_str(),
            "target": log.target,
            "message": log.message,
            "fields": log.fields,
            "spanContexts": log.span_contexts,
            "timestampMs": log.millis_since_epoch() as u64,
        });
        self.channel.push(0, Completion::Log(record.to_string()));
    }
}

pub fn parse_options(json: &[u8]) -> BridgeResult<RuntimeOptionsJson> {
    let options: RuntimeOptionsJson = serde_json::from_slice(json)
        .map_err(|e| BridgeError::invalid_argument(format!("invalid runtime options: {e}")))?;
    let threads = options.runtime_threads;
    if threads == 0 || threads > MAX_RUNTIME_THREADS {
        return Err(BridgeError::invalid_argument(format!(
            "runtimeThreads must be between 1 and {MAX_RUNTIME_THREADS}; got {threads}"
        )));
    }
    if let Some(metrics) = &options.metrics {
        crate::metrics::check(metrics)?;
    }
    Ok(options)
}

pub fn create(json: &[u8]) -> BridgeResult<BridgeRuntime> {
    let options = parse_options(json)?;
    let channel = Arc::new(
        CompletionChannel::connect(&options.wake_socket_path).map_err(|e| {
            BridgeError::invalid_argument(format!(
                "wakeSocketPath {}: cannot connect: {e}",
                options.wake_socket_path.display()
            ))
        })?,
    );
    let (metric_prefix, attach_service_name) = match &options.metrics {
        Some(metrics) => (metrics.metric_prefix.clone(), metrics.attach_service_name),
        None => (temporalio_common::telemetry::METRIC_PREFIX.to_owned(), true),
    };
    let telemetry = TelemetryOptions::builder()
        .metric_prefix(metric_prefix)
        .attach_service_name(attach_service_name)
        .logging(Logger::Push {
            filter: options
                .log_filter
                .unwrap_or_else(|| DEFAULT_LOG_FILTER.to_owned()),
            consumer: Arc::new(LogForwarder {
                channel: channel.clone(),
            }),
        })
        .build();
    let runtime_options = RuntimeOptions::builder()
        .telemetry_options(telemetry)
        .heartbeat_interval(
            options
                .worker_heartbeat_interval_ms
                .map(Duration::from_millis),
        )
        .build()
        .map_err(|e| BridgeError::invalid_argument(format!("workerHeartbeatIntervalMs: {e}")))?;
    let mut tokio = TokioRuntimeBuilder::default();
    tokio.inner.worker_threads(options.runtime_threads);
    let mut core = CoreRuntime::new(runtime_options, tokio)
        .map_err(|e| BridgeError::worker(format!("cannot start the core runtime: {e:#}")))?;
    // Exporters are tasks on the runtime, so they start once it exists, before any worker or
    // client takes the meter.
    let exporter = match options.metrics {
        Some(metrics) => {
            let _context = core.tokio_handle().enter();
            let started = crate::metrics::start(metrics)?;
            core.telemetry_mut()
                .attach_late_init_metrics(started.meter.clone());
            Some(started)
        }
        None => None,
    };
    Ok(BridgeRuntime {
        core: Some(core),
        channel,
        exporter,
    })
}

/// Creates a runtime. `options` (borrowed) is JSON: `wakeSocketPath` (required), `logFilter`,
/// `workerHeartbeatIntervalMs`, `runtimeThreads`, `metrics` (`prometheus` or `otel`, with
/// `metricPrefix`, `globalTags`, `attachServiceName`; a Prometheus address that cannot be bound is
/// an `INVALID_ARGUMENT`). Returns the runtime handle, or 0 (see `tbs_last_error_take`).
///
/// # Safety
/// `options` must be valid for reads of `options_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_runtime_new(options: *const u8, options_len: usize) -> u64 {
    crate::guard::handle(|| {
        let json = unsafe { crate::buffers::borrow(options, options_len)? };
        Ok(RUNTIMES.insert(Arc::new(create(json)?)))
    })
}

/// Describes a runtime's telemetry. Returns NUL-terminated UTF-8 JSON, `{"prometheusAddress"}`
/// (the address the Prometheus endpoint is bound to, or `null`), which the caller frees with
/// `tbs_bytes_free`; null on failure (see `tbs_last_error_take`).
#[no_mangle]
pub extern "C" fn tbs_runtime_describe(runtime: u64) -> *mut u8 {
    crate::guard::handle(|| {
        let runtime = RUNTIMES.get(runtime)?;
        Ok(crate::buffers::export_c_string(&runtime.describe().to_string()) as u64)
    }) as usize as *mut u8
}

/// Moves up to `capacity` completion-queue entries (4 f64 each) into `out`, which the caller owns
/// and which must hold `4 * capacity` f64s. Returns the number written, or `-code`.
///
/// # Safety
/// `out` must be valid for writes of `4 * capacity` f64 values.
#[no_mangle]
pub unsafe extern "C" fn tbs_runtime_drain(runtime: u64, out: *mut f64, capacity: u32) -> i32 {
    crate::guard::count(|| {
        let runtime = RUNTIMES.get(runtime)?;
        if out.is_null() || capacity == 0 {
            return Err(BridgeError::invalid_argument(
                "drain needs a buffer of at least one entry",
            ));
        }
        let width = crate::channel::ENTRY_WIDTH;
        let out = unsafe { std::slice::from_raw_parts_mut(out, capacity as usize * width) };
        Ok(runtime.channel.drain_into(out))
    })
}

/// Releases a runtime handle. Clients and workers made from it keep it alive until they are freed.
#[no_mangle]
pub extern "C" fn tbs_runtime_free(runtime: u64) -> i32 {
    crate::guard::status(|| RUNTIMES.remove(runtime).map(drop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_options_need_a_wake_socket_and_reject_unknown_keys() {
        assert!(parse_options(br#"{}"#)
            .unwrap_err()
            .message
            .contains("wakeSocketPath"));
        let error =
            parse_options(br#"{"wakeSocketPath":"/tmp/x","runtimeThreads":1,"logFiltr":"info"}"#)
                .unwrap_err();
        assert!(error.message.contains("logFiltr"), "{}", error.message);
        let parsed = parse_options(br#"{"wakeSocketPath":"/tmp/x","runtimeThreads":1}"#).unwrap();
        assert_eq!(parsed.worker_heartbeat_interval_ms, Some(60_000));
        let parsed = parse_options(
            br#"{"wakeSocketPath":"/tmp/x","runtimeThreads":1,"workerHeartbeatIntervalMs":null}"#,
        )
        .unwrap();
        assert_eq!(parsed.worker_heartbeat_interval_ms, None);
    }

    #[test]
    fn runtime_threads_are_required_and_must_be_a_sane_count() {
        let error = parse_options(br#"{"wakeSocketPath":"/tmp/x"}"#).unwrap_err();
        assert!(
            error.message.contains("missing field `runtimeThreads`"),
            "{}",
            error.message
        );
        let parsed = parse_options(br#"{"wakeSocketPath":"/tmp/x","runtimeThreads":4}"#).unwrap();
        assert_eq!(parsed.runtime_threads, 4);
        for bad in ["0", "1025"] {
            let json = format!(r#"{{"wakeSocketPath":"/tmp/x","runtimeThreads":{bad}}}"#);
            let error = parse_options(json.as_bytes()).unwrap_err();
            assert!(
                error.message.contains("runtimeThreads"),
                "{}",
                error.message
            );
        }
        let error =
            parse_options(br#"{"wakeSocketPath":"/tmp/x","runtimeThreads":-1}"#).unwrap_err();
        assert!(
            error.message.contains("invalid runtime options"),
            "{}",
            error.message
        );
    }
}
