/**
 * Instruments on the runtime's meter (`tbs_metric_*`): what backs `MetricMeter` in activities and
 * workflows, so user metrics are exported with sdk-core's own, by the same exporter. Recording is
 * synchronous and does no I/O (the exporter reads the values on its own thread).
 */
import { encodeJson, inputBytes } from './buffers';
import { checkStatus, takeLastError } from './errors';
import type { NativeRuntime } from './runtime';
import { nativeSymbols } from './symbols';

export type NativeMetricKind = 'counter' | 'histogram' | 'histogramF64' | 'gauge' | 'gaugeF64';

export interface NativeMetricSpec {
  kind: NativeMetricKind;
  name: string;
  unit: string;
  description: string;
}

/** One instrument. It lives as long as the runtime; there is no per-instrument state to free. */
export class NativeMetric {
  readonly #handle: number;

  private constructor(handle: number) {
    this.#handle = handle;
  }

  /** Creates an instrument; throws `ILLEGAL_STATE` when the runtime exports no metrics. */
  static create(runtime: NativeRuntime, spec: NativeMetricSpec): NativeMetric {
    const json = inputBytes(encodeJson(spec));
    const handle = nativeSymbols().tbs_metric_new(runtime.handle, json.pointer, json.length) as number;
    if (handle === 0) throw takeLastError(0, 'tbs_metric_new');
    return new NativeMetric(handle);
  }

  /**
   * A counter adds `value`, a histogram records it, a gauge sets it; `tags` are added to the
   * runtime's global tags. Integer instruments refuse fractions; values must be finite and ≥ 0.
   */
  record(value: number, tags: Readonly<Record<string, string | number | boolean>> | undefined): void {
    const encoded = tags === undefined || isEmpty(tags) ? inputBytes(new Uint8Array(0)) : inputBytes(encodeJson(tags));
    checkStatus(
      nativeSymbols().tbs_metric_record(this.#handle, value, encoded.pointer, encoded.length),
      'tbs_metric_record',
    );
  }

  free(): void {
    checkStatus(nativeSymbols().tbs_metric_free(this.#handle), 'tbs_metric_free');
  }
}

function isEmpty(tags: object): boolean {
  for (const _ in tags) return false;
  return true;
}
