/**
 * Sinks: how workflow code calls functions of the worker (`proxySinks()` in `@temporalio/workflow`).
 *
 * Calls are buffered inside the sandbox during an activation and delivered here, outside it,
 * once the activation is done. A call made while the workflow replays history is dropped unless
 * its sink function says `callDuringReplay: true` — so a sink sees each call once, not once per
 * replay. Same contract as the official SDK's `InjectedSinks`.
 *
 * @example
 * const sinks: InjectedSinks<MySinks> = {
 *   alerts: { notify: { fn: (info, message) => pager.send(`${info.workflowId}: ${message}`) } },
 * };
 */
import type { MetricMeter, MetricTags, NumericMetricValueType } from '@temporalio/common';
import type { Sink, SinkCall, Sinks, WorkflowInfo } from '@temporalio/workflow';
import { logLevelEnabled, type Logger, type LogLevel } from '../common/logger';
import { workflowLogAttributes } from './workflow-info';

/** The worker-side implementation of one sink function. */
export interface InjectedSinkFunction<Function extends (...args: any[]) => any> {
  /** Receives the calling run's info (as of the call) and the arguments. Errors are logged, not thrown. */
  fn(info: WorkflowInfo, ...args: Parameters<Function>): void | Promise<void>;
  /** Deliver calls made while replaying history too. Default false. */
  callDuringReplay?: boolean;
}

export type InjectedSink<Interface extends Sink> = {
  [Name in keyof Interface]: InjectedSinkFunction<Interface[Name]>;
};

/** Implementations of the sinks a workflow declares with `proxySinks<T>()`. */
export type InjectedSinks<Interfaces extends Sinks = Sinks> = {
  [Name in keyof Interfaces]: InjectedSink<Interfaces[Name]>;
};

export interface SinkDelivery {
  logger: Logger;
  /** A replay worker never delivers calls to sinks without `callDuringReplay`. */
  isReplayWorker: boolean;
}

/** What `metricMeter` in `@temporalio/workflow` calls (its `__temporal_metrics` sink). */
interface WorkflowMetricsSink extends Sink {
  addMetricCounterValue(
    name: string,
    unit: string | undefined,
    description: string | undefined,
    value: number,
    tags: MetricTags,
  ): void;
  recordMetricHistogramValue(
    name: string,
    valueType: NumericMetricValueType,
    unit: string | undefined,
    description: string | undefined,
    value: number,
    tags: MetricTags,
  ): void;
  setMetricGaugeValue(
    name: string,
    valueType: NumericMetricValueType,
    unit: string | undefined,
    description: string | undefined,
    value: number,
    tags: MetricTags,
  ): void;
}

/** The workflow logger's functions (`log.trace` … `log.error` in `@temporalio/workflow`), each a level. */
const WORKFLOW_LOG_FUNCTIONS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
type WorkflowLogFunction = (typeof WORKFLOW_LOG_FUNCTIONS)[number];
const logLevelOf = (fn: WorkflowLogFunction) => fn.toUpperCase() as LogLevel;
/** What no logger's `level` is: the first read of it always counts as a change. */
const NOT_READ = Symbol('not read');

/**
 * The worker's own sinks: `__temporal_logger` (what `log` in `@temporalio/workflow` is made of),
 * forwarded to the worker's logger, and `__temporal_metrics` (what its `metricMeter` is made of),
 * recorded on `metricMeter` tagged with the run's namespace and task queue (the workflow adds its
 * type). Workflow code makes no metric calls while replaying, and these sinks are not called
 * during replay, so a metric is recorded once per real event.
 */
export function builtInSinks(logger: Logger, metricMeter: MetricMeter): InjectedSinks {
  const forward = (level: WorkflowLogFunction) => {
    const logLevel = logLevelOf(level);
    return (_info: WorkflowInfo, message: string, attributes?: Record<string, unknown>) => {
      // The workflow library logs "Workflow started/completed" at DEBUG for every run.
      if (!logLevelEnabled(logger, logLevel)) return;
      // Entries only: the workflow library adds a symbol-keyed nanosecond timestamp loggers don't read.
      logger[level](message, { sdkComponent: 'workflow', ...Object.fromEntries(Object.entries(attributes ?? {})) });
    };
  };
  const tagged = (info: WorkflowInfo, tags: MetricTags | undefined): MetricTags => ({
    namespace: info.namespace,
    taskQueue: info.taskQueue,
    ...tags,
  });
  const metrics: InjectedSink<WorkflowMetricsSink> = {
    addMetricCounterValue: {
      fn: (info, name, unit, description, value, tags) =>
        metricMeter.createCounter(name, unit, description).add(value, tagged(info, tags)),
    },
    recordMetricHistogramValue: {
      fn: (info, name, valueType, unit, description, value, tags) =>
        metricMeter.createHistogram(name, valueType, unit, description).record(value, tagged(info, tags)),
    },
    setMetricGaugeValue: {
      fn: (info, name, valueType, unit, description, value, tags) =>
        metricMeter.createGauge(name, valueType, unit, description).set(value, tagged(info, tags)),
    },
  };
  return {
    __temporal_logger: Object.fromEntries(WORKFLOW_LOG_FUNCTIONS.map((level) => [level, { fn: forward(level) }])),
    __temporal_metrics: metrics,
  };
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The workflow logger's functions (`log.debug` in `@temporalio/workflow`…) whose sink calls the
 * worker would drop: those of the levels `logger` is known not to record (it exposes its minimum
 * level as `level`), while `sinks` deliver them to the built-in logger sink (`builtIn`) and not to
 * one the user put in its place. The sandbox leaves them out of an activation's answer: copying a
 * call out (it carries the run's info) cost more than the rest of a small activation. The answer
 * follows the logger's `level` from call to call.
 */
export function silencedLoggerSinkCalls(
  sinks: InjectedSinks,
  builtIn: InjectedSinks,
  logger: Logger,
): () => readonly string[] {
  if (sinks.__temporal_logger !== builtIn.__temporal_logger) return () => NONE;
  let level: unknown = NOT_READ;
  let silenced = NONE;
  return () => {
    const current = (logger as { level?: unknown }).level;
    if (current !== level) {
      level = current;
      silenced = Object.freeze(WORKFLOW_LOG_FUNCTIONS.filter((fn) => !logLevelEnabled(logger, logLevelOf(fn))));
    }
    return silenced;
  };
}

/**
 * Delivers the sink calls of one activation, in call order. Synchronous sink functions (the
 * logger's) run to completion here; the result is a promise only when some sink function returned
 * one, and it settles once all of those have. Never throws or rejects: an unknown sink or a
 * failing sink function is logged.
 */
export function deliverSinkCalls(
  calls: SinkCall[],
  sinks: InjectedSinks,
  delivery: SinkDelivery,
): Promise<void> | undefined {
  let pending: Promise<void>[] | undefined;
  for (const call of calls) {
    // `defaultWorkerLogger` is the deprecated name of the logger sink.
    const interfaceName = call.ifaceName === 'defaultWorkerLogger' ? '__temporal_logger' : call.ifaceName;
    const sink = sinks[interfaceName]?.[call.fnName];
    if (sink === undefined) {
      delivery.logger.error('Workflow called a sink that is not registered on the worker', sinkCallAttributes(call));
      continue;
    }
    if (!sink.callDuringReplay) {
      // isReplayingHistoryEvents is false in queries and update validators (live, read-only), so a
      // call made there is delivered even though the activation is flagged as replaying.
      if (delivery.isReplayWorker || call.workflowInfo.unsafe.isReplayingHistoryEvents) continue;
    }
    let result: unknown;
    try {
      result = sink.fn(call.workflowInfo, ...call.args);
    } catch (error) {
      reportSinkFailure(delivery, call, error);
      continue;
    }
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      (pending ??= []).push(
        Promise.resolve(result).then(noValue, (error: unknown) => reportSinkFailure(delivery, call, error)),
      );
    }
  }
  return pending && Promise.all(pending).then(noValue);
}

function noValue(): undefined {
  return undefined;
}

function sinkCallAttributes(call: SinkCall): Record<string, unknown> {
  return { ...workflowLogAttributes(call.workflowInfo), sinkInterface: call.ifaceName, sinkFunction: call.fnName };
}

function reportSinkFailure(delivery: SinkDelivery, call: SinkCall, error: unknown): void {
  delivery.logger.error('A sink function threw', { ...sinkCallAttributes(call), error });
}
