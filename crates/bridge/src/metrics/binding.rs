//! A meter that binds each instrument to a label set once, in front of sdk-core's exporters.
//!
//! Core gives every workflow run and every activity task a metrics context of its own
//! (`MetricsContext::with_new_attrs`): new attributes, and a fresh copy of its ~40 instruments that
//! bind to them on first use. Core's Prometheus meter does that binding from scratch each time:
//! the label names collected into a `Vec<String>`, the values formatted into a `HashMap`, hashed
//! and looked up in the metric vector. Measured in `make bench` (worker kind `prometheus`), that
//! was most of the cost of turning Prometheus on, all of it on core's threads.
//!
//! `BindingMeter` wraps the exporter's meter and removes the repetition:
//! - attribute sets are interned: the same parent extended with the same labels returns the same
//!   `MetricAttributes` (one `Arc`), so equal label sets have one identity;
//! - each instrument keeps the bound instruments by that identity, so binding a fresh context to
//!   a label set seen before is a read-locked lookup of a pointer.
//!
//! Both tables hold clones of the attributes they are keyed by, so a key's address can never be
//! reused by another label set while the key exists. Both are capped: past the cap (label sets of
//! unbounded cardinality), attributes are made and instruments bound as core would, uncached.

use parking_lot::{Mutex, RwLock};
use std::{
    collections::HashMap,
    fmt::{self, Debug},
    hash::{BuildHasherDefault, Hasher},
    sync::Arc,
    time::Duration,
};
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, CounterBase, Gauge, GaugeBase, GaugeF64, GaugeF64Base, Histogram,
    HistogramBase, HistogramDuration, HistogramDurationBase, HistogramF64, HistogramF64Base,
    MetricAttributable, MetricAttributes, MetricParameters, MetricValue, NewAttributes,
    UpDownCounter, UpDownCounterBase,
};

/// Most distinct label sets interned, and bound per instrument. Core's own label sets are a few
/// per workflow type, activity type and task queue; user tags add to them.
const CAPACITY: usize = 4096;

/// The identity of an attribute set: the address of the allocation behind it. `None` for the
/// kinds that have none (their instruments are bound uncached).
fn identity(attributes: &MetricAttributes) -> Option<usize> {
    match attributes {
        MetricAttributes::Prometheus { labels } => Some(Arc::as_ptr(labels) as usize),
        MetricAttributes::OTel { kvs } => Some(Arc::as_ptr(kvs) as *const () as usize),
        MetricAttributes::Empty => Some(0),
        _ => None,
    }
}

/// Hashes the pointer identities above (a multiply spreads their aligned low bits).
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_usize(&mut self, value: usize) {
        self.0 = (value as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type ByIdentity<V> = HashMap<usize, V, BuildHasherDefault<IdentityHasher>>;

/// An interned attribute set is found by its parent's identity ([`NO_PARENT`] for a new set) and the
/// labels added, each value tagged with its kind so that `1` and `"1"` stay apart.
type InternKey = (usize, Vec<(String, u8, String)>);

/// The parent of a set made by `new_attributes`: no allocation has this address, and it differs
/// from the identity of `Empty` (an exporter may extend `Empty` otherwise than it makes a new set).
const NO_PARENT: usize = usize::MAX;

fn intern_key(parent: usize, attributes: &NewAttributes) -> InternKey {
    let labels = attributes
        .attributes
        .iter()
        .map(|kv| {
            let kind = match kv.value {
                MetricValue::String(_) => 0,
                MetricValue::Int(_) => 1,
                MetricValue::Float(_) => 2,
                MetricValue::Bool(_) => 3,
            };
            (kv.key.clone(), kind, kv.value.to_string())
        })
        .collect();
    (parent, labels)
}

/// An interned set, with the parent it extends kept alive so that the parent's address in the
/// key stays its own.
struct Interned {
    _parent: MetricAttributes,
    attributes: MetricAttributes,
}

pub struct BindingMeter {
    inner: Arc<dyn CoreMeter>,
    interned: Mutex<HashMap<InternKey, Interned>>,
    capacity: usize,
}

impl BindingMeter {
    pub fn new(inner: Arc<dyn CoreMeter>) -> Self {
        Self::with_capacity(inner, CAPACITY)
    }

    fn with_capacity(inner: Arc<dyn CoreMeter>, capacity: usize) -> Self {
        Self {
            inner,
            interned: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn intern(
        &self,
        key: InternKey,
        parent: MetricAttributes,
        make: impl FnOnce() -> MetricAttributes,
    ) -> MetricAttributes {
        let mut interned = self.interned.lock();
        if let Some(found) = interned.get(&key) {
            return found.attributes.clone();
        }
        let attributes = make();
        if interned.len() < self.capacity && identity(&attributes).is_some() {
            interned.insert(
                key,
                Interned {
                    _parent: parent,
                    attributes: attributes.clone(),
                },
            );
        }
        attributes
    }

    fn binding<T: MetricAttributable<T>>(&self, instrument: T) -> Binding<T> {
        Binding::new(instrument, self.capacity)
    }
}

impl Debug for BindingMeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BindingMeter({:?})", self.inner)
    }
}

impl CoreMeter for BindingMeter {
    fn new_attributes(&self, attributes: NewAttributes) -> MetricAttributes {
        let key = intern_key(NO_PARENT, &attributes);
        self.intern(key, MetricAttributes::Empty, || {
            self.inner.new_attributes(attributes)
        })
    }

    fn extend_attributes(
        &self,
        existing: MetricAttributes,
        attributes: NewAttributes,
    ) -> MetricAttributes {
        match identity(&existing) {
            Some(parent) => {
                let key = intern_key(parent, &attributes);
                self.intern(key, existing.clone(), || {
                    self.inner.extend_attributes(existing, attributes)
                })
            }
            None => self.inner.extend_attributes(existing, attributes),
        }
    }

    fn counter(&self, params: MetricParameters) -> Counter {
        Counter::new(Arc::new(self.binding(self.inner.counter(params))))
    }

    fn histogram(&self, params: MetricParameters) -> Histogram {
        Histogram::new(Arc::new(self.binding(self.inner.histogram(params))))
    }

    fn histogram_f64(&self, params: MetricParameters) -> HistogramF64 {
        HistogramF64::new(Arc::new(self.binding(self.inner.histogram_f64(params))))
    }

    fn histogram_duration(&self, params: MetricParameters) -> HistogramDuration {
        HistogramDuration::new(Arc::new(
            self.binding(self.inner.histogram_duration(params)),
        ))
    }

    fn gauge(&self, params: MetricParameters) -> Gauge {
        Gauge::new(Arc::new(self.binding(self.inner.gauge(params))))
    }

    fn gauge_f64(&self, params: MetricParameters) -> GaugeF64 {
        GaugeF64::new(Arc::new(self.binding(self.inner.gauge_f64(params))))
    }

    fn up_down_counter(&self, params: MetricParameters) -> UpDownCounter {
        UpDownCounter::new(Arc::new(self.binding(self.inner.up_down_counter(params))))
    }
}

/// One instrument of the exporter's meter, with its bindings by attribute identity. Each bound
/// instrument is shared, so the exporter binds it (its own lookup) once.
struct Binding<T> {
    instrument: T,
    bound: RwLock<ByIdentity<(MetricAttributes, Arc<T>)>>,
    capacity: usize,
}

impl<T: MetricAttributable<T>> Binding<T> {
    fn new(instrument: T, capacity: usize) -> Self {
        Self {
            instrument,
            bound: RwLock::new(ByIdentity::default()),
            capacity,
        }
    }

    fn bind(&self, attributes: &MetricAttributes) -> Result<Arc<T>, Box<dyn std::error::Error>> {
        let Some(id) = identity(attributes) else {
            return Ok(Arc::new(self.instrument.with_attributes(attributes)?));
        };
        if let Some((_, bound)) = self.bound.read().get(&id) {
            return Ok(bound.clone());
        }
        let mut table = self.bound.write();
        if let Some((_, bound)) = table.get(&id) {
            return Ok(bound.clone());
        }
        let bound = Arc::new(self.instrument.with_attributes(attributes)?);
        if table.len() < self.capacity {
            table.insert(id, (attributes.clone(), bound.clone()));
        }
        Ok(bound)
    }
}

/// A shared bound instrument, as the boxed base core records on.
struct Shared<T>(Arc<T>);

macro_rules! binding {
    ($instrument:ty, $base:ident, $method:ident, $value:ty) => {
        impl $base for Shared<$instrument> {
            fn $method(&self, value: $value) {
                self.0.$method(value)
            }
        }
        impl MetricAttributable<Box<dyn $base>> for Binding<$instrument> {
            fn with_attributes(
                &self,
                attributes: &MetricAttributes,
            ) -> Result<Box<dyn $base>, Box<dyn std::error::Error>> {
                Ok(Box::new(Shared(self.bind(attributes)?)))
            }
        }
    };
}

binding!(Counter, CounterBase, adds, u64);
binding!(Histogram, HistogramBase, records, u64);
binding!(HistogramF64, HistogramF64Base, records, f64);
binding!(HistogramDuration, HistogramDurationBase, records, Duration);
binding!(Gauge, GaugeBase, records, u64);
binding!(GaugeF64, GaugeF64Base, records, f64);
binding!(UpDownCounter, UpDownCounterBase, adds, i64);

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use temporalio_common::telemetry::{
        metrics::MetricKeyValue, start_prometheus_metric_exporter, PrometheusExporterOptions,
    };

    fn labels(pairs: &[(&str, &str)]) -> NewAttributes {
        pairs
            .iter()
            .map(|(k, v)| MetricKeyValue::new(*k, v.to_string()))
            .collect::<Vec<_>>()
            .into()
    }

    /// Core's Prometheus exporter on a free loopback port, behind a `BindingMeter` of `capacity`.
    struct Exporter {
        meter: BindingMeter,
        address: std::net::SocketAddr,
        _runtime: tokio::runtime::Runtime,
    }

    impl Exporter {
        fn start(capacity: usize) -> Self {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            let started = runtime.block_on(async {
                start_prometheus_metric_exporter(
                    PrometheusExporterOptions::builder()
                        .socket_addr("127.0.0.1:0".parse().unwrap())
                        .build(),
                )
                .unwrap()
            });
            Self {
                meter: BindingMeter::with_capacity(started.meter, capacity),
                address: started.bound_addr,
                _runtime: runtime,
            }
        }

        /// The scrape's sample lines that start with `prefix`.
        fn samples(&self, prefix: &str) -> Vec<String> {
            let mut stream = std::net::TcpStream::connect(self.address).unwrap();
            write!(
                stream,
                "GET /metrics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                self.address
            )
            .unwrap();
            let mut body = String::new();
            stream.read_to_string(&mut body).unwrap();
            let mut lines: Vec<String> = body
                .lines()
                .filter(|line| line.starts_with(prefix))
                .map(str::to_owned)
                .collect();
            lines.sort();
            lines
        }
    }

    #[test]
    fn equal_label_sets_share_one_identity() {
        let exporter = Exporter::start(CAPACITY);
        let meter = &exporter.meter;
        let base = meter.new_attributes(labels(&[("namespace", "default")]));
        let again = meter.new_attributes(labels(&[("namespace", "default")]));
        assert_eq!(identity(&base), identity(&again));
        let run = meter.extend_attributes(base.clone(), labels(&[("workflow_type", "a")]));
        let next_run = meter.extend_attributes(base.clone(), labels(&[("workflow_type", "a")]));
        let other = meter.extend_attributes(base.clone(), labels(&[("workflow_type", "b")]));
        assert_eq!(identity(&run), identity(&next_run));
        assert_ne!(identity(&run), identity(&other));
        let int = meter.extend_attributes(base.clone(), vec![MetricKeyValue::new("n", 1)].into());
        let string = meter.extend_attributes(base, labels(&[("n", "1")]));
        assert_ne!(identity(&int), identity(&string));
    }

    /// Records as core does: a context per run (extended attributes, instruments bound lazily),
    /// and an unbound recording with attributes. Within and past the cap, every value lands on
    /// its own label set.
    fn records_each_label_set_apart(capacity: usize) {
        let exporter = Exporter::start(capacity);
        let meter = &exporter.meter;
        let counter = meter.counter("runs".into());
        let latency = meter.histogram_duration("latency".into());
        let slots = meter.gauge("slots".into());
        let worker = meter.new_attributes(labels(&[("task_queue", "q")]));
        for run in 0..6 {
            let workflow_type = if run % 3 == 0 { "a" } else { "b" };
            let attributes = meter
                .extend_attributes(worker.clone(), labels(&[("workflow_type", workflow_type)]));
            let bound = counter.with_attributes(&attributes).unwrap();
            bound.adds(1);
            bound.adds(10);
            latency
                .with_attributes(&attributes)
                .unwrap()
                .records(Duration::from_millis(5));
        }
        counter.add(100, &worker);
        slots.record(7, &worker);
        slots.record(3, &worker);
        assert_eq!(
            exporter.samples("runs"),
            [
                "runs{task_queue=\"q\",workflow_type=\"a\"} 22",
                "runs{task_queue=\"q\",workflow_type=\"b\"} 44",
                "runs{task_queue=\"q\"} 100",
            ]
        );
        assert_eq!(
            exporter.samples("latency_count"),
            [
                "latency_count{task_queue=\"q\",workflow_type=\"a\"} 2",
                "latency_count{task_queue=\"q\",workflow_type=\"b\"} 4",
            ]
        );
        assert_eq!(exporter.samples("slots"), ["slots{task_queue=\"q\"} 3"]);
    }

    #[test]
    fn records_each_label_set_apart_when_cached() {
        records_each_label_set_apart(CAPACITY);
    }

    #[test]
    fn records_each_label_set_apart_past_the_cap() {
        records_each_label_set_apart(1);
    }
}
