/**
 * Metrics from the core (`Runtime.install({ telemetryOptions: { metrics } })`) against a dev
 * server: sdk-core's worker and client metrics and user metrics (activities' `Context.metricMeter`,
 * workflows' `metricMeter`) on one Prometheus endpoint, scraped with `fetch`. The runtime is
 * process-wide, so each case runs a worker in a process of its own (fixtures/metrics-worker.ts).
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { Runtime } from '../../src/connection';
import { useServerConnection } from '../helpers/server-connection';
import { runBunForJson } from '../helpers/json-process';

const env = useServerConnection();

async function runFixture<T>(mode: string, ...extra: string[]): Promise<T> {
  return runBunForJson<T>([
    resolve(import.meta.dir, 'fixtures/metrics-worker.ts'),
    env.server.address,
    env.server.namespace,
    mode,
    ...extra,
  ]);
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus' text format (what `/metrics` serves): one sample per line, comments skipped. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `where`. */
function total(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(where).every(([k, v]) => sample.labels[k] === v))
    .reduce((sum, sample) => sum + sample.value, 0);
}

function has(samples: Sample[], name: string): boolean {
  return samples.some((sample) => sample.name === name);
}

describe('metrics from the core', () => {
  test("core's worker and client metrics and user metrics move on the Prometheus endpoint; workflow metrics count once despite replays", async () => {
    const output = await runFixture<{ prometheusAddress: string; results: number[]; before: string; after: string }>(
      'prometheus',
    );
    expect(output.prometheusAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(output.prometheusAddress).not.toBe('127.0.0.1:0');
    expect(output.results).toEqual([10, 11, 12, 13, 14]);
    const before = parseExposition(output.before);
    const after = parseExposition(output.after);

    // Core's worker metrics, with the official names (prefix `temporal_`).
    expect(total(before, 'temporal_workflow_completed')).toBe(0);
    expect(total(after, 'temporal_workflow_completed', { workflow_type: 'meteredOrder' })).toBe(5);
    expect(total(after, 'temporal_workflow_task_execution_latency_count')).toBeGreaterThanOrEqual(15);
    expect(total(after, 'temporal_workflow_task_schedule_to_start_latency_count')).toBeGreaterThanOrEqual(15);
    expect(total(after, 'temporal_activity_execution_latency_count', { activity_type: 'chargeOrder' })).toBe(5);
    expect(has(after, 'temporal_activity_execution_latency_bucket')).toBe(true);
    expect(has(after, 'temporal_worker_task_slots_available')).toBe(true);
    expect(has(after, 'temporal_num_pollers')).toBe(true);
    expect(has(after, 'temporal_sticky_cache_size')).toBe(true);
    expect(total(after, 'temporal_workflow_task_queue_poll_succeed')).toBeGreaterThanOrEqual(15);
    // The client's metrics: our Client's starts went through core's client on the same runtime.
    expect(total(after, 'temporal_request', { operation: 'StartWorkflowExecution' })).toBeGreaterThanOrEqual(5);
    // Global tags and the service name reach every series.
    const completed = after.find((sample) => sample.name === 'temporal_workflow_completed')!;
    expect(completed.labels).toMatchObject({ suite: 'bun-metrics', service_name: 'temporal-core-sdk' });

    // Activity metrics (Context.metricMeter), tagged as the official worker tags them (namespace,
    // taskQueue, activityType), with no prefix.
    expect(total(after, 'bun_test_activity_charges', { currency: 'eur', activityType: 'chargeOrder' })).toBe(5);
    expect(total(after, 'bun_test_activity_amount_sum')).toBe(10 + 11 + 12 + 13 + 14);
    // Workflow metrics: with no cache each run replayed its start twice, and still counted once.
    expect(total(after, 'bun_test_workflow_orders', { region: 'eu', workflowType: 'meteredOrder' })).toBe(5);
    const orders = after.find((sample) => sample.name === 'bun_test_workflow_orders')!;
    expect(orders.labels['namespace']).toBe(env.server.namespace);
    expect(orders.labels['taskQueue']).toMatch(/^metrics-/);
    expect(total(after, 'bun_test_workflow_amount_count')).toBe(5);
    expect(total(after, 'bun_test_workflow_amount_sum')).toBeCloseTo(10 + 11 + 12 + 13 + 14 + 2.5, 6);
    expect(total(after, 'bun_test_workflow_last_amount', { stage: 'done' })).toBeGreaterThanOrEqual(10);
  });

  test('the OTLP exporter pushes the same metrics to a collector, with its headers', async () => {
    const pushes: Array<{ path: string; authorization: string | null; contentType: string | null; body: Uint8Array }> =
      [];
    const collector = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(request) {
        pushes.push({
          path: new URL(request.url).pathname,
          authorization: request.headers.get('authorization'),
          contentType: request.headers.get('content-type'),
          body: new Uint8Array(await request.arrayBuffer()),
        });
        return new Response(new Uint8Array(0), { headers: { 'content-type': 'application/x-protobuf' } });
      },
    });
    try {
      const output = await runFixture<{ results: number[] }>('otel', `http://127.0.0.1:${collector.port}/v1/metrics`);
      expect(output.results).toEqual([10, 11, 12, 13, 14]);
    } finally {
      collector.stop(true);
    }
    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes.every((push) => push.path === '/v1/metrics' && push.authorization === 'Bearer bun-metrics')).toBe(
      true,
    );
    expect(pushes[0]!.contentType).toBe('application/x-protobuf');
    // An ExportMetricsServiceRequest: metric names and label values are plain protobuf strings.
    const exported = pushes.map((push) => new TextDecoder('latin1').decode(push.body)).join('\n');
    for (const name of [
      'workflow_completed',
      'activity_execution_latency',
      'bun_test_activity_charges',
      'bun_test_workflow_orders',
      'bun-metrics',
    ]) {
      expect(exported).toContain(name);
    }
  });

  test('autoscaling pollers scale up under a backlog', async () => {
    const { samples } = await runFixture<{ samples: string[] }>('autoscaling');
    const pollers = samples.map((text) =>
      total(parseExposition(text), 'temporal_num_pollers', { poller_type: 'activity_task' }),
    );
    console.log(`activity pollers over the run: ${pollers.join(' ')}`);
    expect(pollers.length).toBeGreaterThan(0);
    expect(Math.max(...pollers)).toBeGreaterThan(1);
    expect(Math.max(...pollers)).toBeLessThanOrEqual(8);
  });

  test('without telemetry options the runtime has no endpoint and user metrics go nowhere', async () => {
    const output = await runFixture<{ prometheusAddress: string | null; meterIsNoop: string; results: number[] }>(
      'off',
    );
    expect(output.prometheusAddress).toBeNull();
    expect(output.meterIsNoop).toBe('NoopMetricMeter');
    expect(output.results).toEqual([10, 11, 12, 13, 14]);
  });

  test('a Prometheus address that another process holds fails the first connection with a clear error', async () => {
    const holder = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    try {
      const { error } = await runFixture<{ error: { name: string; message: string } | null }>(
        'busy',
        String(holder.port),
      );
      expect(error).not.toBeNull();
      expect(error!.message).toContain(`metrics.prometheus.bindAddress 127.0.0.1:${holder.port}`);
      expect(error!.message).toMatch(/in use/i);
    } finally {
      holder.stop(true);
    }
  });

  test('bad telemetry options are a TypeError naming the option, whether or not the runtime exists', () => {
    const install = (telemetryOptions: unknown) => () =>
      Runtime.install({ telemetryOptions: telemetryOptions as never });
    expect(install({ metrics: {} })).toThrow(/needs an exporter/);
    expect(install({ metrics: { prometheus: { bindAddress: 'localhost:9464' } } })).toThrow(
      /metrics.prometheus.bindAddress must be an IP address and port/,
    );
    expect(
      install({ metrics: { prometheus: { bindAddress: '127.0.0.1:1' }, otel: { url: 'http://127.0.0.1:4317' } } }),
    ).toThrow(/either prometheus or otel, not both/);
    expect(install({ metrics: { otel: { url: 'not a url' } } })).toThrow(/metrics.otel.url must be a URL/);
    expect(install({ metrics: { otel: { url: 'http://h:4317', temporality: 'sometimes' } } })).toThrow(
      /temporality must be 'cumulative' or 'delta'/,
    );
    expect(install({ metrics: { otel: { url: 'http://h:4317', metricsExportInterval: 'soon' } } })).toThrow(
      /metricsExportInterval/,
    );
    expect(install({ metrics: { prometheus: { bindAddress: '127.0.0.1:1', unitSufix: true } } })).toThrow(
      /prometheus.unitSufix is not an option/,
    );
    expect(install({ metrics: { prometheus: { bindAddress: '127.0.0.1:1' }, globalTags: { a: 1 } } })).toThrow(
      /globalTags.a must be a string/,
    );
    expect(install({ logging: {} })).toThrow(/coreLogFilter/);
  });
});
