//! The worker: sdk-core's `Worker` behind a handle. Polls and completions run on the runtime's
//! tokio threads and answer through the completion queue; nothing here blocks the host thread.

use crate::{
    channel::{Completion, Delivery},
    error::{BridgeError, BridgeResult, ErrorCode, RejectedCompletion},
    guard::{spawn_request, spawn_request_with, spawn_stream},
    handles::{HandleKind, HandleTable},
    runtime::BridgeRuntime,
};
use parking_lot::Mutex;
use prost::Message;
use std::{
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};
use temporalio_common::protos::{
    coresdk::{
        activity_result::ActivityExecutionResult, activity_task::activity_task,
        workflow_completion::WorkflowActivationCompletion, ActivityHeartbeat,
        ActivityTaskCompletion,
    },
    temporal::api::failure::v1::Failure,
};
use temporalio_sdk_core::{
    replay::HistoryFeeder, CompleteWfError, PollError, Worker, WorkerValidationError,
};

pub static WORKERS: HandleTable<BridgeWorker> = HandleTable::new(HandleKind::Worker);

pub struct BridgeWorker {
    /// Keeps the runtime alive while the worker exists. Never moved into a spawned task, so the
    /// runtime is never dropped on one of its own threads.
    pub runtime: Arc<BridgeRuntime>,
    /// `None` once finalized. Every in-flight call holds a clone, which is how finalize knows
    /// whether calls are outstanding.
    core: Mutex<Option<Arc<Worker>>>,
    /// Replay workers only: where histories are fed. Dropped on close.
    pub feeder: Mutex<Option<Arc<HistoryFeeder>>>,
    /// Set when the workflow activation stream starts. Core processes completions in its
    /// workflow stream, which runs only while polled: before that, a completion would wait
    /// forever (and it cannot answer an activation anyway), so it is refused.
    workflow_polled: AtomicBool,
}

impl BridgeWorker {
    pub fn new(runtime: Arc<BridgeRuntime>, core: Worker, feeder: Option<HistoryFeeder>) -> Self {
        BridgeWorker {
            runtime,
            core: Mutex::new(Some(Arc::new(core))),
            feeder: Mutex::new(feeder.map(Arc::new)),
            workflow_polled: AtomicBool::new(false),
        }
    }

    fn core(&self) -> BridgeResult<Arc<Worker>> {
        self.core
            .lock()
            .clone()
            .ok_or_else(|| BridgeError::illegal_state("the worker was finalized; create a new one"))
    }

    /// Runs `call` with the core worker on the runtime and answers `request_id` with its result.
    /// The worker reference is released before the answer is pushed, so by the time the host sees
    /// the answer, the call no longer counts as outstanding.
    fn spawn_with_core<F, Fut>(
        &self,
        request_id: u64,
        delivery: Delivery,
        call: F,
    ) -> BridgeResult<()>
    where
        F: FnOnce(Arc<Worker>) -> Fut + Send + 'static,
        Fut: Future<Output = BridgeResult<Completion>> + Send + 'static,
    {
        let core = self.core()?;
        spawn_request_with(
            &self.runtime.tokio(),
            self.runtime.channel.clone(),
            request_id,
            delivery,
            async move { call(core).await },
        );
        Ok(())
    }

    pub fn validate(&self, request_id: u64) -> BridgeResult<()> {
        self.spawn_with_core(request_id, Delivery::Prompt, |core| async move {
            let result = core.validate().await;
            drop(core);
            result.map(|_| Completion::Empty).map_err(validation_error)
        })
    }

    /// Streams activations (see [`spawn_stream`]) until polling fails, with `SHUT_DOWN` at the end.
    pub fn stream_workflow_activations(&self, request_id: u64) -> BridgeResult<()> {
        self.stream_with_core(request_id, next_activation)?;
        self.workflow_polled.store(true, Ordering::Release);
        Ok(())
    }

    /// Streams activity tasks (see [`spawn_stream`]) until polling fails, with `SHUT_DOWN` at the end.
    pub fn stream_activity_tasks(&self, request_id: u64) -> BridgeResult<()> {
        self.stream_with_core(request_id, next_activity_task)
    }

    fn stream_with_core<Fut>(
        &self,
        request_id: u64,
        next: fn(Arc<Worker>) -> Fut,
    ) -> BridgeResult<()>
    where
        Fut: Future<Output = BridgeResult<Completion>> + Send + 'static,
    {
        let core = self.core()?;
        spawn_stream(
            &self.runtime.tokio(),
            self.runtime.channel.clone(),
            request_id,
            move || next(core.clone()),
        );
        Ok(())
    }

    pub fn complete_workflow_activation(
        &self,
        completion: &[u8],
        request_id: u64,
        flags: u32,
    ) -> BridgeResult<()> {
        let delivery = completion_delivery(flags)?;
        let completion = WorkflowActivationCompletion::decode(completion).map_err(|e| {
            BridgeError::invalid_argument(format!("the workflow activation completion is not a valid coresdk.workflow_completion.WorkflowActivationCompletion: {e}"))
        })?;
        if completion.run_id.is_empty() {
            return Err(BridgeError::invalid_argument(
                "the workflow activation completion has no runId",
            ));
        }
        if !self.workflow_polled.load(Ordering::Acquire) {
            return Err(BridgeError::illegal_state(
                "no workflow activation stream was started on this worker yet: a completion answers an activation the worker handed out",
            ));
        }
        self.spawn_with_core(request_id, delivery, |core| async move {
            let result = core.complete_workflow_activation(completion).await;
            drop(core);
            result
                .map(|_| Completion::Empty)
                .map_err(rejected_completion)
        })
    }

    pub fn complete_activity_task(
        &self,
        completion: &[u8],
        request_id: u64,
        flags: u32,
    ) -> BridgeResult<()> {
        let delivery = completion_delivery(flags)?;
        let completion = ActivityTaskCompletion::decode(completion).map_err(|e| {
            BridgeError::invalid_argument(format!(
                "the activity completion is not a valid coresdk.ActivityTaskCompletion: {e}"
            ))
        })?;
        if completion.task_token.is_empty() {
            return Err(BridgeError::invalid_argument(
                "the activity completion has no taskToken",
            ));
        }
        self.spawn_with_core(request_id, delivery, |core| async move {
            let result = core.complete_activity_task(completion).await;
            drop(core);
            result.map(|_| Completion::Empty).map_err(|e| {
                BridgeError::worker(format!("completing the activity task failed: {e}"))
            })
        })
    }

    pub fn record_activity_heartbeat(&self, heartbeat: &[u8]) -> BridgeResult<()> {
        let heartbeat = ActivityHeartbeat::decode(heartbeat).map_err(|e| {
            BridgeError::invalid_argument(format!(
                "the heartbeat is not a valid coresdk.ActivityHeartbeat: {e}"
            ))
        })?;
        if heartbeat.task_token.is_empty() {
            return Err(BridgeError::invalid_argument(
                "the heartbeat has no taskToken",
            ));
        }
        let core = self.core()?;
        let _context = self.runtime.tokio().enter();
        core.record_activity_heartbeat(heartbeat);
        Ok(())
    }

    pub fn request_workflow_eviction(&self, run_id: &str) -> BridgeResult<()> {
        if run_id.is_empty() {
            return Err(BridgeError::invalid_argument("runId must not be empty"));
        }
        let core = self.core()?;
        let _context = self.runtime.tokio().enter();
        core.request_workflow_eviction(run_id);
        Ok(())
    }

    pub fn initiate_shutdown(&self) -> BridgeResult<()> {
        let core = self.core()?;
        let _context = self.runtime.tokio().enter();
        core.initiate_shutdown();
        Ok(())
    }

    /// Takes the core worker out for finalization, refusing while calls are outstanding.
    fn take_for_finalize(&self) -> BridgeResult<Worker> {
        let mut slot = self.core.lock();
        let core = slot
            .take()
            .ok_or_else(|| BridgeError::illegal_state("the worker was already finalized"))?;
        match Arc::try_unwrap(core) {
            Ok(worker) => Ok(worker),
            Err(core) => {
                let outstanding = Arc::strong_count(&core) - 1;
                *slot = Some(core);
                Err(BridgeError::illegal_state(format!(
                    "cannot finalize: {outstanding} poll or completion call(s) are still outstanding; \
                     initiate shutdown and wait for every poll to resolve (SHUT_DOWN) first"
                )))
            }
        }
    }

    /// Finalizes: initiates shutdown if the host has not, polls whatever task kinds the host did
    /// not poll to `SHUT_DOWN` (see [`drain_polls`]), then lets core release everything. Answers
    /// in every case: also for a worker that never polled.
    pub fn finalize_shutdown(&self, request_id: u64) -> BridgeResult<()> {
        let worker = self.take_for_finalize()?;
        spawn_request(
            &self.runtime.tokio(),
            self.runtime.channel.clone(),
            request_id,
            async move {
                worker.initiate_shutdown();
                drain_polls(&worker).await;
                worker.finalize_shutdown().await;
                Ok(Completion::Empty)
            },
        );
        Ok(())
    }

    /// For a worker freed without finalize: shut it down in the background, once the calls still
    /// in flight let go of it.
    pub fn shutdown_in_background(&self) {
        let Some(core) = self.core.lock().take() else {
            return;
        };
        self.feeder.lock().take();
        let runtime = self.runtime.tokio();
        let _context = runtime.enter();
        core.initiate_shutdown();
        runtime.spawn(async move {
            let mut core = core;
            loop {
                match Arc::try_unwrap(core) {
                    Ok(worker) => {
                        drain_polls(&worker).await;
                        return worker.finalize_shutdown().await;
                    }
                    Err(still_shared) => core = still_shared,
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        });
    }
}

/// Core's shutdown completes only once each task kind has been polled until `ShutDown` (the
/// workflow side also tells the local activity manager that workflows are done). A host that
/// never polled, or stopped before `SHUT_DOWN`, would leave finalize waiting forever, so finalize
/// polls here until both kinds end. What still arrives cannot be run any more: an eviction is
/// completed (nothing to do), any other activation is failed (the server retries the task on
/// another worker), and an activity start is failed (retried per its policy).
async fn drain_polls(worker: &Worker) {
    let workflows = async {
        while let Ok(activation) = worker.poll_workflow_activation().await {
            let completion = if activation.is_only_eviction() {
                WorkflowActivationCompletion::empty(activation.run_id)
            } else {
                WorkflowActivationCompletion::fail(
                    activation.run_id,
                    Failure::application_failure(
                        "the worker shut down before it could run this workflow task".to_owned(),
                        false,
                    ),
                    None,
                )
            };
            let _ = worker.complete_workflow_activation(completion).await;
        }
    };
    let activities = async {
        while let Ok(task) = worker.poll_activity_task().await {
            if matches!(task.variant, Some(activity_task::Variant::Start(_))) {
                let _ = worker
                    .complete_activity_task(ActivityTaskCompletion {
                        task_token: task.task_token,
                        result: Some(ActivityExecutionResult::fail(Failure::application_failure(
                            "the worker shut down before it could run this activity".to_owned(),
                            false,
                        ))),
                    })
                    .await;
            }
        }
    };
    futures::join!(workflows, activities);
}

/// `flags` of the completion calls: a successful answer may wait for the next wake-up.
pub const TBS_COMPLETE_DEFER_ACK: u32 = 1;

fn completion_delivery(flags: u32) -> BridgeResult<Delivery> {
    match flags {
        0 => Ok(Delivery::Prompt),
        TBS_COMPLETE_DEFER_ACK => Ok(Delivery::Deferred),
        other => Err(BridgeError::invalid_argument(format!(
            "unknown completion flags {other:#x}; the only flag is TBS_COMPLETE_DEFER_ACK (1)"
        ))),
    }
}

/// The next activation, encoded. The worker reference is dropped before the answer is pushed.
async fn next_activation(core: Arc<Worker>) -> BridgeResult<Completion> {
    core.poll_workflow_activation()
        .await
        .map(|activation| Completion::Bytes(activation.encode_to_vec()))
        .map_err(poll_error)
}

/// The next activity task, encoded. The worker reference is dropped before the answer is pushed.
async fn next_activity_task(core: Arc<Worker>) -> BridgeResult<Completion> {
    core.poll_activity_task()
        .await
        .map(|task| Completion::Bytes(task.encode_to_vec()))
        .map_err(poll_error)
}

/// A refused validation keeps the server's answer: its gRPC status is a field of the error.
fn validation_error(error: WorkerValidationError) -> BridgeError {
    match error {
        WorkerValidationError::NamespaceDescribeError { source, namespace } => BridgeError::worker(
            format!(
                "worker validation failed: namespace {namespace} was not found or could not be described: {} ({:?})",
                source.message(),
                source.code()
            ),
        )
        .with_grpc(&source),
    }
}

/// A refused completion says which kind of refusal, for which run and why, as fields.
fn rejected_completion(error: CompleteWfError) -> BridgeError {
    let message = format!("completing the workflow activation failed: {error}");
    let rejected = match error {
        CompleteWfError::MalformedWorkflowCompletion { reason, run_id } => RejectedCompletion {
            kind: "MALFORMED_COMPLETION",
            run_id,
            reason,
        },
        CompleteWfError::WorkflowNotEnabled => RejectedCompletion {
            kind: "WORKFLOWS_NOT_ENABLED",
            run_id: String::new(),
            reason: "workflows are not enabled on this worker".to_owned(),
        },
    };
    BridgeError {
        rejected_completion: Some(Box::new(rejected)),
        ..BridgeError::worker(message)
    }
}

fn poll_error(error: PollError) -> BridgeError {
    match error {
        PollError::ShutDown => BridgeError::new(
            ErrorCode::ShutDown,
            "the worker is shut down and there are no more tasks of this kind",
        ),
        PollError::TonicError(status) => BridgeError::rpc("polling", &status),
    }
}

/// Creates a worker (sync, no I/O) from a runtime, a client and JSON options (borrowed). Returns
/// the worker handle, or 0 (see `tbs_last_error_take`).
///
/// # Safety
/// `options` must be valid for reads of `options_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_worker_new(
    runtime: u64,
    client: u64,
    options: *const u8,
    options_len: usize,
) -> u64 {
    crate::guard::handle(|| {
        let runtime = crate::runtime::RUNTIMES.get(runtime)?;
        let client = crate::client::CLIENTS.get(client)?;
        let options =
            crate::worker_options::parse(unsafe { crate::buffers::borrow(options, options_len)? })?;
        let config = crate::worker_options::to_config(&options)?;
        let _context = runtime.tokio().enter();
        let core =
            temporalio_sdk_core::init_worker(runtime.core(), config, client.connection.clone())
                .map_err(|e| BridgeError::worker(format!("cannot create the worker: {e:#}")))?;
        Ok(WORKERS.insert(Arc::new(BridgeWorker::new(runtime.clone(), core, None))))
    })
}

/// Checks the worker's namespace on the server (async). Answers no value, or `WORKER_ERROR` whose
/// `grpcCode` / `grpcMessage` are the server's answer (e.g. `NOT_FOUND` for an unknown namespace).
#[no_mangle]
pub extern "C" fn tbs_worker_validate(worker: u64, request_id: u64) -> i32 {
    crate::guard::status(|| WORKERS.get(worker)?.validate(request_id))
}

/// Streams workflow activations (async, many answers): each is an *ok, bytes* entry for
/// `request_id`; the last entry is an error (`SHUT_DOWN` once the worker is shutting down).
#[no_mangle]
pub extern "C" fn tbs_worker_stream_workflow_activations(worker: u64, request_id: u64) -> i32 {
    crate::guard::status(|| WORKERS.get(worker)?.stream_workflow_activations(request_id))
}

/// Streams activity tasks, as `tbs_worker_stream_workflow_activations`.
#[no_mangle]
pub extern "C" fn tbs_worker_stream_activity_tasks(worker: u64, request_id: u64) -> i32 {
    crate::guard::status(|| WORKERS.get(worker)?.stream_activity_tasks(request_id))
}

/// Completes a workflow activation with a `WorkflowActivationCompletion` (borrowed bytes; async).
/// `flags`: 0, or `TBS_COMPLETE_DEFER_ACK` (a success may wait for the next wake-up). A refusal is
/// a `WORKER_ERROR` with a `rejectedCompletion` object (`kind`, `runId`, `reason`).
///
/// # Safety
/// `completion` must be valid for reads of `completion_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_worker_complete_workflow_activation(
    worker: u64,
    completion: *const u8,
    completion_len: usize,
    request_id: u64,
    flags: u32,
) -> i32 {
    crate::guard::status(|| {
        let worker = WORKERS.get(worker)?;
        let completion = unsafe { crate::buffers::borrow(completion, completion_len)? };
        worker.complete_workflow_activation(completion, request_id, flags)
    })
}

/// Completes an activity task with an `ActivityTaskCompletion` (borrowed bytes; async). `flags` as
/// for `tbs_worker_complete_workflow_activation`.
///
/// # Safety
/// `completion` must be valid for reads of `completion_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_worker_complete_activity_task(
    worker: u64,
    completion: *const u8,
    completion_len: usize,
    request_id: u64,
    flags: u32,
) -> i32 {
    crate::guard::status(|| {
        let worker = WORKERS.get(worker)?;
        let completion = unsafe { crate::buffers::borrow(completion, completion_len)? };
        worker.complete_activity_task(completion, request_id, flags)
    })
}

/// Records an `ActivityHeartbeat` (borrowed bytes; sync: core throttles and sends it in the
/// background).
///
/// # Safety
/// `heartbeat` must be valid for reads of `heartbeat_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_worker_record_activity_heartbeat(
    worker: u64,
    heartbeat: *const u8,
    heartbeat_len: usize,
) -> i32 {
    crate::guard::status(|| {
        let worker = WORKERS.get(worker)?;
        let heartbeat = unsafe { crate::buffers::borrow(heartbeat, heartbeat_len)? };
        worker.record_activity_heartbeat(heartbeat)
    })
}

/// Asks core to evict the workflow run whose id is `run_id` (borrowed UTF-8; sync).
///
/// # Safety
/// `run_id` must be valid for reads of `run_id_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_worker_request_workflow_eviction(
    worker: u64,
    run_id: *const u8,
    run_id_len: usize,
) -> i32 {
    crate::guard::status(|| {
        let worker = WORKERS.get(worker)?;
        let run_id = unsafe { crate::buffers::borrow(run_id, run_id_len)? };
        let run_id = std::str::from_utf8(run_id)
            .map_err(|e| BridgeError::invalid_argument(format!("runId is not UTF-8: {e}")))?;
        worker.request_workflow_eviction(run_id)
    })
}

/// Starts shutdown: streams end with `SHUT_DOWN` once the work of their kind is done (sync).
#[no_mangle]
pub extern "C" fn tbs_worker_initiate_shutdown(worker: u64) -> i32 {
    crate::guard::status(|| WORKERS.get(worker)?.initiate_shutdown())
}

/// Finalizes shutdown (async) once no call is outstanding; `ILLEGAL_STATE` otherwise.
#[no_mangle]
pub extern "C" fn tbs_worker_finalize_shutdown(worker: u64, request_id: u64) -> i32 {
    crate::guard::status(|| WORKERS.get(worker)?.finalize_shutdown(request_id))
}

/// Releases a worker handle. A worker that was not finalized is shut down in the background.
#[no_mangle]
pub extern "C" fn tbs_worker_free(worker: u64) -> i32 {
    crate::guard::status(|| {
        let worker = WORKERS.remove(worker)?;
        worker.shutdown_in_background();
        Ok(())
    })
}
