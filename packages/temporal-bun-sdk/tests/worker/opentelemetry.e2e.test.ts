/**
 * `@temporalio/interceptors-opentelemetry` 1.24 on this SDK, against a real dev server: a client
 * start, the workflow and its activity make one trace whose spans have the right parents, with
 * the package's plugin (`OpenTelemetryPlugin`) and with its interceptors wired by hand. Workflow
 * spans leave the sandbox through the package's sink (`makeWorkflowExporter`).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryPlugin,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { Client, type ClientPlugin } from '../../src/client';
import { createWorker } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';

const workflowsPath = resolve(import.meta.dir, 'fixtures/traced-workflows.ts');
const env = useServerConnection();

const spanExporter = new InMemorySpanExporter();
const spanProcessor = new SimpleSpanProcessor(spanExporter);
const resource = new Resource({ 'service.name': 'temporal-bun-sdk-tests' });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  provider.register({ contextManager });
});
afterAll(() => {
  otel.trace.disable();
  otel.context.disable();
});

const activities = {
  async greet(name: string): Promise<string> {
    return `Hello, ${name}!`;
  },
};

const TRACE_SPAN_NAMES = [
  'RunActivity:greet',
  'RunWorkflow:tracedWorkflow',
  'StartActivity:greet',
  'StartWorkflow:tracedWorkflow',
];

/**
 * The spans of the trace the client's StartWorkflow span for `workflowId` began, by name, once
 * the four expected are there (the workflow's last spans reach the sink with its last activation,
 * about when the result does), or what there is after 10 s.
 */
async function traceOf(workflowId: string): Promise<Map<string, ReadableSpan>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const spans = spanExporter.getFinishedSpans();
    const start = spans.find(
      (span) => span.name === 'StartWorkflow:tracedWorkflow' && span.attributes['temporalWorkflowId'] === workflowId,
    );
    const traceId = start?.spanContext().traceId;
    const trace = new Map(
      spans.filter((span) => span.spanContext().traceId === traceId).map((span) => [span.name, span]),
    );
    if (TRACE_SPAN_NAMES.every((name) => trace.has(name)) || Date.now() > deadline) return trace;
    await Bun.sleep(20);
  }
}

async function expectConnectedTrace(workflowId: string): Promise<void> {
  const trace = await traceOf(workflowId);
  const start = trace.get('StartWorkflow:tracedWorkflow');
  const run = trace.get('RunWorkflow:tracedWorkflow');
  const startActivity = trace.get('StartActivity:greet');
  const runActivity = trace.get('RunActivity:greet');
  expect([...trace.keys()].sort()).toEqual(TRACE_SPAN_NAMES);
  // One trace: client → workflow (through the start request's headers) → activity (through the
  // activity task's headers).
  expect(start?.parentSpanId).toBeUndefined();
  expect(run?.parentSpanId).toBe(start?.spanContext().spanId);
  expect(startActivity?.parentSpanId).toBe(run?.spanContext().spanId);
  expect(runActivity?.parentSpanId).toBe(startActivity?.spanContext().spanId);
  // The workflow's spans came out of the sandbox through the sink, with the run's info attached.
  expect(run?.attributes['workflowId']).toBe(workflowId);
  expect(runActivity?.attributes['temporalActivityId']).toBeString();
  expect(run?.resource.attributes['service.name']).toBe('temporal-bun-sdk-tests');
}

describe('@temporalio/interceptors-opentelemetry', () => {
  for (const reuseV8Context of [true, false]) {
    test(`OpenTelemetryPlugin on the worker and the client connects client, workflow and activity spans in one trace (reuseV8Context: ${reuseV8Context})`, async () => {
      const taskQueue = `otel-plugin-${randomUUID()}`;
      const workflowId = `otel-plugin-${randomUUID()}`;
      const plugin = new OpenTelemetryPlugin({ resource, spanProcessor });
      const worker = await createWorker({
        connection: env.connection,
        namespace: env.server.namespace,
        taskQueue,
        workflowsPath,
        activities,
        reuseV8Context,
        logger: new RecordingLogger(),
        plugins: [plugin],
      });
      // Typed against @temporalio/client's ClientOptions (installed here as a dependency of
      // @temporalio/activity), whose legacy interceptor shapes this client does not take.
      const clientPlugin = plugin as unknown as ClientPlugin;
      const client = new Client({
        connection: env.connection,
        namespace: env.server.namespace,
        plugins: [clientPlugin],
      });
      const result = await worker.runUntil(
        client.workflow.execute('tracedWorkflow', { taskQueue, workflowId, args: ['Bun'] }),
      );
      expect(result).toBe('Hello, Bun!');
      await expectConnectedTrace(workflowId);
    });
  }

  test('the interceptors and the workflow exporter sink wired by hand make the same trace', async () => {
    const taskQueue = `otel-interceptors-${randomUUID()}`;
    const workflowId = `otel-interceptors-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.connection,
      namespace: env.server.namespace,
      taskQueue,
      workflowsPath,
      activities,
      logger: new RecordingLogger(),
      sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
      interceptors: {
        workflowModules: [resolve(import.meta.dir, 'fixtures/opentelemetry-workflow-interceptors.ts')],
        activity: [
          (context) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(context),
            outbound: new OpenTelemetryActivityOutboundInterceptor(context),
          }),
        ],
      },
    });
    const client = new Client({
      connection: env.connection,
      namespace: env.server.namespace,
      interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    });
    const result = await worker.runUntil(
      client.workflow.execute('tracedWorkflow', { taskQueue, workflowId, args: ['sinks'] }),
    );
    expect(result).toBe('Hello, sinks!');
    await expectConnectedTrace(workflowId);
  });
});
