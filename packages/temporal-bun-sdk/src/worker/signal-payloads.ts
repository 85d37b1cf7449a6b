/**
 * Signals whose payloads the payload converter cannot decode are dropped before the activation
 * reaches the sandbox, with an error in the worker's log. Inside, the decode would fail the whole
 * workflow task, on every retry and every replay: the run could make no progress, and queries
 * would get no answer. Dropping is deterministic (the same payload is dropped on replay), and it
 * is what the Java and Go SDKs do with a signal they cannot decode.
 */
import type { PayloadConverter } from '@temporalio/common';
import type { coresdk } from '@temporalio/proto';

type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;

/** A signal that was dropped, and why. */
export interface DroppedSignal {
  signalName: string;
  error: unknown;
}

/**
 * `activation` without its undecodable signal jobs (the same object when every signal decodes).
 * Calls `onDropped` for each one dropped.
 */
export function withoutUndecodableSignals(
  activation: WorkflowActivation,
  payloadConverter: PayloadConverter,
  onDropped: (dropped: DroppedSignal) => void,
): WorkflowActivation {
  let kept: WorkflowActivation['jobs'] | undefined;
  activation.jobs.forEach((job, index) => {
    const signal = job.signalWorkflow;
    if (!signal) {
      kept?.push(job);
      return;
    }
    try {
      for (const payload of signal.input ?? []) payloadConverter.fromPayload(payload);
      kept?.push(job);
    } catch (error) {
      kept ??= activation.jobs.slice(0, index);
      onDropped({ signalName: signal.signalName ?? '', error });
    }
  });
  if (kept === undefined) return activation;
  activation.jobs = kept;
  return activation;
}
