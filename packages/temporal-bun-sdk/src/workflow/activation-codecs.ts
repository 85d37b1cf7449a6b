/**
 * Payload codecs on workflow activations and completions, applied outside the sandbox (codecs may
 * do I/O and are asynchronous; workflow code only ever sees decoded payloads).
 *
 * Every payload is coded with a serialization context naming what it belongs to: the workflow by
 * default, the activity for an activity's arguments and result, the child or external workflow
 * for what is sent to it. Results come back in a later activation, keyed by the command's
 * sequence number, so the context chosen when a command was encoded is remembered until its
 * resolution is decoded. Headers and search attributes are left alone (as the official SDK does).
 */
import type { PayloadCodec, SerializationContext } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { limit } from '@temporalio/common/lib/concurrency/limit';
import type { coresdk } from '@temporalio/proto';
import { payloadVisitor } from '../common/payload-visitor';
import { protos } from '../common/worker-protos';

type WorkflowActivation = coresdk.workflow_activation.WorkflowActivation;
type WorkflowActivationCompletion = coresdk.workflow_completion.IWorkflowActivationCompletion;
type WorkflowCommand = coresdk.workflow_commands.IWorkflowCommand;

/** Codec calls in flight at once for one activation or completion. */
const MAX_CONCURRENT_CODEC_CALLS = 20;

type ResolutionKind = 'activity' | 'childWorkflowStart' | 'childWorkflowResult' | 'signalExternal' | 'cancelExternal';

/** What is remembered of one run between its activations. */
interface RunCodecState {
  workflowId: string;
  /** Context of each outstanding command, by kind and sequence number. */
  pending: Record<ResolutionKind, Map<number, SerializationContext>>;
}

/** Which resolution job consumes which remembered context. */
const resolutionKinds: Record<string, ResolutionKind> = {
  'coresdk.workflow_activation.ResolveActivity': 'activity',
  'coresdk.workflow_activation.ResolveChildWorkflowExecutionStart': 'childWorkflowStart',
  'coresdk.workflow_activation.ResolveChildWorkflowExecution': 'childWorkflowResult',
  'coresdk.workflow_activation.ResolveSignalExternalWorkflow': 'signalExternal',
  'coresdk.workflow_activation.ResolveRequestCancelExternalWorkflow': 'cancelExternal',
};

export class WorkflowActivationCodecs {
  readonly #codecs: PayloadCodec[];
  readonly #namespace: string;
  readonly #runs = new Map<string, RunCodecState>();
  readonly #limit = limit(MAX_CONCURRENT_CODEC_CALLS);

  constructor(codecs: PayloadCodec[], namespace: string) {
    this.#codecs = codecs;
    this.#namespace = namespace;
  }

  /** False when no codec is configured: activations and completions pass through untouched. */
  get enabled(): boolean {
    return this.#codecs.length > 0;
  }

  /** Decodes every payload of `activation` in place and returns it. */
  async decodeActivation(activation: WorkflowActivation): Promise<WorkflowActivation> {
    if (!this.enabled) return activation;
    const state = this.#stateFor(activation);
    const { visit, walkWorkflowActivation } = payloadVisitor();
    await visit<WorkflowActivation, SerializationContext>(activation, walkWorkflowActivation, {
      transformPayload: async (payload, context) => (await decode(this.#codecs, [payload], context))[0]!,
      transformPayloads: (payloads, context) => decode(this.#codecs, payloads, context),
      initialContext: this.#workflowContext(state.workflowId),
      skipHeaders: true,
      skipSearchAttributes: true,
      limit: this.#limit,
      deriveContext: (message, typeName, context) => {
        const kind = resolutionKinds[typeName];
        if (kind === undefined) return context;
        const seq = (message as { seq?: number | null }).seq;
        if (seq == null) return context;
        const remembered = state.pending[kind].get(seq);
        if (remembered === undefined) return context;
        state.pending[kind].delete(seq);
        return remembered;
      },
    });
    return activation;
  }

  /** Encodes every payload of `completion`; returns the encoded completion (a new message). */
  async encodeCompletion(completion: WorkflowActivationCompletion): Promise<WorkflowActivationCompletion> {
    if (!this.enabled) return completion;
    const state = this.#runs.get(completion.runId ?? '');
    const encoded = protos.coresdk.workflow_completion.WorkflowActivationCompletion.fromObject(completion);
    const workflowContext = this.#workflowContext(state?.workflowId ?? '');
    const { visit, walkWorkflowActivationCompletion } = payloadVisitor();
    await visit<coresdk.workflow_completion.WorkflowActivationCompletion, SerializationContext>(
      encoded,
      walkWorkflowActivationCompletion,
      {
        transformPayload: async (payload, context) => (await encode(this.#codecs, [payload], context))[0]!,
        transformPayloads: (payloads, context) => encode(this.#codecs, payloads, context),
        initialContext: workflowContext,
        skipHeaders: true,
        skipSearchAttributes: true,
        limit: this.#limit,
        deriveContext: (message, typeName, context) => {
          if (typeName !== 'coresdk.workflow_commands.WorkflowCommand') return context;
          return this.#commandContext(message as WorkflowCommand, state, workflowContext);
        },
      },
    );
    return encoded;
  }

  /** Forgets a run (on eviction). */
  forgetRun(runId: string): void {
    this.#runs.delete(runId);
  }

  #stateFor(activation: WorkflowActivation): RunCodecState {
    let state = this.#runs.get(activation.runId);
    if (state === undefined) {
      const workflowId = activation.jobs.find((job) => job.initializeWorkflow)?.initializeWorkflow?.workflowId ?? '';
      state = {
        workflowId,
        pending: {
          activity: new Map(),
          childWorkflowStart: new Map(),
          childWorkflowResult: new Map(),
          signalExternal: new Map(),
          cancelExternal: new Map(),
        },
      };
      // Only runs that are starting are remembered; anything else (an eviction of an unknown run)
      // has nothing to decode with a run-specific context.
      if (workflowId) this.#runs.set(activation.runId, state);
    }
    return state;
  }

  #workflowContext(workflowId: string): SerializationContext {
    return { type: 'workflow', namespace: this.#namespace, workflowId };
  }

  /** The context of one command's payloads; remembers it for the command's resolution. */
  #commandContext(
    command: WorkflowCommand,
    state: RunCodecState | undefined,
    workflowContext: SerializationContext,
  ): SerializationContext {
    const remember = (kind: ResolutionKind, seq: number | null | undefined, context: SerializationContext) => {
      if (state !== undefined && seq != null) state.pending[kind].set(seq, context);
      return context;
    };
    const workflowId = state?.workflowId;
    const activity = command.scheduleActivity ?? command.scheduleLocalActivity;
    if (activity) {
      const context: SerializationContext = {
        type: 'activity',
        namespace: this.#namespace,
        workflowId,
        activityId: activity.activityId || undefined,
        isLocal: command.scheduleLocalActivity != null,
      };
      return remember('activity', activity.seq, context);
    }
    const child = command.startChildWorkflowExecution;
    if (child?.workflowId) {
      const context: SerializationContext = {
        type: 'workflow',
        namespace: child.namespace || this.#namespace,
        workflowId: child.workflowId,
      };
      remember('childWorkflowStart', child.seq, context);
      return remember('childWorkflowResult', child.seq, context);
    }
    const signal = command.signalExternalWorkflowExecution;
    const signalTarget = signal?.workflowExecution?.workflowId || signal?.childWorkflowId;
    if (signal && signalTarget) {
      const context: SerializationContext = {
        type: 'workflow',
        namespace: signal.workflowExecution?.namespace || this.#namespace,
        workflowId: signalTarget,
      };
      return remember('signalExternal', signal.seq, context);
    }
    const cancel = command.requestCancelExternalWorkflowExecution;
    const cancelTarget = cancel?.workflowExecution?.workflowId;
    if (cancel && cancelTarget) {
      remember('cancelExternal', cancel.seq, {
        type: 'workflow',
        namespace: cancel.workflowExecution?.namespace || this.#namespace,
        workflowId: cancelTarget,
      });
    }
    return workflowContext;
  }
}
