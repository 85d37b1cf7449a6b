//! The benchmark's floor: the workload of `bench/workload/` on the crates.io Rust SDK
//! (`temporalio-sdk`, on the same sdk-core as the bridge), with no JavaScript at all.
//!
//! Started by bench/run.ts with one JSON argument ([`spec::WorkerSpec`]); prints the same ready
//! line as the TypeScript workers once the worker exists; shuts down on SIGTERM or SIGINT.

mod spec;
mod workload;

use std::{error::Error, io::Write, time::Instant};

use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, GrpcCompression, Url,
};
use temporalio_common::worker::WorkerDeploymentOptions;
use temporalio_sdk::{
    runtime::{
        worker_tuner::{FixedSizeSlotSupplier, TunerHolder},
        PollerBehavior,
    },
    Runtime, Worker, WorkerOptions,
};
use tokio::signal::unix::{signal, SignalKind};

use spec::WorkerSpec;
use workload::{BenchActivities, HeavyWorkflow, OneActivityWorkflow, ParkedWorkflow};

/// The worker's build id (unversioned: it only names the worker to the server).
const BUILD_ID: &str = concat!(env!("CARGO_PKG_NAME"), "@", env!("CARGO_PKG_VERSION"));

fn main() -> Result<(), Box<dyn Error>> {
    // The TypeScript workers report `performance.now()`, whose origin is when Bun's runtime
    // started; the nearest point here is entering `main`.
    let started = Instant::now();
    let spec = WorkerSpec::from_args()?;
    // Workflows run on the thread that awaits `Worker::run` (here the main thread, as the JS thread
    // runs them in ours); sdk-core's pollers and gRPC run on the runtime's worker threads.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(spec.runtime_threads)
        .enable_all()
        .build()?
        .block_on(run(spec, started))
}

async fn run(spec: WorkerSpec, started: Instant) -> Result<(), Box<dyn Error>> {
    let runtime = Runtime::from_current_tokio(Default::default())?;
    let target = Url::parse(&format!("http://{}", spec.address))?;
    // temporal-bun-sdk turns gzip off on loopback (the SDK's default is on), and the harness's
    // server is always on loopback.
    let connection = Connection::connect(
        ConnectionOptions::new(target)
            .grpc_compression(GrpcCompression::None)
            .build(),
    )
    .await?;
    let client = Client::new(
        connection,
        ClientOptions::new(spec.namespace.clone()).build(),
    )?;

    let slots = |count: usize| FixedSizeSlotSupplier::new(count);
    let tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(slots(spec.max_concurrent_workflow_task_executions))
        .activity_task_slot_supplier(slots(spec.max_concurrent_activity_task_executions))
        .local_activity_task_slot_supplier(slots(spec.max_concurrent_local_activity_executions))
        // Nexus is not polled (no Nexus handlers registered); the supplier is required all the same.
        .nexus_task_slot_supplier(slots(1))
        .build();
    let options = WorkerOptions::new(spec.task_queue.clone())
        .register_workflow::<OneActivityWorkflow>()?
        .register_workflow::<HeavyWorkflow>()?
        .register_workflow::<ParkedWorkflow>()?
        .register_activities(BenchActivities)
        .max_cached_workflows(spec.max_cached_workflows)
        .tuner(tuner)
        .workflow_task_poller_behavior(PollerBehavior::SimpleMaximum(
            spec.max_concurrent_workflow_task_polls,
        ))
        .activity_task_poller_behavior(PollerBehavior::SimpleMaximum(
            spec.max_concurrent_activity_task_polls,
        ))
        .nonsticky_to_sticky_poll_ratio(spec.non_sticky_to_sticky_poll_ratio)
        // No versioning, as in the TypeScript workers. The SDK's default build id is a CRC of the
        // executable, read whole at start (about 100 MiB with debug info): not what is measured.
        .deployment_options(WorkerDeploymentOptions::from_build_id(BUILD_ID.to_owned()))
        .build();
    let mut worker = Worker::new(&runtime, client, options)?;
    let created_ms = started.elapsed().as_secs_f64() * 1000.0;

    let shutdown = worker.shutdown_handle();
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        shutdown();
    });

    let ready = serde_json::json!({
        "sdk": "temporalio-sdk (Rust)",
        "pid": std::process::id(),
        "createdMs": created_ms,
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}{ready}", spec.ready_prefix)?;
    stdout.flush()?;
    drop(stdout);

    worker.run().await?;
    Ok(())
}
