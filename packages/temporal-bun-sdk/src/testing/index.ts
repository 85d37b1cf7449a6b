/**
 * `temporal-bun-sdk/testing`: testing workflows and activities under `bun test`, shaped like
 * `@temporalio/testing` (which needs `@temporalio/worker` and its Node-API addon, so not Bun).
 *
 * - {@link TestWorkflowEnvironment}: a dev server on a free port, a `client` and a `nativeConnection`
 *   for workers, `teardown()`.
 * - {@link MockActivityEnvironment}: an activity's `Context` without a server: heartbeats as events,
 *   `cancel()`, info overrides.
 */
export {
  TestWorkflowEnvironment,
  TimeSkippingUnavailableError,
  type ClientOptionsForTestEnv,
  type DevServerExecutable,
  type ExistingServerTestWorkflowEnvironmentOptions,
  type LocalDevServerConfig,
  type LocalTestWorkflowEnvironmentOptions,
  type TimeSkippingTestWorkflowEnvironmentOptions,
} from './test-workflow-environment';
export {
  MockActivityEnvironment,
  defaultActivityInfo,
  mockActivityInfo,
  type MockActivityEnvironmentEvents,
  type MockActivityEnvironmentOptions,
} from './mock-activity-environment';
export type { ActivityCancelReason } from '../activity/cancellation';
export { DevServerStartError, TemporalCliNotFoundError, type DevServer } from '../dev-server';
