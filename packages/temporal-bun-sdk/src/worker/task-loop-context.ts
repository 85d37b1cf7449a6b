/**
 * What the worker runtime hands to each task loop: the native worker to poll and complete, the
 * data converter, and the logger and metrics hooks. Built once per worker in `worker.ts`.
 */
import type { LoadedDataConverter, MetricMeter } from '@temporalio/common';
import type { NativeWorkerBase } from '../native';
import type { Logger } from '../common/logger';
import type { MetricsEmitter } from './metrics';

export interface TaskLoopContext {
  /** The sdk-core worker (or replayer) this loop polls. */
  readonly native: NativeWorkerBase;
  readonly namespace: string;
  readonly taskQueue: string;
  /** Payload converter, failure converter and payload codecs (codecs run outside the sandbox). */
  readonly dataConverter: LoadedDataConverter;
  /** Already tagged with `sdkComponent` and `taskQueue`. */
  readonly logger: Logger;
  readonly metrics: MetricsEmitter;
  /**
   * The runtime's meter for user metrics (activities' `Context.metricMeter`, workflows'
   * `metricMeter`): exported with core's metrics, or a no-op meter when the runtime exports none.
   */
  readonly metricMeter: MetricMeter;
}
