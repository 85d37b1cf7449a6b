/**
 * Full bridge worker options for tests that drive a NativeWorker directly. The bridge takes every
 * key (it has no defaults); the values come from `createWorker`'s own defaults, so the tests use
 * the same numbers a user's worker does.
 */
import type { NativeWorkerOptions } from '../../src/native';
import { compileWorkerOptions } from '../../src/worker/options';

export function nativeWorkerOptions(
  options: Partial<NativeWorkerOptions> & Pick<NativeWorkerOptions, 'namespace' | 'taskQueue'>,
): NativeWorkerOptions {
  const defaults = compileWorkerOptions({
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    // Only to have both task kinds enabled: neither is loaded.
    workflowBundle: { code: '// unused' },
    activities: {},
  }).native;
  return { ...defaults, ...options };
}
