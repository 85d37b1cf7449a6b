//! The replayer: a replay worker fed with recorded histories, polled and completed like any
//! worker (`tbs_worker_*`). Non-determinism surfaces as an eviction with reason NONDETERMINISM.

use crate::{
    channel::Completion,
    error::{BridgeError, BridgeResult},
    guard::spawn_request,
    worker::{BridgeWorker, WORKERS},
};
use prost::Message;
use serde::Deserialize;
use std::sync::Arc;
use temporalio_common::{protos::temporal::api::history::v1::History, worker::WorkerTaskTypes};
use temporalio_sdk_core::{
    replay::{HistoryFeeder, HistoryForReplay, ReplayWorkerInput},
    WorkerConfig,
};

/// Histories buffered before `push_history` waits for the replayer to take one.
const FEED_BUFFER: usize = 16;

/// Every key is required (the host's `runReplayHistory` holds the defaults); `identity` may be
/// `null` (core's default identity).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayerOptionsJson {
    pub namespace: String,
    pub task_queue: String,
    #[serde(deserialize_with = "Option::deserialize")]
    pub identity: Option<String>,
}

pub fn config(json: &[u8]) -> BridgeResult<WorkerConfig> {
    let options: ReplayerOptionsJson = serde_json::from_slice(json)
        .map_err(|e| BridgeError::invalid_argument(format!("invalid replayer options: {e}")))?;
    WorkerConfig::builder()
        .namespace(options.namespace)
        .task_queue(options.task_queue)
        .maybe_client_identity_override(options.identity)
        .versioning_strategy(Default::default())
        .task_types(WorkerTaskTypes::workflow_only())
        .max_cached_workflows(1usize)
        // Sticky caching needs two workflow task slots; core forces the cache size to 1 anyway.
        .max_outstanding_workflow_tasks(2usize)
        .max_outstanding_activities(1usize)
        .max_outstanding_local_activities(1usize)
        .build()
        .map_err(|e| BridgeError::invalid_argument(format!("invalid replayer options: {e}")))
}

/// Creates a replay worker (sync). Returns a worker handle, or 0.
///
/// # Safety
/// `options` must be valid for reads of `options_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn tbs_replayer_new(
    runtime: u64,
    options: *const u8,
    options_len: usize,
) -> u64 {
    crate::guard::handle(|| {
        let runtime = crate::runtime::RUNTIMES.get(runtime)?;
        let config = config(unsafe { crate::buffers::borrow(options, options_len)? })?;
        let (feeder, stream) = HistoryFeeder::new(FEED_BUFFER);
        let _context = runtime.tokio().enter();
        let core = temporalio_sdk_core::init_replay_worker(ReplayWorkerInput::new(config, stream))
            .map_err(|e| BridgeError::worker(format!("cannot create the replayer: {e:#}")))?;
        Ok(WORKERS.insert(Arc::new(BridgeWorker::new(
            runtime.clone(),
            core,
            Some(feeder),
        ))))
    })
}

/// Feeds one history (`temporal.api.history.v1.History` bytes, borrowed) for `workflow_id`
/// (borrowed UTF-8) into a replayer (async; answers no value).
///
/// # Safety
/// Both inputs must be valid for reads of their lengths.
#[no_mangle]
pub unsafe extern "C" fn tbs_replayer_push_history(
    worker: u64,
    workflow_id: *const u8,
    workflow_id_len: usize,
    history: *const u8,
    history_len: usize,
    request_id: u64,
) -> i32 {
    crate::guard::status(|| {
        let worker = WORKERS.get(worker)?;
        let workflow_id =
            unsafe { crate::buffers::borrow_str(workflow_id, workflow_id_len, "workflowId")? }
                .to_owned();
        let history = History::decode(unsafe { crate::buffers::borrow(history, history_len)? })
            .map_err(|e| {
                BridgeError::invalid_argument(format!(
                    "the history is not a valid temporal.api.history.v1.History: {e}"
                ))
            })?;
        if history.events.is_empty() {
            return Err(BridgeError::invalid_argument("the history has no events"));
        }
        let feeder = worker.feeder.lock().clone().ok_or_else(|| {
            BridgeError::illegal_state("not a replayer, or the replayer was closed")
        })?;
        spawn_request(
            &worker.runtime.tokio(),
            worker.runtime.channel.clone(),
            request_id,
            async move {
                feeder
                    .feed(HistoryForReplay::new(history, workflow_id))
                    .await
                    .map(|_| Completion::Empty)
                    .map_err(|e| {
                        BridgeError::illegal_state(format!(
                            "the replayer no longer accepts histories: {e}"
                        ))
                    })
            },
        );
        Ok(())
    })
}

/// Signals that no more histories will be pushed: once the pushed ones are replayed, the
/// replayer's polls resolve with `SHUT_DOWN`.
#[no_mangle]
pub extern "C" fn tbs_replayer_close(worker: u64) -> i32 {
    crate::guard::status(|| {
        let worker = WORKERS.get(worker)?;
        let feeder = worker.feeder.lock().take();
        match feeder {
            Some(_) => Ok(()),
            None => Err(BridgeError::illegal_state(
                "not a replayer, or the replayer was already closed",
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replayer_options_build_a_valid_core_config() {
        let config = config_from(br#"{"namespace":"n","taskQueue":"t","identity":"i"}"#);
        assert_eq!(config.namespace, "n");
        assert_eq!(config.task_queue, "t");
        assert_eq!(config.client_identity_override.as_deref(), Some("i"));
        let config = config_from(br#"{"namespace":"n","taskQueue":"t","identity":null}"#);
        assert!(config.client_identity_override.is_none());
    }

    #[test]
    fn every_replayer_option_is_required() {
        for (json, missing) in [
            (&br#"{"taskQueue":"t","identity":null}"#[..], "namespace"),
            (br#"{"namespace":"n","identity":null}"#, "taskQueue"),
            (br#"{"namespace":"n","taskQueue":"t"}"#, "identity"),
            (b"", "EOF"),
        ] {
            match config(json) {
                Ok(_) => panic!("{missing} is required"),
                Err(error) => assert!(error.message.contains(missing), "{}", error.message),
            }
        }
    }

    #[test]
    fn unknown_replayer_options_are_named() {
        match config(br#"{"namespace":"n","taskQueue":"t","identity":null,"maxCachedWorkflows":3}"#)
        {
            Ok(_) => panic!("maxCachedWorkflows is not a replayer option"),
            Err(error) => assert!(
                error.message.contains("maxCachedWorkflows"),
                "{}",
                error.message
            ),
        }
    }

    fn config_from(json: &[u8]) -> WorkerConfig {
        config(json).unwrap_or_else(|e| panic!("{e}"))
    }
}
