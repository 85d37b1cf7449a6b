//! Worker options: the JSON the host sends to `tbs_worker_new`, its defaults, its validation
//! (errors name the option by its JSON key), and its translation into sdk-core's `WorkerConfig`.

use crate::error::{BridgeError, BridgeResult};
use serde::Deserialize;
use std::time::Duration;
use temporalio_common::worker::{
    VersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion, WorkerTaskTypes,
};
use temporalio_sdk_core::{PollerBehavior, WorkerConfig, WorkerVersioningStrategy};

/// Defaults, one place. Units are in the names.
pub mod defaults {
    pub const MAX_CACHED_WORKFLOWS: usize = 1000;
    pub const MAX_CONCURRENT_WORKFLOW_TASK_EXECUTIONS: usize = 100;
    pub const MAX_CONCURRENT_ACTIVITY_TASK_EXECUTIONS: usize = 100;
    pub const MAX_CONCURRENT_LOCAL_ACTIVITY_EXECUTIONS: usize = 100;
    pub const WORKFLOW_TASK_POLLER_MAXIMUM: usize = 5;
    pub const ACTIVITY_TASK_POLLER_MAXIMUM: usize = 5;
    pub const NONSTICKY_TO_STICKY_POLL_RATIO: f32 = 0.2;
    pub const STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS: u64 = 10_000;
    pub const GRACEFUL_SHUTDOWN_PERIOD_MS: u64 = 0;
    pub const MAX_HEARTBEAT_THROTTLE_INTERVAL_MS: u64 = 60_000;
    pub const DEFAULT_HEARTBEAT_THROTTLE_INTERVAL_MS: u64 = 30_000;
}

/// Upper bounds: a larger value could only exhaust memory (sdk-core sizes the sticky cache up
/// front: `maxCachedWorkflows: 1e12` asked for terabytes and aborted the process), overflow tokio's
/// semaphores (a panic), or overflow a timer. The host validates the same bounds with friendlier
/// errors (`WORKER_LIMITS` in the TypeScript package; a test checks that the two agree).
pub mod limits {
    pub const MAX_CACHED_WORKFLOWS: usize = 1_000_000;
    /// Each of the workflow task, activity and local activity slot counts.
    pub const MAX_CONCURRENT_EXECUTIONS: usize = 1_000_000;
    /// Each of the workflow and activity poller maximums.
    pub const MAX_CONCURRENT_POLLS: usize = 1024;
    /// Each of the activity rate limits, per second.
    pub const MAX_ACTIVITIES_PER_SECOND: f64 = 1_000_000.0;
    /// Every duration: 2^31 - 1 ms, the longest timer a JavaScript host sets.
    pub const MAX_DURATION_MS: u64 = (1 << 31) - 1;
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerOptionsJson {
    pub namespace: String,
    pub task_queue: String,
    pub identity: Option<String>,
    pub build_id: Option<String>,
    #[serde(default)]
    pub use_build_id_versioning: bool,
    pub deployment_name: Option<String>,
    pub use_worker_versioning: Option<bool>,
    pub default_versioning_behavior: Option<String>,
    pub max_cached_workflows: Option<usize>,
    pub max_concurrent_workflow_task_executions: Option<usize>,
    pub max_concurrent_activity_task_executions: Option<usize>,
    pub max_concurrent_local_activity_executions: Option<usize>,
    pub workflow_task_poller_maximum: Option<usize>,
    pub activity_task_poller_maximum: Option<usize>,
    pub nonsticky_to_sticky_poll_ratio: Option<f32>,
    pub sticky_queue_schedule_to_start_timeout_ms: Option<u64>,
    pub graceful_shutdown_period_ms: Option<u64>,
    pub enable_workflows: Option<bool>,
    pub enable_non_local_activities: Option<bool>,
    pub max_heartbeat_throttle_interval_ms: Option<u64>,
    pub default_heartbeat_throttle_interval_ms: Option<u64>,
    pub max_activities_per_second: Option<f64>,
    pub max_task_queue_activities_per_second: Option<f64>,
}

fn invalid(option: &str, problem: impl std::fmt::Display) -> BridgeError {
    BridgeError::invalid_argument(format!("worker option {option}: {problem}"))
}

fn in_range(option: &str, value: usize, minimum: usize, maximum: usize) -> BridgeResult<usize> {
    if value < minimum || value > maximum {
        Err(invalid(
            option,
            format!("must be in [{minimum}, {maximum}], got {value}"),
        ))
    } else {
        Ok(value)
    }
}

fn positive_ms(option: &str, value: u64) -> BridgeResult<Duration> {
    if value == 0 {
        Err(invalid(option, "must be greater than 0 ms"))
    } else {
        bounded_ms(option, value)
    }
}

fn bounded_ms(option: &str, value: u64) -> BridgeResult<Duration> {
    if value > limits::MAX_DURATION_MS {
        Err(invalid(
            option,
            format!(
                "must be at most {} ms, got {value}",
                limits::MAX_DURATION_MS
            ),
        ))
    } else {
        Ok(Duration::from_millis(value))
    }
}

fn positive_rate(option: &str, value: Option<f64>) -> BridgeResult<Option<f64>> {
    match value {
        Some(v) if !(v.is_finite() && v > 0.0 && v <= limits::MAX_ACTIVITIES_PER_SECOND) => {
            Err(invalid(
                option,
                format!(
                    "must be a positive number of at most {} per second, got {v}",
                    limits::MAX_ACTIVITIES_PER_SECOND
                ),
            ))
        }
        other => Ok(other),
    }
}

pub fn parse(json: &[u8]) -> BridgeResult<WorkerOptionsJson> {
    serde_json::from_slice(json).map_err(|e| {
        // serde names the unknown or missing key; prefix so the host sees which object failed.
        BridgeError::invalid_argument(format!("invalid worker options: {e}"))
    })
}

fn versioning(options: &WorkerOptionsJson) -> BridgeResult<WorkerVersioningStrategy> {
    let build_id = options.build_id.clone().unwrap_or_default();
    if let Some(deployment_name) = &options.deployment_name {
        if deployment_name.is_empty() {
            return Err(invalid("deploymentName", "must not be empty"));
        }
        if build_id.is_empty() {
            return Err(invalid("buildId", "is required with deploymentName"));
        }
        let use_worker_versioning = options.use_worker_versioning.unwrap_or(true);
        let default_versioning_behavior = match options.default_versioning_behavior.as_deref() {
            None => None,
            Some("pinned") => Some(VersioningBehavior::Pinned),
            Some("autoUpgrade") => Some(VersioningBehavior::AutoUpgrade),
            Some(other) => {
                return Err(invalid(
                    "defaultVersioningBehavior",
                    format!("must be \"pinned\" or \"autoUpgrade\", got {other:?}"),
                ))
            }
        };
        if !use_worker_versioning && default_versioning_behavior.is_some() {
            return Err(invalid(
                "defaultVersioningBehavior",
                "needs useWorkerVersioning: true",
            ));
        }
        let version = WorkerDeploymentVersion::builder()
            .deployment_name(deployment_name.clone())
            .build_id(build_id)
            .build();
        let mut deployment = WorkerDeploymentOptions::new(version)
            .use_worker_versioning(use_worker_versioning)
            .build();
        deployment.default_versioning_behavior = default_versioning_behavior;
        return Ok(WorkerVersioningStrategy::WorkerDeploymentBased(deployment));
    }
    if options.use_worker_versioning.is_some() || options.default_versioning_behavior.is_some() {
        return Err(invalid(
            "deploymentName",
            "is required with useWorkerVersioning / defaultVersioningBehavior",
        ));
    }
    if options.use_build_id_versioning {
        if build_id.is_empty() {
            return Err(invalid("buildId", "is required with useBuildIdVersioning"));
        }
        return Ok(WorkerVersioningStrategy::LegacyBuildIdBased { build_id });
    }
    Ok(WorkerVersioningStrategy::None { build_id })
}

/// Validates the options and builds sdk-core's config.
pub fn to_config(options: &WorkerOptionsJson) -> BridgeResult<WorkerConfig> {
    use defaults::*;
    if options.namespace.is_empty() {
        return Err(invalid("namespace", "must not be empty"));
    }
    if options.task_queue.is_empty() {
        return Err(invalid("taskQueue", "must not be empty"));
    }
    if matches!(&options.identity, Some(identity) if identity.is_empty()) {
        return Err(invalid("identity", "must not be empty when given"));
    }
    let max_cached = in_range(
        "maxCachedWorkflows",
        options.max_cached_workflows.unwrap_or(MAX_CACHED_WORKFLOWS),
        0,
        limits::MAX_CACHED_WORKFLOWS,
    )?;
    let sticky_minimum = if max_cached > 0 { 2 } else { 1 };
    let sticky_note = |option: &str, value: usize, maximum: usize| -> BridgeResult<usize> {
        if value < sticky_minimum && value >= 1 {
            Err(invalid(option, format!("must be at least 2 while maxCachedWorkflows > 0 (sticky queues need a poller and a slot of their own), got {value}")))
        } else {
            in_range(option, value, 1, maximum)
        }
    };
    let max_workflow_tasks = sticky_note(
        "maxConcurrentWorkflowTaskExecutions",
        options
            .max_concurrent_workflow_task_executions
            .unwrap_or(MAX_CONCURRENT_WORKFLOW_TASK_EXECUTIONS),
        limits::MAX_CONCURRENT_EXECUTIONS,
    )?;
    let max_activities = in_range(
        "maxConcurrentActivityTaskExecutions",
        options
            .max_concurrent_activity_task_executions
            .unwrap_or(MAX_CONCURRENT_ACTIVITY_TASK_EXECUTIONS),
        1,
        limits::MAX_CONCURRENT_EXECUTIONS,
    )?;
    let max_local_activities = in_range(
        "maxConcurrentLocalActivityExecutions",
        options
            .max_concurrent_local_activity_executions
            .unwrap_or(MAX_CONCURRENT_LOCAL_ACTIVITY_EXECUTIONS),
        1,
        limits::MAX_CONCURRENT_EXECUTIONS,
    )?;
    let workflow_pollers = sticky_note(
        "workflowTaskPollerMaximum",
        options
            .workflow_task_poller_maximum
            .unwrap_or(WORKFLOW_TASK_POLLER_MAXIMUM),
        limits::MAX_CONCURRENT_POLLS,
    )?;
    let activity_pollers = in_range(
        "activityTaskPollerMaximum",
        options
            .activity_task_poller_maximum
            .unwrap_or(ACTIVITY_TASK_POLLER_MAXIMUM),
        1,
        limits::MAX_CONCURRENT_POLLS,
    )?;
    let ratio = options
        .nonsticky_to_sticky_poll_ratio
        .unwrap_or(NONSTICKY_TO_STICKY_POLL_RATIO);
    if !(ratio > 0.0 && ratio <= 1.0) {
        return Err(invalid(
            "nonstickyToStickyPollRatio",
            format!("must be in (0, 1], got {ratio}"),
        ));
    }
    let sticky_timeout = positive_ms(
        "stickyQueueScheduleToStartTimeoutMs",
        options
            .sticky_queue_schedule_to_start_timeout_ms
            .unwrap_or(STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS),
    )?;
    let max_heartbeat_throttle = positive_ms(
        "maxHeartbeatThrottleIntervalMs",
        options
            .max_heartbeat_throttle_interval_ms
            .unwrap_or(MAX_HEARTBEAT_THROTTLE_INTERVAL_MS),
    )?;
    let default_heartbeat_throttle = positive_ms(
        "defaultHeartbeatThrottleIntervalMs",
        options
            .default_heartbeat_throttle_interval_ms
            .unwrap_or(DEFAULT_HEARTBEAT_THROTTLE_INTERVAL_MS),
    )?;
    let graceful_ms = options
        .graceful_shutdown_period_ms
        .unwrap_or(GRACEFUL_SHUTDOWN_PERIOD_MS);
    bounded_ms("gracefulShutdownPeriodMs", graceful_ms)?;
    let enable_workflows = options.enable_workflows.unwrap_or(true);
    let enable_activities = options.enable_non_local_activities.unwrap_or(true);
    if !enable_workflows && !enable_activities {
        return Err(invalid("enableWorkflows", "a worker must poll workflows, activities or both (enableWorkflows and enableNonLocalActivities are both false)"));
    }
    let max_activities_per_second =
        positive_rate("maxActivitiesPerSecond", options.max_activities_per_second)?;
    let max_task_queue_activities_per_second = positive_rate(
        "maxTaskQueueActivitiesPerSecond",
        options.max_task_queue_activities_per_second,
    )?;

    WorkerConfig::builder()
        .namespace(options.namespace.clone())
        .task_queue(options.task_queue.clone())
        .maybe_client_identity_override(options.identity.clone())
        .versioning_strategy(versioning(options)?)
        .task_types(WorkerTaskTypes {
            enable_workflows,
            enable_local_activities: enable_workflows,
            enable_remote_activities: enable_activities,
            enable_nexus: false,
        })
        .max_cached_workflows(max_cached)
        .max_outstanding_workflow_tasks(max_workflow_tasks)
        .max_outstanding_activities(max_activities)
        .max_outstanding_local_activities(max_local_activities)
        .workflow_task_poller_behavior(PollerBehavior::SimpleMaximum(workflow_pollers))
        .activity_task_poller_behavior(PollerBehavior::SimpleMaximum(activity_pollers))
        .nonsticky_to_sticky_poll_ratio(ratio)
        .sticky_queue_schedule_to_start_timeout(sticky_timeout)
        .max_heartbeat_throttle_interval(max_heartbeat_throttle)
        .default_heartbeat_throttle_interval(default_heartbeat_throttle)
        .maybe_graceful_shutdown_period(
            (graceful_ms > 0).then(|| Duration::from_millis(graceful_ms)),
        )
        .maybe_max_worker_activities_per_second(max_activities_per_second)
        .maybe_max_task_queue_activities_per_second(max_task_queue_activities_per_second)
        .build()
        .map_err(|e| BridgeError::invalid_argument(format!("invalid worker options: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn config(json: &str) -> BridgeResult<WorkerConfig> {
        to_config(&parse(json.as_bytes())?)
    }

    fn config_error(json: &str) -> BridgeError {
        match config(json) {
            Ok(_) => panic!("expected {json} to be rejected"),
            Err(error) => error,
        }
    }

    const BASE: &str = r#""namespace":"default","taskQueue":"q""#;

    #[test]
    fn defaults_apply_when_only_namespace_and_task_queue_are_given() {
        let config = config(&format!("{{{BASE}}}")).unwrap();
        assert_eq!(config.namespace, "default");
        assert_eq!(config.task_queue, "q");
        assert_eq!(config.max_cached_workflows, defaults::MAX_CACHED_WORKFLOWS);
        assert_eq!(
            config.max_outstanding_workflow_tasks,
            Some(defaults::MAX_CONCURRENT_WORKFLOW_TASK_EXECUTIONS)
        );
        assert_eq!(
            config.max_outstanding_activities,
            Some(defaults::MAX_CONCURRENT_ACTIVITY_TASK_EXECUTIONS)
        );
        assert_eq!(
            config.sticky_queue_schedule_to_start_timeout,
            Duration::from_secs(10)
        );
        assert!(config.graceful_shutdown_period.is_none());
        assert!(config.task_types.enable_workflows && config.task_types.enable_remote_activities);
        assert!(!config.task_types.enable_nexus);
    }

    #[test]
    fn every_option_reaches_the_core_config() {
        let config = config(&format!(
            r#"{{{BASE},"identity":"me","buildId":"b1","maxCachedWorkflows":0,
            "maxConcurrentWorkflowTaskExecutions":1,"maxConcurrentActivityTaskExecutions":3,
            "maxConcurrentLocalActivityExecutions":4,"workflowTaskPollerMaximum":1,
            "activityTaskPollerMaximum":2,"nonstickyToStickyPollRatio":0.5,
            "stickyQueueScheduleToStartTimeoutMs":1500,"gracefulShutdownPeriodMs":2500,
            "enableNonLocalActivities":false,"maxHeartbeatThrottleIntervalMs":7000,
            "defaultHeartbeatThrottleIntervalMs":6000,"maxActivitiesPerSecond":2.5,
            "maxTaskQueueActivitiesPerSecond":9}}"#
        ))
        .unwrap();
        assert_eq!(config.client_identity_override.as_deref(), Some("me"));
        assert_eq!(config.versioning_strategy.build_id(), "b1");
        assert!(!config.versioning_strategy.uses_build_id_based());
        assert_eq!(config.max_cached_workflows, 0);
        assert_eq!(config.max_outstanding_workflow_tasks, Some(1));
        assert_eq!(config.max_outstanding_activities, Some(3));
        assert_eq!(config.max_outstanding_local_activities, Some(4));
        assert_eq!(
            config.workflow_task_poller_behavior,
            Some(PollerBehavior::SimpleMaximum(1))
        );
        assert_eq!(
            config.activity_task_poller_behavior,
            Some(PollerBehavior::SimpleMaximum(2))
        );
        assert_eq!(config.nonsticky_to_sticky_poll_ratio, 0.5);
        assert_eq!(
            config.sticky_queue_schedule_to_start_timeout,
            Duration::from_millis(1500)
        );
        assert_eq!(
            config.graceful_shutdown_period,
            Some(Duration::from_millis(2500))
        );
        assert!(!config.task_types.enable_remote_activities);
        assert_eq!(
            config.max_heartbeat_throttle_interval,
            Duration::from_secs(7)
        );
        assert_eq!(
            config.default_heartbeat_throttle_interval,
            Duration::from_secs(6)
        );
        assert_eq!(config.max_worker_activities_per_second, Some(2.5));
        assert_eq!(config.max_task_queue_activities_per_second, Some(9.0));
    }

    #[test]
    fn versioning_strategies_are_chosen_from_the_options() {
        let legacy = config(&format!(
            r#"{{{BASE},"buildId":"b","useBuildIdVersioning":true}}"#
        ))
        .unwrap();
        assert!(legacy.versioning_strategy.uses_build_id_based());
        let deployment = config(&format!(
            r#"{{{BASE},"buildId":"b","deploymentName":"d","defaultVersioningBehavior":"pinned"}}"#
        ))
        .unwrap();
        match deployment.versioning_strategy {
            WorkerVersioningStrategy::WorkerDeploymentBased(d) => {
                assert!(d.use_worker_versioning);
                assert_eq!(d.version.deployment_name, "d");
                assert!(d.default_versioning_behavior.is_some());
            }
            other => panic!("expected deployment versioning, got {other:?}"),
        }
        let error = config_error(&format!(r#"{{{BASE},"useBuildIdVersioning":true}}"#));
        assert!(error.message.contains("buildId"), "{}", error.message);
        let error = config_error(&format!(
            r#"{{{BASE},"buildId":"b","deploymentName":"d","defaultVersioningBehavior":"sometimes"}}"#
        ));
        assert!(
            error.message.contains("defaultVersioningBehavior"),
            "{}",
            error.message
        );
    }

    #[test]
    fn values_past_the_bounds_are_refused_naming_the_option_and_values_at_them_pass() {
        use limits::*;
        let counts = [
            ("maxCachedWorkflows", MAX_CACHED_WORKFLOWS),
            (
                "maxConcurrentWorkflowTaskExecutions",
                MAX_CONCURRENT_EXECUTIONS,
            ),
            (
                "maxConcurrentActivityTaskExecutions",
                MAX_CONCURRENT_EXECUTIONS,
            ),
            (
                "maxConcurrentLocalActivityExecutions",
                MAX_CONCURRENT_EXECUTIONS,
            ),
            ("workflowTaskPollerMaximum", MAX_CONCURRENT_POLLS),
            ("activityTaskPollerMaximum", MAX_CONCURRENT_POLLS),
        ];
        // sdk-core wants no more workflow task slots than cached workflows: cache the most.
        let base = format!("{BASE},\"maxCachedWorkflows\":{MAX_CACHED_WORKFLOWS}");
        for (option, bound) in counts {
            let base = if option == "maxCachedWorkflows" {
                BASE
            } else {
                base.as_str()
            };
            config(&format!("{{{base},\"{option}\":{bound}}}")).unwrap();
            for past in [bound as u64 + 1, 1_000_000_000_000, usize::MAX as u64] {
                let error = config_error(&format!("{{{base},\"{option}\":{past}}}"));
                assert_eq!(error.code, ErrorCode::InvalidArgument);
                assert!(
                    error.message.contains(option) && error.message.contains(&bound.to_string()),
                    "{}",
                    error.message
                );
            }
        }
        let durations = [
            "stickyQueueScheduleToStartTimeoutMs",
            "maxHeartbeatThrottleIntervalMs",
            "defaultHeartbeatThrottleIntervalMs",
            "gracefulShutdownPeriodMs",
        ];
        for option in durations {
            config(&format!("{{{BASE},\"{option}\":{MAX_DURATION_MS}}}")).unwrap();
            let error = config_error(&format!("{{{BASE},\"{option}\":{}}}", MAX_DURATION_MS + 1));
            assert!(error.message.contains(option), "{}", error.message);
        }
        for option in ["maxActivitiesPerSecond", "maxTaskQueueActivitiesPerSecond"] {
            config(&format!(
                "{{{BASE},\"{option}\":{MAX_ACTIVITIES_PER_SECOND}}}"
            ))
            .unwrap();
            let error = config_error(&format!("{{{BASE},\"{option}\":1e12}}"));
            assert!(error.message.contains(option), "{}", error.message);
        }
    }

    #[test]
    fn invalid_options_are_errors_that_name_the_option() {
        let cases = [
            (
                r#""maxConcurrentWorkflowTaskExecutions":0"#,
                "maxConcurrentWorkflowTaskExecutions",
            ),
            (
                r#""maxConcurrentWorkflowTaskExecutions":1"#,
                "maxConcurrentWorkflowTaskExecutions",
            ),
            (
                r#""workflowTaskPollerMaximum":1"#,
                "workflowTaskPollerMaximum",
            ),
            (
                r#""maxConcurrentActivityTaskExecutions":0"#,
                "maxConcurrentActivityTaskExecutions",
            ),
            (
                r#""maxConcurrentLocalActivityExecutions":0"#,
                "maxConcurrentLocalActivityExecutions",
            ),
            (
                r#""activityTaskPollerMaximum":0"#,
                "activityTaskPollerMaximum",
            ),
            (
                r#""nonstickyToStickyPollRatio":0"#,
                "nonstickyToStickyPollRatio",
            ),
            (
                r#""stickyQueueScheduleToStartTimeoutMs":0"#,
                "stickyQueueScheduleToStartTimeoutMs",
            ),
            (
                r#""maxHeartbeatThrottleIntervalMs":0"#,
                "maxHeartbeatThrottleIntervalMs",
            ),
            (r#""maxActivitiesPerSecond":-1"#, "maxActivitiesPerSecond"),
            (
                r#""enableWorkflows":false,"enableNonLocalActivities":false"#,
                "enableWorkflows",
            ),
            (r#""identity":"""#, "identity"),
            (r#""maxCachedWorkflow":10"#, "maxCachedWorkflow"),
            (r#""maxCachedWorkflows":"lots""#, "invalid type"),
        ];
        for (fragment, named) in cases {
            let error = config_error(&format!("{{{BASE},{fragment}}}"));
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(
                error.message.contains(named),
                "{fragment}: {}",
                error.message
            );
        }
        assert!(config_error(r#"{"taskQueue":"q"}"#)
            .message
            .contains("namespace"));
        assert!(config_error(r#"{"namespace":"n","taskQueue":""}"#)
            .message
            .contains("taskQueue"));
    }
}
