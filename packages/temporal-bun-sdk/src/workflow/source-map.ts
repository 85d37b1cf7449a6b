/**
 * Maps positions in the workflow bundle back to the original sources, for stack traces (failure
 * stacks and the `__stack_trace` query). Reads a version 3 source map; decodes only the lines lookups
 * ask for, since most workers need few of them.
 */

/** A decoded version 3 source map: the parts workflow stack traces use. */
export interface RawSourceMap {
  version: number;
  sources: string[];
  names?: string[];
  sourcesContent?: (string | null)[];
  mappings: string;
}

export interface OriginalPosition {
  /** Original source path, as listed in the map's `sources` (absolute for bundles this SDK makes). */
  source: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Original name at that position, when the map records one. */
  name?: string;
}

const SEGMENT_WIDTH = 5;
const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64Values = new Int8Array(128).fill(-1);
for (let index = 0; index < BASE64_DIGITS.length; index++) base64Values[BASE64_DIGITS.charCodeAt(index)] = index;

export class SourceMapLookup {
  readonly map: RawSourceMap;
  #decoder: MappingsDecoder | undefined;

  constructor(map: RawSourceMap) {
    this.map = map;
  }

  /** Parses a source map JSON; returns `undefined` for an empty or unreadable map (positions then stay unmapped). */
  static fromJson(json: string): SourceMapLookup | undefined {
    if (json.trim().length === 0) return undefined;
    try {
      const map = JSON.parse(json) as RawSourceMap;
      if (typeof map.mappings !== 'string' || !Array.isArray(map.sources)) return undefined;
      return new SourceMapLookup(map);
    } catch {
      return undefined;
    }
  }

  /**
   * The original position of a generated one. `line` and `column` are 1-based, as JavaScript
   * stack frames report them. `undefined` when the position maps to nothing.
   */
  originalPositionFor(line: number, column: number): OriginalPosition | undefined {
    this.#decoder ??= new MappingsDecoder(this.map.mappings);
    const segments = line >= 1 ? this.#decoder.line(line - 1) : undefined;
    if (!segments || segments.length === 0) return undefined;
    const generatedColumn = column - 1;
    // The last segment starting at or before the column covers it.
    let low = 0;
    let high = segments.length / SEGMENT_WIDTH - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (segments[middle * SEGMENT_WIDTH]! <= generatedColumn) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (found < 0) return undefined;
    const offset = found * SEGMENT_WIDTH;
    const sourceIndex = segments[offset + 1]!;
    if (sourceIndex < 0) return undefined;
    const source = this.map.sources[sourceIndex];
    if (source === undefined) return undefined;
    const position: OriginalPosition = { source, line: segments[offset + 2]! + 1, column: segments[offset + 3]! + 1 };
    const nameIndex = segments[offset + 4]!;
    const name = nameIndex >= 0 ? this.map.names?.[nameIndex] : undefined;
    if (name !== undefined) position.name = name;
    return position;
  }
}

/** Decoder state at the start of a generated line: offset in `mappings`, then the running fields. */
interface LineStart {
  position: number;
  sourceIndex: number;
  originalLine: number;
  originalColumn: number;
  nameIndex: number;
}

/** Lines between two kept {@link LineStart}s: a lookup decodes at most this many lines. */
const CHECKPOINT_EVERY = 64;
/** Decoded lines kept for repeated lookups (a stack's frames often share lines). */
const CACHED_LINES = 64;

/**
 * Decodes `mappings` only as far as lookups reach, and keeps little: source, original line,
 * original column and name are relative to the previous segment over the whole map, so decoding
 * line N needs the state at its start. The decoder keeps that state every
 * {@link CHECKPOINT_EVERY} lines and a few decoded lines, not the whole map (a 1 MB map decodes
 * to tens of thousands of arrays, and a worker maps a stack at start-up).
 */
class MappingsDecoder {
  readonly #mappings: string;
  /** `#checkpoints[k]` is the state at the start of line `k * CHECKPOINT_EVERY`. */
  readonly #checkpoints: LineStart[] = [
    { position: 0, sourceIndex: 0, originalLine: 0, originalColumn: 0, nameIndex: 0 },
  ];
  readonly #cache = new Map<number, Int32Array>();

  constructor(mappings: string) {
    this.#mappings = mappings;
  }

  /**
   * The segments of 0-based generated line `line`, 5 numbers each: generated column, source,
   * original line, original column, name (-1 for none); undefined past the end of the map.
   */
  line(line: number): Int32Array | undefined {
    const cached = this.#cache.get(line);
    if (cached !== undefined) return cached;
    const checkpoint = Math.min(Math.floor(line / CHECKPOINT_EVERY), this.#checkpoints.length - 1);
    const state = { ...this.#checkpoints[checkpoint]! };
    let current = checkpoint * CHECKPOINT_EVERY;
    while (current < line) {
      if (state.position > this.#mappings.length) return undefined;
      this.#decodeLine(state, undefined);
      current++;
      if (current % CHECKPOINT_EVERY === 0 && current / CHECKPOINT_EVERY === this.#checkpoints.length) {
        this.#checkpoints.push({ ...state });
      }
    }
    if (state.position > this.#mappings.length) return undefined;
    const segments: number[] = [];
    this.#decodeLine(state, segments);
    const decoded = Int32Array.from(segments);
    if (this.#cache.size >= CACHED_LINES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(line, decoded);
    return decoded;
  }

  /** Decodes the line starting at `state` (advanced to the next line), pushing its segments if asked. */
  #decodeLine(state: LineStart, segments: number[] | undefined): void {
    const mappings = this.#mappings;
    const fields: number[] = [];
    let generatedColumn = 0;
    const endSegment = () => {
      if (fields.length === 0) return;
      generatedColumn += fields[0]!;
      if (fields.length >= 4) {
        state.sourceIndex += fields[1]!;
        state.originalLine += fields[2]!;
        state.originalColumn += fields[3]!;
        let segmentName = -1;
        if (fields.length >= 5) {
          state.nameIndex += fields[4]!;
          segmentName = state.nameIndex;
        }
        segments?.push(generatedColumn, state.sourceIndex, state.originalLine, state.originalColumn, segmentName);
      } else {
        segments?.push(generatedColumn, -1, -1, -1, -1);
      }
      fields.length = 0;
    };
    while (state.position <= mappings.length) {
      const character = state.position < mappings.length ? mappings[state.position] : ';';
      if (character === ';' || character === ',') {
        endSegment();
        state.position++;
        if (character === ';') return;
        continue;
      }
      // One base64 VLQ number: 5 value bits per digit, continuation in bit 6, sign in the lowest bit.
      let result = 0;
      let shift = 0;
      for (;;) {
        const digit = base64Values[mappings.charCodeAt(state.position++)] ?? -1;
        if (digit < 0) throw new Error(`invalid source map mappings at offset ${state.position - 1}`);
        result += (digit & 31) * 2 ** shift;
        shift += 5;
        if ((digit & 32) === 0) break;
      }
      fields.push(result % 2 === 1 ? -(result - 1) / 2 : result / 2);
    }
  }
}
