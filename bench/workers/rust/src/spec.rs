//! What the harness tells the worker: one JSON argument, written by `bench/workers/rust.ts`
//! (which takes the numbers from temporal-bun-sdk's own defaults, so they have one home).

use serde::Deserialize;

/// The worker's settings. Field names are those of the TypeScript options they mirror.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerSpec {
    /// `host:port` of the dev server (plain gRPC on loopback).
    pub address: String,
    pub namespace: String,
    pub task_queue: String,
    /// The ready line's prefix (`READY_PREFIX` in bench/workers/worker-settings.ts).
    pub ready_prefix: String,
    /// Tokio worker threads for sdk-core; the workflows run on the main thread beside them.
    pub runtime_threads: usize,
    pub max_cached_workflows: usize,
    pub max_concurrent_workflow_task_executions: usize,
    pub max_concurrent_activity_task_executions: usize,
    pub max_concurrent_local_activity_executions: usize,
    pub max_concurrent_workflow_task_polls: usize,
    pub max_concurrent_activity_task_polls: usize,
    pub non_sticky_to_sticky_poll_ratio: f32,
}

/// Why the worker could not read its settings.
#[derive(Debug)]
pub enum SpecError {
    /// No argument: the worker is started by bench/run.ts.
    Missing,
    /// The argument is not the JSON the harness writes.
    Malformed(serde_json::Error),
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => write!(
                f,
                "expected one JSON argument (the worker spec): this worker is started by bench/run.ts"
            ),
            Self::Malformed(error) => write!(f, "the worker spec is not valid: {error}"),
        }
    }
}

impl std::error::Error for SpecError {}

impl WorkerSpec {
    /// Reads the spec from the first command-line argument.
    pub fn from_args() -> Result<Self, SpecError> {
        let json = std::env::args().nth(1).ok_or(SpecError::Missing)?;
        serde_json::from_str(&json).map_err(SpecError::Malformed)
    }
}
