//! Worker options: the JSON the host sends to `tbs_worker_new`, and its translation into
//! sdk-core's `WorkerConfig`.
//!
//! Defaults and validation live in the host (`packages/temporal-bun-sdk/src/worker/options.ts`),
//! as in the official SDK: every key is required here (a missing key is an `INVALID_ARGUMENT`
//! naming it; `null` where a value is optional), so no default is written twice. The bridge only
//! refuses what would crash or hang it ([`limits`]) and what sdk-core's own config check refuses.

use crate::error::{BridgeError, BridgeResult};
use serde::{Deserialize, Deserializer};
use std::sync::Arc;
use std::time::Duration;
use temporalio_common::worker::{
    VersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion, WorkerTaskTypes,
};
use temporalio_sdk_core::{
    PollerBehavior, ResourceBasedSlotsOptions, ResourceBasedTunerConfig, ResourceSlotOptions,
    SlotKind, SlotSupplierOptions, TunerHolderOptions, WorkerConfig, WorkerVersioningStrategy,
};

/// Upper bounds: a larger value could only exhaust memory (sdk-core sizes the sticky cache up
/// front: `maxCachedWorkflows: 1e12` asked for terabytes and aborted the process), overflow tokio's
/// semaphores (a panic), or overflow a timer. The host validates the same bounds with friendlier
/// errors (`WORKER_LIMITS` in the TypeScript package; `tests/worker/worker-limits.test.ts` reads
/// this file and checks that the two agree).
pub mod limits {
    pub const MAX_CACHED_WORKFLOWS: usize = 1_000_000;
    /// Each of the workflow task, activity and local activity slot counts (also a tuner's
    /// fixed-size `numSlots` and resource-based `minimumSlots` / `maximumSlots`).
    pub const MAX_CONCURRENT_EXECUTIONS: usize = 1_000_000;
    /// Each of the workflow and activity poller counts (simple maximum; autoscaling minimum,
    /// maximum and initial).
    pub const MAX_CONCURRENT_POLLS: usize = 1024;
    /// Each of the activity rate limits, per second.
    pub const MAX_ACTIVITIES_PER_SECOND: f64 = 1_000_000.0;
    /// Every duration: 2^31 - 1 ms, the longest timer a JavaScript host sets.
    pub const MAX_DURATION_MS: u64 = (1 << 31) - 1;
}

/// An `Option` whose key must still be present (`null` for none): serde treats a missing
/// `Option` as `None` unless told otherwise.
fn required<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerOptionsJson {
    pub namespace: String,
    pub task_queue: String,
    /// `null`: the client's identity.
    #[serde(deserialize_with = "required")]
    pub identity: Option<String>,
    /// `""`: none.
    pub build_id: String,
    pub use_build_id_versioning: bool,
    #[serde(deserialize_with = "required")]
    pub deployment_name: Option<String>,
    #[serde(deserialize_with = "required")]
    pub use_worker_versioning: Option<bool>,
    #[serde(deserialize_with = "required")]
    pub default_versioning_behavior: Option<String>,
    pub max_cached_workflows: usize,
    /// The three slot counts: all numbers without a tuner, all `null` with one.
    #[serde(deserialize_with = "required")]
    pub max_concurrent_workflow_task_executions: Option<usize>,
    #[serde(deserialize_with = "required")]
    pub max_concurrent_activity_task_executions: Option<usize>,
    #[serde(deserialize_with = "required")]
    pub max_concurrent_local_activity_executions: Option<usize>,
    /// `null`: slots come from the `maxConcurrent*` counts.
    #[serde(deserialize_with = "required")]
    pub tuner: Option<TunerJson>,
    pub workflow_task_poller_behavior: PollerBehaviorJson,
    pub activity_task_poller_behavior: PollerBehaviorJson,
    pub nonsticky_to_sticky_poll_ratio: f32,
    pub sticky_queue_schedule_to_start_timeout_ms: u64,
    pub graceful_shutdown_period_ms: u64,
    pub enable_workflows: bool,
    pub enable_non_local_activities: bool,
    pub max_heartbeat_throttle_interval_ms: u64,
    pub default_heartbeat_throttle_interval_ms: u64,
    #[serde(deserialize_with = "required")]
    pub max_activities_per_second: Option<f64>,
    #[serde(deserialize_with = "required")]
    pub max_task_queue_activities_per_second: Option<f64>,
}

/// A worker tuner: one slot supplier per slot kind (Nexus is not enabled, so it has none), and
/// the options of the resource controller that every resource-based supplier shares.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TunerJson {
    pub workflow_task_slot_supplier: SlotSupplierJson,
    pub activity_task_slot_supplier: SlotSupplierJson,
    pub local_activity_task_slot_supplier: SlotSupplierJson,
    /// Required (not `null`) when a supplier is resource-based, `null` otherwise.
    #[serde(deserialize_with = "required")]
    pub resource_based_options: Option<ResourceBasedOptionsJson>,
}

#[derive(Deserialize, Debug)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum SlotSupplierJson {
    FixedSize {
        num_slots: usize,
    },
    ResourceBased {
        minimum_slots: usize,
        maximum_slots: usize,
        ramp_throttle_ms: u64,
    },
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceBasedOptionsJson {
    /// In (0, 1]: the share of system memory the worker aims to keep in use.
    pub target_memory_usage: f64,
    /// In (0, 1]: the share of CPU the worker aims to keep in use.
    pub target_cpu_usage: f64,
}

#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum PollerBehaviorJson {
    SimpleMaximum {
        maximum: usize,
    },
    Autoscaling {
        minimum: usize,
        maximum: usize,
        initial: usize,
    },
}

fn invalid(option: &str, problem: impl std::fmt::Display) -> BridgeError {
    BridgeError::invalid_argument(format!("worker option {option}: {problem}"))
}

fn at_most(option: &str, value: usize, maximum: usize) -> BridgeResult<usize> {
    if value > maximum {
        Err(invalid(
            option,
            format!("must be at most {maximum}, got {value}"),
        ))
    } else {
        Ok(value)
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

fn bounded_rate(option: &str, value: Option<f64>) -> BridgeResult<Option<f64>> {
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

fn poller_behavior(option: &str, behavior: PollerBehaviorJson) -> BridgeResult<PollerBehavior> {
    let count = |field: &str, value: usize| {
        at_most(
            &format!("{option}.{field}"),
            value,
            limits::MAX_CONCURRENT_POLLS,
        )
    };
    let behavior = match behavior {
        PollerBehaviorJson::SimpleMaximum { maximum } => {
            PollerBehavior::SimpleMaximum(count("maximum", maximum)?)
        }
        PollerBehaviorJson::Autoscaling {
            minimum,
            maximum,
            initial,
        } => PollerBehavior::Autoscaling {
            minimum: count("minimum", minimum)?,
            maximum: count("maximum", maximum)?,
            initial: count("initial", initial)?,
        },
    };
    // Core checks this only when the worker starts polling: refuse it while the option is named.
    behavior.validate().map_err(|e| invalid(option, e))?;
    Ok(behavior)
}

fn slot_supplier<SK: SlotKind>(
    option: &str,
    supplier: &SlotSupplierJson,
) -> BridgeResult<SlotSupplierOptions<SK>> {
    let slots = |field: &str, value: usize| {
        at_most(
            &format!("tuner.{option}.{field}"),
            value,
            limits::MAX_CONCURRENT_EXECUTIONS,
        )
    };
    Ok(match *supplier {
        SlotSupplierJson::FixedSize { num_slots } => {
            if num_slots == 0 {
                return Err(invalid(&format!("tuner.{option}.numSlots"), "must be > 0"));
            }
            SlotSupplierOptions::FixedSize {
                slots: slots("numSlots", num_slots)?,
            }
        }
        SlotSupplierJson::ResourceBased {
            minimum_slots,
            maximum_slots,
            ramp_throttle_ms,
        } => {
            let minimum = slots("minimumSlots", minimum_slots)?;
            let maximum = slots("maximumSlots", maximum_slots)?;
            if maximum == 0 || minimum > maximum {
                return Err(invalid(
                    &format!("tuner.{option}"),
                    format!("needs 0 < maximumSlots and minimumSlots <= maximumSlots, got {minimum} and {maximum}"),
                ));
            }
            let ramp = bounded_ms(&format!("tuner.{option}.rampThrottleMs"), ramp_throttle_ms)?;
            SlotSupplierOptions::ResourceBased(ResourceSlotOptions::new(minimum, maximum, ramp))
        }
    })
}

fn tuner(tuner: &TunerJson) -> BridgeResult<TunerHolderOptions> {
    let workflow = slot_supplier(
        "workflowTaskSlotSupplier",
        &tuner.workflow_task_slot_supplier,
    )?;
    let activity = slot_supplier(
        "activityTaskSlotSupplier",
        &tuner.activity_task_slot_supplier,
    )?;
    let local_activity = slot_supplier(
        "localActivityTaskSlotSupplier",
        &tuner.local_activity_task_slot_supplier,
    )?;
    let resource_based = [
        &tuner.workflow_task_slot_supplier,
        &tuner.activity_task_slot_supplier,
        &tuner.local_activity_task_slot_supplier,
    ]
    .iter()
    .any(|s| matches!(s, SlotSupplierJson::ResourceBased { .. }));
    let resource_based_config = match (&tuner.resource_based_options, resource_based) {
        (Some(options), true) => {
            for (field, value) in [
                ("targetMemoryUsage", options.target_memory_usage),
                ("targetCpuUsage", options.target_cpu_usage),
            ] {
                if !(value > 0.0 && value <= 1.0) {
                    return Err(invalid(
                        &format!("tuner.resourceBasedOptions.{field}"),
                        format!("must be in (0, 1], got {value}"),
                    ));
                }
            }
            Some(ResourceBasedTunerConfig::Options(
                ResourceBasedSlotsOptions::builder()
                    .target_mem_usage(options.target_memory_usage)
                    .target_cpu_usage(options.target_cpu_usage)
                    .build(),
            ))
        }
        (None, false) => None,
        (None, true) => {
            return Err(invalid(
                "tuner.resourceBasedOptions",
                "is required when a slot supplier is resource-based",
            ))
        }
        (Some(_), false) => {
            return Err(invalid(
                "tuner.resourceBasedOptions",
                "must be null when no slot supplier is resource-based",
            ))
        }
    };
    TunerHolderOptions::builder()
        .workflow_slot_options(workflow)
        .activity_slot_options(activity)
        .local_activity_slot_options(local_activity)
        .maybe_resource_based_config(resource_based_config)
        .build()
        .map_err(|e| invalid("tuner", e))
}

pub fn parse(json: &[u8]) -> BridgeResult<WorkerOptionsJson> {
    serde_json::from_slice(json).map_err(|e| {
        // serde names the unknown or missing key; prefix so the host sees which object failed.
        BridgeError::invalid_argument(format!("invalid worker options: {e}"))
    })
}

fn versioning(options: &WorkerOptionsJson) -> BridgeResult<WorkerVersioningStrategy> {
    let build_id = options.build_id.clone();
    if let Some(deployment_name) = &options.deployment_name {
        let Some(use_worker_versioning) = options.use_worker_versioning else {
            return Err(invalid(
                "useWorkerVersioning",
                "is required (true or false) with deploymentName",
            ));
        };
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

/// Bounds the options and builds sdk-core's config (whose own check refuses the rest, e.g. zero
/// slots, or fewer than two workflow pollers with a sticky cache).
pub fn to_config(options: &WorkerOptionsJson) -> BridgeResult<WorkerConfig> {
    let max_cached = at_most(
        "maxCachedWorkflows",
        options.max_cached_workflows,
        limits::MAX_CACHED_WORKFLOWS,
    )?;
    let count = |option: &str, value: Option<usize>| {
        value
            .map(|v| at_most(option, v, limits::MAX_CONCURRENT_EXECUTIONS))
            .transpose()
    };
    let max_workflow_tasks = count(
        "maxConcurrentWorkflowTaskExecutions",
        options.max_concurrent_workflow_task_executions,
    )?;
    let max_activities = count(
        "maxConcurrentActivityTaskExecutions",
        options.max_concurrent_activity_task_executions,
    )?;
    let max_local_activities = count(
        "maxConcurrentLocalActivityExecutions",
        options.max_concurrent_local_activity_executions,
    )?;
    let counts_set = [max_workflow_tasks, max_activities, max_local_activities]
        .iter()
        .filter(|c| c.is_some())
        .count();
    let tuner = match (&options.tuner, counts_set) {
        (Some(json), 0) => {
            let holder = tuner(json)?
                .build_tuner_holder()
                .map_err(|e| invalid("tuner", e))?;
            Some(Arc::new(holder) as Arc<dyn temporalio_sdk_core::WorkerTuner + Send + Sync>)
        }
        (None, 3) => None,
        (Some(_), _) => {
            return Err(invalid(
                "tuner",
                "excludes maxConcurrentWorkflowTaskExecutions, maxConcurrentActivityTaskExecutions and maxConcurrentLocalActivityExecutions: set them to null",
            ))
        }
        (None, _) => {
            return Err(invalid(
                "maxConcurrentWorkflowTaskExecutions",
                "and the other two slot counts are required (all three) without a tuner",
            ))
        }
    };
    let workflow_pollers = poller_behavior(
        "workflowTaskPollerBehavior",
        options.workflow_task_poller_behavior,
    )?;
    let activity_pollers = poller_behavior(
        "activityTaskPollerBehavior",
        options.activity_task_poller_behavior,
    )?;
    // Core divides pollers by this ratio unchecked: NaN or 0 would leave a queue unpolled.
    let ratio = options.nonsticky_to_sticky_poll_ratio;
    if !(ratio > 0.0 && ratio <= 1.0) {
        return Err(invalid(
            "nonstickyToStickyPollRatio",
            format!("must be in (0, 1], got {ratio}"),
        ));
    }
    let sticky_timeout = bounded_ms(
        "stickyQueueScheduleToStartTimeoutMs",
        options.sticky_queue_schedule_to_start_timeout_ms,
    )?;
    let max_heartbeat_throttle = bounded_ms(
        "maxHeartbeatThrottleIntervalMs",
        options.max_heartbeat_throttle_interval_ms,
    )?;
    let default_heartbeat_throttle = bounded_ms(
        "defaultHeartbeatThrottleIntervalMs",
        options.default_heartbeat_throttle_interval_ms,
    )?;
    let graceful_ms = options.graceful_shutdown_period_ms;
    bounded_ms("gracefulShutdownPeriodMs", graceful_ms)?;
    let max_activities_per_second =
        bounded_rate("maxActivitiesPerSecond", options.max_activities_per_second)?;
    let max_task_queue_activities_per_second = bounded_rate(
        "maxTaskQueueActivitiesPerSecond",
        options.max_task_queue_activities_per_second,
    )?;

    WorkerConfig::builder()
        .namespace(options.namespace.clone())
        .task_queue(options.task_queue.clone())
        .maybe_client_identity_override(options.identity.clone())
        .versioning_strategy(versioning(options)?)
        .task_types(WorkerTaskTypes {
            enable_workflows: options.enable_workflows,
            enable_local_activities: options.enable_workflows,
            enable_remote_activities: options.enable_non_local_activities,
            enable_nexus: false,
        })
        .max_cached_workflows(max_cached)
        .maybe_max_outstanding_workflow_tasks(max_workflow_tasks)
        .maybe_max_outstanding_activities(max_activities)
        .maybe_max_outstanding_local_activities(max_local_activities)
        .maybe_tuner(tuner)
        .workflow_task_poller_behavior(workflow_pollers)
        .activity_task_poller_behavior(activity_pollers)
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

    /// Every key, with values such as the host sends (which ones is up to the host).
    const FULL: &str = r#"{"namespace":"default","taskQueue":"q","identity":null,"buildId":"",
        "useBuildIdVersioning":false,"deploymentName":null,"useWorkerVersioning":null,
        "defaultVersioningBehavior":null,"maxCachedWorkflows":1000,
        "maxConcurrentWorkflowTaskExecutions":40,"maxConcurrentActivityTaskExecutions":100,
        "maxConcurrentLocalActivityExecutions":100,"tuner":null,
        "workflowTaskPollerBehavior":{"type":"simple-maximum","maximum":10},
        "activityTaskPollerBehavior":{"type":"simple-maximum","maximum":10},
        "nonstickyToStickyPollRatio":0.2,
        "stickyQueueScheduleToStartTimeoutMs":10000,"gracefulShutdownPeriodMs":0,
        "enableWorkflows":true,"enableNonLocalActivities":true,
        "maxHeartbeatThrottleIntervalMs":60000,"defaultHeartbeatThrottleIntervalMs":30000,
        "maxActivitiesPerSecond":null,"maxTaskQueueActivitiesPerSecond":null}"#;

    /// [`FULL`] with some keys replaced (a JSON object's fields) or removed (`None`).
    fn options_with(changes: &[(&str, Option<&str>)]) -> String {
        let mut value: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(FULL).unwrap();
        for (key, change) in changes {
            match change {
                Some(json) => value.insert((*key).to_owned(), serde_json::from_str(json).unwrap()),
                None => value.remove(*key),
            };
        }
        serde_json::Value::Object(value).to_string()
    }

    fn config(json: &str) -> BridgeResult<WorkerConfig> {
        to_config(&parse(json.as_bytes())?)
    }

    fn config_error(json: &str) -> BridgeError {
        match config(json) {
            Ok(_) => panic!("expected {json} to be rejected"),
            Err(error) => error,
        }
    }

    #[test]
    fn every_key_is_required_and_a_missing_one_is_named() {
        config(FULL).unwrap();
        let keys: serde_json::Map<String, serde_json::Value> = serde_json::from_str(FULL).unwrap();
        for key in keys.keys() {
            let error = config_error(&options_with(&[(key, None)]));
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(
                error.message.contains(&format!("missing field `{key}`")),
                "{key}: {}",
                error.message
            );
        }
    }

    #[test]
    fn every_option_reaches_the_core_config() {
        let config = config(&options_with(&[
            ("identity", Some(r#""me""#)),
            ("buildId", Some(r#""b1""#)),
            ("maxCachedWorkflows", Some("0")),
            ("maxConcurrentWorkflowTaskExecutions", Some("1")),
            ("maxConcurrentActivityTaskExecutions", Some("3")),
            ("maxConcurrentLocalActivityExecutions", Some("4")),
            (
                "workflowTaskPollerBehavior",
                Some(r#"{"type":"simple-maximum","maximum":1}"#),
            ),
            (
                "activityTaskPollerBehavior",
                Some(r#"{"type":"autoscaling","minimum":1,"maximum":8,"initial":3}"#),
            ),
            ("nonstickyToStickyPollRatio", Some("0.5")),
            ("stickyQueueScheduleToStartTimeoutMs", Some("1500")),
            ("gracefulShutdownPeriodMs", Some("2500")),
            ("enableNonLocalActivities", Some("false")),
            ("maxHeartbeatThrottleIntervalMs", Some("7000")),
            ("defaultHeartbeatThrottleIntervalMs", Some("6000")),
            ("maxActivitiesPerSecond", Some("2.5")),
            ("maxTaskQueueActivitiesPerSecond", Some("9")),
        ]))
        .unwrap();
        assert_eq!(config.namespace, "default");
        assert_eq!(config.task_queue, "q");
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
            Some(PollerBehavior::Autoscaling {
                minimum: 1,
                maximum: 8,
                initial: 3
            })
        );
        assert!(config.tuner.is_none());
        assert_eq!(config.nonsticky_to_sticky_poll_ratio, 0.5);
        assert_eq!(
            config.sticky_queue_schedule_to_start_timeout,
            Duration::from_millis(1500)
        );
        assert_eq!(
            config.graceful_shutdown_period,
            Some(Duration::from_millis(2500))
        );
        assert!(config.task_types.enable_workflows);
        assert!(!config.task_types.enable_remote_activities);
        assert!(!config.task_types.enable_nexus);
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
        let legacy = config(&options_with(&[
            ("buildId", Some(r#""b""#)),
            ("useBuildIdVersioning", Some("true")),
        ]))
        .unwrap();
        assert!(legacy.versioning_strategy.uses_build_id_based());
        let deployment = config(&options_with(&[
            ("buildId", Some(r#""b""#)),
            ("deploymentName", Some(r#""d""#)),
            ("useWorkerVersioning", Some("true")),
            ("defaultVersioningBehavior", Some(r#""pinned""#)),
        ]))
        .unwrap();
        match deployment.versioning_strategy {
            WorkerVersioningStrategy::WorkerDeploymentBased(d) => {
                assert!(d.use_worker_versioning);
                assert_eq!(d.version.deployment_name, "d");
                assert_eq!(d.version.build_id, "b");
                assert_eq!(
                    d.default_versioning_behavior,
                    Some(VersioningBehavior::Pinned)
                );
            }
            other => panic!("expected deployment versioning, got {other:?}"),
        }
        let unversioned = config(&options_with(&[
            ("buildId", Some(r#""b""#)),
            ("deploymentName", Some(r#""d""#)),
            ("useWorkerVersioning", Some("false")),
        ]))
        .unwrap();
        match unversioned.versioning_strategy {
            WorkerVersioningStrategy::WorkerDeploymentBased(d) => {
                assert!(!d.use_worker_versioning);
                assert_eq!(d.default_versioning_behavior, None);
            }
            other => panic!("expected deployment versioning, got {other:?}"),
        }
        // No default here: the host says whether the worker uses versioning.
        let error = config_error(&options_with(&[
            ("buildId", Some(r#""b""#)),
            ("deploymentName", Some(r#""d""#)),
        ]));
        assert!(
            error.message.contains("useWorkerVersioning"),
            "{}",
            error.message
        );
        let error = config_error(&options_with(&[("useWorkerVersioning", Some("true"))]));
        assert!(
            error.message.contains("deploymentName"),
            "{}",
            error.message
        );
        let error = config_error(&options_with(&[("useBuildIdVersioning", Some("true"))]));
        assert!(error.message.contains("buildId"), "{}", error.message);
        let error = config_error(&options_with(&[
            ("buildId", Some(r#""b""#)),
            ("deploymentName", Some(r#""d""#)),
            ("useWorkerVersioning", Some("true")),
            ("defaultVersioningBehavior", Some(r#""sometimes""#)),
        ]));
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
        ];
        // sdk-core wants no more workflow task slots than cached workflows: cache the most.
        let cache_most = MAX_CACHED_WORKFLOWS.to_string();
        for (option, bound) in counts {
            let at_bound = bound.to_string();
            config(&options_with(&[
                ("maxCachedWorkflows", Some(&cache_most)),
                (option, Some(&at_bound)),
            ]))
            .unwrap();
            for past in [bound as u64 + 1, 1_000_000_000_000, usize::MAX as u64] {
                let past = past.to_string();
                let error = config_error(&options_with(&[
                    ("maxCachedWorkflows", Some(&cache_most)),
                    (option, Some(&past)),
                ]));
                assert_eq!(error.code, ErrorCode::InvalidArgument);
                assert!(
                    error.message.contains(option) && error.message.contains(&at_bound),
                    "{}",
                    error.message
                );
            }
        }
        for option in ["workflowTaskPollerBehavior", "activityTaskPollerBehavior"] {
            let at_bound = MAX_CONCURRENT_POLLS.to_string();
            let simple = |n: u64| format!(r#"{{"type":"simple-maximum","maximum":{n}}}"#);
            let autoscaling = |n: u64| {
                format!(r#"{{"type":"autoscaling","minimum":1,"maximum":{n},"initial":1}}"#)
            };
            let bound = MAX_CONCURRENT_POLLS as u64;
            config(&options_with(&[(option, Some(&simple(bound)))])).unwrap();
            config(&options_with(&[(option, Some(&autoscaling(bound)))])).unwrap();
            for past in [bound + 1, 1_000_000_000_000, usize::MAX as u64] {
                for json in [simple(past), autoscaling(past)] {
                    let error = config_error(&options_with(&[(option, Some(&json))]));
                    assert_eq!(error.code, ErrorCode::InvalidArgument);
                    assert!(
                        error.message.contains(&format!("{option}.maximum"))
                            && error.message.contains(&at_bound),
                        "{}",
                        error.message
                    );
                }
            }
        }
        let nulls = [
            ("maxConcurrentWorkflowTaskExecutions", Some("null")),
            ("maxConcurrentActivityTaskExecutions", Some("null")),
            ("maxConcurrentLocalActivityExecutions", Some("null")),
        ];
        let past = (MAX_CONCURRENT_EXECUTIONS + 1).to_string();
        let at = MAX_CONCURRENT_EXECUTIONS.to_string();
        for (supplier, named) in [
            (
                format!(r#"{{"type":"fixed-size","numSlots":{past}}}"#),
                "numSlots",
            ),
            (
                format!(
                    r#"{{"type":"resource-based","minimumSlots":1,"maximumSlots":{past},"rampThrottleMs":0}}"#
                ),
                "maximumSlots",
            ),
            (
                format!(
                    r#"{{"type":"resource-based","minimumSlots":{past},"maximumSlots":{past},"rampThrottleMs":0}}"#
                ),
                "minimumSlots",
            ),
            (
                format!(
                    r#"{{"type":"resource-based","minimumSlots":1,"maximumSlots":2,"rampThrottleMs":{}}}"#,
                    MAX_DURATION_MS + 1
                ),
                "rampThrottleMs",
            ),
        ] {
            let tuner = format!(
                r#"{{"workflowTaskSlotSupplier":{{"type":"fixed-size","numSlots":2}},
                "activityTaskSlotSupplier":{supplier},
                "localActivityTaskSlotSupplier":{{"type":"fixed-size","numSlots":{at}}},
                "resourceBasedOptions":{{"targetMemoryUsage":0.8,"targetCpuUsage":0.9}}}}"#
            );
            let mut changes = nulls.to_vec();
            changes.push(("tuner", Some(&tuner)));
            let error = config_error(&options_with(&changes));
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(
                error
                    .message
                    .contains(&format!("tuner.activityTaskSlotSupplier.{named}")),
                "{}",
                error.message
            );
        }
        let durations = [
            "stickyQueueScheduleToStartTimeoutMs",
            "maxHeartbeatThrottleIntervalMs",
            "defaultHeartbeatThrottleIntervalMs",
            "gracefulShutdownPeriodMs",
        ];
        for option in durations {
            config(&options_with(&[(
                option,
                Some(&MAX_DURATION_MS.to_string()),
            )]))
            .unwrap();
            let error = config_error(&options_with(&[(
                option,
                Some(&(MAX_DURATION_MS + 1).to_string()),
            )]));
            assert!(error.message.contains(option), "{}", error.message);
        }
        for option in ["maxActivitiesPerSecond", "maxTaskQueueActivitiesPerSecond"] {
            config(&options_with(&[(
                option,
                Some(&MAX_ACTIVITIES_PER_SECOND.to_string()),
            )]))
            .unwrap();
            for refused in ["1e12", "-1", "0"] {
                let error = config_error(&options_with(&[(option, Some(refused))]));
                assert!(error.message.contains(option), "{}", error.message);
            }
        }
    }

    #[test]
    fn what_would_hang_core_is_refused_by_the_bridge_or_by_cores_own_check() {
        let cases = [
            (
                "nonstickyToStickyPollRatio",
                "0",
                "nonstickyToStickyPollRatio",
            ),
            (
                "maxConcurrentWorkflowTaskExecutions",
                "0",
                "max_outstanding_workflow_tasks",
            ),
            (
                "workflowTaskPollerBehavior",
                r#"{"type":"simple-maximum","maximum":1}"#,
                "workflow_task_poller_behavior",
            ),
            (
                "activityTaskPollerBehavior",
                r#"{"type":"autoscaling","minimum":2,"maximum":8,"initial":1}"#,
                "activityTaskPollerBehavior",
            ),
            (
                "activityTaskPollerBehavior",
                r#"{"type":"autoscaling","minimum":0,"maximum":8,"initial":1}"#,
                "activityTaskPollerBehavior",
            ),
            (
                "workflowTaskPollerBehavior",
                r#"{"type":"simple","maximum":4}"#,
                "unknown variant",
            ),
            ("maxCachedWorkflow", "10", "maxCachedWorkflow"),
            ("maxCachedWorkflows", r#""lots""#, "invalid type"),
        ];
        for (option, value, named) in cases {
            let error = config_error(&options_with(&[(option, Some(value))]));
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(error.message.contains(named), "{option}: {}", error.message);
        }
        let error = config_error(&options_with(&[
            ("enableWorkflows", Some("false")),
            ("enableNonLocalActivities", Some("false")),
        ]));
        assert_eq!(error.code, ErrorCode::InvalidArgument);
    }

    const NO_COUNTS: [(&str, Option<&str>); 3] = [
        ("maxConcurrentWorkflowTaskExecutions", Some("null")),
        ("maxConcurrentActivityTaskExecutions", Some("null")),
        ("maxConcurrentLocalActivityExecutions", Some("null")),
    ];

    fn with_tuner(tuner: &str) -> String {
        let mut changes = NO_COUNTS.to_vec();
        changes.push(("tuner", Some(tuner)));
        options_with(&changes)
    }

    #[test]
    fn a_tuner_replaces_the_slot_counts() {
        let fixed = config(&with_tuner(
            r#"{"workflowTaskSlotSupplier":{"type":"fixed-size","numSlots":4},
            "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":1},
            "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
            "resourceBasedOptions":null}"#,
        ))
        .unwrap();
        assert!(fixed.tuner.is_some());
        assert_eq!(fixed.max_outstanding_workflow_tasks, None);
        assert_eq!(fixed.max_outstanding_activities, None);
        assert_eq!(fixed.max_outstanding_local_activities, None);
        let resource_based = config(&with_tuner(
            r#"{"workflowTaskSlotSupplier":{"type":"resource-based","minimumSlots":2,"maximumSlots":1000,"rampThrottleMs":10},
            "activityTaskSlotSupplier":{"type":"resource-based","minimumSlots":1,"maximumSlots":2000,"rampThrottleMs":50},
            "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
            "resourceBasedOptions":{"targetMemoryUsage":0.8,"targetCpuUsage":0.9}}"#,
        ))
        .unwrap();
        assert!(resource_based.tuner.is_some());
        let refused = [
            // A tuner and the counts.
            (
                options_with(&[(
                    "tuner",
                    Some(
                        r#"{"workflowTaskSlotSupplier":{"type":"fixed-size","numSlots":4},
                        "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":1},
                        "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
                        "resourceBasedOptions":null}"#,
                    ),
                )]),
                "worker option tuner: excludes",
            ),
            // Neither.
            (
                options_with(&NO_COUNTS),
                "maxConcurrentWorkflowTaskExecutions",
            ),
            (
                with_tuner(
                    r#"{"workflowTaskSlotSupplier":{"type":"resource-based","minimumSlots":2,"maximumSlots":10,"rampThrottleMs":0},
                    "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":1},
                    "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
                    "resourceBasedOptions":null}"#,
                ),
                "tuner.resourceBasedOptions: is required",
            ),
            (
                with_tuner(
                    r#"{"workflowTaskSlotSupplier":{"type":"fixed-size","numSlots":2},
                    "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":1},
                    "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
                    "resourceBasedOptions":{"targetMemoryUsage":0.8,"targetCpuUsage":0.9}}"#,
                ),
                "tuner.resourceBasedOptions: must be null",
            ),
            (
                with_tuner(
                    r#"{"workflowTaskSlotSupplier":{"type":"resource-based","minimumSlots":2,"maximumSlots":10,"rampThrottleMs":0},
                    "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":1},
                    "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
                    "resourceBasedOptions":{"targetMemoryUsage":1.5,"targetCpuUsage":0.9}}"#,
                ),
                "tuner.resourceBasedOptions.targetMemoryUsage",
            ),
            (
                with_tuner(
                    r#"{"workflowTaskSlotSupplier":{"type":"resource-based","minimumSlots":20,"maximumSlots":10,"rampThrottleMs":0},
                    "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":1},
                    "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
                    "resourceBasedOptions":{"targetMemoryUsage":0.5,"targetCpuUsage":0.9}}"#,
                ),
                "tuner.workflowTaskSlotSupplier",
            ),
            (
                with_tuner(
                    r#"{"workflowTaskSlotSupplier":{"type":"fixed-size","numSlots":2},
                    "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":0},
                    "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
                    "resourceBasedOptions":null}"#,
                ),
                "tuner.activityTaskSlotSupplier.numSlots",
            ),
            (
                with_tuner(
                    r#"{"workflowTaskSlotSupplier":{"type":"custom"},
                    "activityTaskSlotSupplier":{"type":"fixed-size","numSlots":1},
                    "localActivityTaskSlotSupplier":{"type":"fixed-size","numSlots":3},
                    "resourceBasedOptions":null}"#,
                ),
                "unknown variant `custom`",
            ),
        ];
        for (json, named) in refused {
            let error = config_error(&json);
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(error.message.contains(named), "{named}: {}", error.message);
        }
    }
}
