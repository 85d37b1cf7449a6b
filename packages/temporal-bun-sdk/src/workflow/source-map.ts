/**
 * Maps positions in the workflow bundle back to the original sources, for stack traces (failure
 * stacks and the `__stack_trace` query). Reads a version 3 source map; decodes its mappings as far
 * as lookups reach, since most workers need few of them.
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

/** Per generated line: segments of 5 numbers [generatedColumn, source, line, column, name] (-1 = none). */
type DecodedLines = Int32Array[];

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

/**
 * Decodes `mappings` line by line, only as far as lookups need: a stack frame near the top of a
 * bundle costs the lines before it, not the whole map (a worker maps its first stack at start-up).
 * Source, original line, original column and name are relative to the previous segment overall;
 * the generated column restarts on each line, so decoding resumes where it stopped.
 */
class MappingsDecoder {
  readonly lines: DecodedLines = [];
  readonly #mappings: string;
  #position = 0;
  #sourceIndex = 0;
  #originalLine = 0;
  #originalColumn = 0;
  #nameIndex = 0;

  constructor(mappings: string) {
    this.#mappings = mappings;
  }

  /** The segments of 0-based generated line `line` (empty past the end). */
  line(line: number): Int32Array | undefined {
    while (this.lines.length <= line && this.#position <= this.#mappings.length) this.#decodeLine();
    return this.lines[line];
  }

  #decodeLine(): void {
    const mappings = this.#mappings;
    const segments: number[] = [];
    const fields: number[] = [];
    let generatedColumn = 0;
    const endSegment = () => {
      if (fields.length === 0) return;
      generatedColumn += fields[0]!;
      if (fields.length >= 4) {
        this.#sourceIndex += fields[1]!;
        this.#originalLine += fields[2]!;
        this.#originalColumn += fields[3]!;
        let segmentName = -1;
        if (fields.length >= 5) {
          this.#nameIndex += fields[4]!;
          segmentName = this.#nameIndex;
        }
        segments.push(generatedColumn, this.#sourceIndex, this.#originalLine, this.#originalColumn, segmentName);
      } else {
        segments.push(generatedColumn, -1, -1, -1, -1);
      }
      fields.length = 0;
    };
    while (this.#position <= mappings.length) {
      const character = this.#position < mappings.length ? mappings[this.#position] : ';';
      if (character === ';' || character === ',') {
        endSegment();
        this.#position++;
        if (character === ';') break;
        continue;
      }
      // One base64 VLQ number: 5 value bits per digit, continuation in bit 6, sign in the lowest bit.
      let result = 0;
      let shift = 0;
      for (;;) {
        const digit = base64Values[mappings.charCodeAt(this.#position++)] ?? -1;
        if (digit < 0) throw new Error(`invalid source map mappings at offset ${this.#position - 1}`);
        result += (digit & 31) * 2 ** shift;
        shift += 5;
        if ((digit & 32) === 0) break;
      }
      fields.push(result % 2 === 1 ? -(result - 1) / 2 : result / 2);
    }
    this.lines.push(Int32Array.from(segments));
  }
}
