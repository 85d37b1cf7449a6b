/**
 * A small workflow client for tests, over the bridge's RPC call: start, signal, query, update,
 * cancel and await results. Payloads use the given data converter (default: the default one,
 * without codecs). (The product's client
 * arrives with issue 4; tests must not depend on @temporalio/client.)
 */
import { randomUUID } from 'node:crypto';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import {
  decodeArrayFromPayloads,
  encodeToPayloads,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import type { NativeClient } from '../../src/native';

const EventType = temporal.api.enums.v1.EventType;

export interface StartedWorkflow {
  workflowId: string;
  runId: string;
}

export class TestClient {
  constructor(
    readonly client: NativeClient,
    readonly namespace: string,
    readonly dataConverter: LoadedDataConverter = loadDataConverter(),
  ) {}

  async #encode(values: unknown[]): Promise<Payload[]> {
    return (await encodeToPayloads(this.dataConverter, ...values)) ?? [];
  }

  async #decodeFirst(payloads: readonly temporal.api.common.v1.IPayload[] | null | undefined): Promise<unknown> {
    return (await decodeArrayFromPayloads(this.dataConverter, (payloads ?? []) as Payload[]))[0];
  }

  async start(
    workflowType: string,
    options: { taskQueue: string; args?: unknown[]; workflowId?: string; memo?: Record<string, unknown> },
  ): Promise<StartedWorkflow> {
    const workflowId = options.workflowId ?? `${workflowType}-${randomUUID()}`;
    const response = await this.client.workflowService('StartWorkflowExecution', {
      namespace: this.namespace,
      workflowId,
      workflowType: { name: workflowType },
      taskQueue: { name: options.taskQueue },
      input: { payloads: await this.#encode(options.args ?? []) },
      requestId: randomUUID(),
      workflowRunTimeout: { seconds: Long.fromNumber(120) },
    });
    return { workflowId, runId: response.runId ?? '' };
  }

  async signal(workflow: StartedWorkflow, signalName: string, ...args: unknown[]): Promise<void> {
    await this.client.workflowService('SignalWorkflowExecution', {
      namespace: this.namespace,
      workflowExecution: { workflowId: workflow.workflowId },
      signalName,
      input: { payloads: await this.#encode(args) },
      requestId: randomUUID(),
    });
  }

  async query<T>(workflow: StartedWorkflow, queryType: string, ...args: unknown[]): Promise<T> {
    const response = await this.client.workflowService('QueryWorkflow', {
      namespace: this.namespace,
      execution: { workflowId: workflow.workflowId },
      query: { queryType, queryArgs: { payloads: await this.#encode(args) } },
    });
    if (response.queryRejected) throw new Error(`query rejected: ${JSON.stringify(response.queryRejected)}`);
    return (await this.#decodeFirst(response.queryResult?.payloads)) as T;
  }

  /** Runs an update and returns its result; throws an Error with the failure message if it was rejected or failed. */
  async update<T>(workflow: StartedWorkflow, updateName: string, ...args: unknown[]): Promise<T> {
    const updateId = randomUUID();
    const response = await this.client.workflowService('UpdateWorkflowExecution', {
      namespace: this.namespace,
      workflowExecution: { workflowId: workflow.workflowId },
      waitPolicy: {
        lifecycleStage:
          temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
            .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
      },
      request: {
        meta: { updateId, identity: 'test-client' },
        input: { name: updateName, args: { payloads: await this.#encode(args) } },
      },
    });
    const outcome = response.outcome;
    if (outcome?.failure) throw new Error(outcome.failure.message ?? 'update failed');
    return (await this.#decodeFirst(outcome?.success?.payloads)) as T;
  }

  async cancel(workflow: StartedWorkflow): Promise<void> {
    await this.client.workflowService('RequestCancelWorkflowExecution', {
      namespace: this.namespace,
      workflowExecution: { workflowId: workflow.workflowId },
      requestId: randomUUID(),
    });
  }

  /** The full history of the run (waiting for nothing). */
  async history(workflow: StartedWorkflow): Promise<temporal.api.history.v1.History> {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await this.client.workflowService('GetWorkflowExecutionHistory', {
        namespace: this.namespace,
        execution: { workflowId: workflow.workflowId, runId: workflow.runId },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return temporal.api.history.v1.History.create({ events: events as temporal.api.history.v1.HistoryEvent[] });
  }

  /**
   * Waits for the run to close (following continue-as-new) and returns the result; throws
   * `WorkflowFailed` with the failure if it failed, was cancelled, terminated or timed out.
   */
  async result<T>(workflow: StartedWorkflow, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let runId = workflow.runId;
    for (;;) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`workflow ${workflow.workflowId} did not close within ${timeoutMs} ms`);
      const page = await this.client
        .workflowService(
          'GetWorkflowExecutionHistory',
          {
            namespace: this.namespace,
            execution: { workflowId: workflow.workflowId, runId },
            historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
            waitNewEvent: true,
          },
          { timeoutMs: Math.min(remainingMs, 20_000) },
        )
        .catch((error: unknown) => {
          if (String(error).includes('DEADLINE_EXCEEDED') || String(error).includes('DeadlineExceeded'))
            return undefined;
          throw error;
        });
      const event = page?.history?.events?.[0];
      if (!event) continue;
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
          return (await this.#decodeFirst(event.workflowExecutionCompletedEventAttributes?.result?.payloads)) as T;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
          runId = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? '';
          continue;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
          throw new WorkflowFailed('failed', event.workflowExecutionFailedEventAttributes?.failure ?? undefined);
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
          throw new WorkflowFailed('cancelled', undefined);
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
          throw new WorkflowFailed('terminated', undefined);
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
          throw new WorkflowFailed('timed out', undefined);
        default:
          throw new Error(`unexpected close event ${event.eventType}`);
      }
    }
  }
}

export class WorkflowFailed extends Error {
  override readonly name = 'WorkflowFailed';
  constructor(
    readonly status: string,
    readonly failure: temporal.api.failure.v1.IFailure | undefined,
  ) {
    super(`workflow ${status}${failure?.message ? `: ${failure.message}` : ''}`);
  }
}
