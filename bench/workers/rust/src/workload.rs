//! The benchmark's workload (`bench/workload/workflows.ts` and `activities.ts`) on the Rust SDK:
//! the same workflow, activity, signal and query names, the same arguments and results, the same
//! sequence of commands, so that the server sees the same histories from every worker.

use std::time::Duration;

use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::{
    activities::{ActivityContext, ActivityError},
    ActivityOptions, SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult,
};

/// `proxyActivities({ startToCloseTimeout: '30s' })` in workflows.ts.
const ACTIVITY_START_TO_CLOSE: Duration = Duration::from_secs(30);
/// `HEAVY_TIMER` in workflows.ts.
const HEAVY_TIMER: Duration = Duration::from_millis(100);
/// `HEAVY_ACTIVITIES` in workflows.ts: half before the timer and the signal, half after.
const HEAVY_ACTIVITIES: u32 = 10;
/// `PARKED_TIMER` in workflows.ts: far longer than any run, so the workflow stays parked.
const PARKED_TIMER: Duration = Duration::from_secs(60 * 60);

fn activity_options() -> ActivityOptions {
    ActivityOptions::start_to_close_timeout(ACTIVITY_START_TO_CLOSE)
}

/// The activities of activities.ts.
pub struct BenchActivities;

#[activities]
impl BenchActivities {
    /// Returns its input. The SDK hands every activity its context, as `Context.current()` does.
    #[activity(name = "noop")]
    pub async fn noop(_ctx: ActivityContext, input: String) -> Result<String, ActivityError> {
        Ok(input)
    }
}

/// `oneActivityWorkflow`: one no-op activity, returns its result (scenario A, idle latency).
#[workflow]
#[derive(Default)]
pub struct OneActivityWorkflow;

#[workflow_methods]
impl OneActivityWorkflow {
    #[run(name = "oneActivityWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        Ok(ctx
            .execute_activity(BenchActivities::noop, input, activity_options())
            .await?)
    }
}

/// `heavyWorkflow` (scenario B): 5 activities, a 100 ms timer, waits for the `proceed` signal,
/// 5 more activities; its `progress` query answers how many activities have completed.
#[workflow]
#[derive(Default)]
pub struct HeavyWorkflow {
    proceed: bool,
    completed: u32,
}

#[workflow_methods]
impl HeavyWorkflow {
    #[run(name = "heavyWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        let mut last = input.clone();
        for i in 0..HEAVY_ACTIVITIES {
            if i == HEAVY_ACTIVITIES / 2 {
                ctx.timer(HEAVY_TIMER).await;
                ctx.wait_condition(|state| state.proceed).await?;
            }
            last = ctx
                .execute_activity(
                    BenchActivities::noop,
                    format!("{input}:{i}"),
                    activity_options(),
                )
                .await?;
            ctx.state_mut(|state| state.completed += 1);
        }
        Ok(last)
    }

    #[signal]
    pub fn proceed(&mut self, _ctx: &mut SyncWorkflowContext<Self>) {
        self.proceed = true;
    }

    #[query]
    pub fn progress(&self, _ctx: &WorkflowContextView) -> u32 {
        self.completed
    }
}

/// `parkedWorkflow` (scenario D): one long timer, then returns its input; its `progress` query
/// (no activities: always 0) tells the client the first task has run and the workflow is cached.
#[workflow]
#[derive(Default)]
pub struct ParkedWorkflow;

#[workflow_methods]
impl ParkedWorkflow {
    #[run(name = "parkedWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        ctx.timer(PARKED_TIMER).await;
        Ok(input)
    }

    #[query]
    pub fn progress(&self, _ctx: &WorkflowContextView) -> u32 {
        0
    }
}
