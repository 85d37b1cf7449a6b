/**
 * Maps positions in the workflow bundle back to the original sources, for stack traces (failure
 * stacks and the `__stack_trace` query). Reads a version 3 source map; decodes its mappings on the
 * first lookup, since most workers never need them.
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
  #lines: DecodedLines | undefined;

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
    this.#lines ??= decodeMappings(this.map.mappings);
    const segments = this.#lines[line - 1];
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

function decodeMappings(mappings: string): DecodedLines {
  const lines: DecodedLines = [];
  let lineSegments: number[] = [];
  // Source, original line, original column and name are relative to the previous segment overall;
  // the generated column restarts on each line.
  let sourceIndex = 0;
  let originalLine = 0;
  let originalColumn = 0;
  let nameIndex = 0;
  let generatedColumn = 0;
  let position = 0;
  const fields: number[] = [];

  const endSegment = () => {
    if (fields.length === 0) return;
    generatedColumn += fields[0]!;
    if (fields.length >= 4) {
      sourceIndex += fields[1]!;
      originalLine += fields[2]!;
      originalColumn += fields[3]!;
      let segmentName = -1;
      if (fields.length >= 5) {
        nameIndex += fields[4]!;
        segmentName = nameIndex;
      }
      lineSegments.push(generatedColumn, sourceIndex, originalLine, originalColumn, segmentName);
    } else {
      lineSegments.push(generatedColumn, -1, -1, -1, -1);
    }
    fields.length = 0;
  };

  while (position <= mappings.length) {
    const character = position < mappings.length ? mappings[position] : ';';
    if (character === ';' || character === ',') {
      endSegment();
      if (character === ';') {
        lines.push(Int32Array.from(lineSegments));
        lineSegments = [];
        generatedColumn = 0;
      }
      position++;
      continue;
    }
    // One base64 VLQ number: 5 value bits per digit, continuation in bit 6, sign in the lowest bit.
    let result = 0;
    let shift = 0;
    for (;;) {
      const digit = base64Values[mappings.charCodeAt(position++)] ?? -1;
      if (digit < 0) throw new Error(`invalid source map mappings at offset ${position - 1}`);
      result += (digit & 31) * 2 ** shift;
      shift += 5;
      if ((digit & 32) === 0) break;
    }
    fields.push(result % 2 === 1 ? -(result - 1) / 2 : result / 2);
  }
  return lines;
}
