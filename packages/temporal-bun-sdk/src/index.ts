/**
 * temporal-bun-sdk: Temporal workers for Bun on Temporal's Rust engine.
 *
 * `createWorker` runs workflows written with `@temporalio/workflow` and activities written with
 * `@temporalio/activity` unchanged. The client lives in `temporal-bun-sdk/client`.
 */
export * from './worker';
