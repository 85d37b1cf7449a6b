/**
 * Worker plugins, shaped like `@temporalio/worker`'s `WorkerPlugin` (which `@temporalio/plugin`'s
 * `SimplePlugin` and `@temporalio/interceptors-opentelemetry`'s `OpenTelemetryPlugin` implement):
 * a name and optional hooks that change the worker's options, the replay options, the bundler's
 * options, or wrap `worker.run()`.
 *
 * Order, as in the official worker: the plugins of `createWorker({ plugins })`, then those of the
 * `NativeConnection` it uses (`NativeConnection.connect({ plugins })`). Each `configureWorker` gets
 * what the one before returned; the options are validated after the last one, so a plugin's
 * mistake is reported like the caller's (a `WorkerOptionsError` naming the option). The same
 * plugins configure the bundler of `workflowsPath`. `runWorker` hooks nest: the first plugin's is
 * the outermost.
 *
 * @example
 * const auditPlugin: WorkerPlugin = {
 *   name: 'audit',
 *   configureWorker: (options) => ({ ...options, activities: { ...options.activities, auditLog } }),
 *   runWorker: async (worker, next) => {
 *     console.log('worker starting');
 *     try { await next(worker); } finally { console.log('worker stopped'); }
 *   },
 * };
 * const worker = await createWorker({ taskQueue: 'orders', workflowsPath, plugins: [auditPlugin] });
 */
import type { NamedPlugin } from '../common/plugins';
import type { WorkflowBundleOptions } from '../workflow/bundler';
import type { WorkerOptions } from './options';
import type { ReplayOptions } from './replay';
import type { Worker } from './worker';

export interface WorkerPlugin extends NamedPlugin {
  /** Changes the options of `createWorker` before they are validated. May be asynchronous. */
  configureWorker?(options: WorkerOptions): WorkerOptions | Promise<WorkerOptions>;
  /** Changes the options of `runReplayHistory` / `runReplayHistories`. May be asynchronous. */
  configureReplayWorker?(options: ReplayOptions): ReplayOptions | Promise<ReplayOptions>;
  /**
   * Wraps `worker.run()`: call `next(worker)` to run the worker (or the next plugin's hook) and
   * resolve when it has stopped. Not called when replaying.
   */
  runWorker?(worker: Worker, next: (worker: Worker) => Promise<void>): Promise<void>;
  /** Changes the options of the workflow bundler (the worker's bundling of `workflowsPath`, `bundleWorkflowCode`). */
  configureBundler?(options: WorkflowBundleOptions): WorkflowBundleOptions;
}

/** The hooks of a worker plugin, checked when `createWorker` gets it. */
export const WORKER_PLUGIN_HOOKS = [
  'configureWorker',
  'configureReplayWorker',
  'runWorker',
  'configureBundler',
] as const;
