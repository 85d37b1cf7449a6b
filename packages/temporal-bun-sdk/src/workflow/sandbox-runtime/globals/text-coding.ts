/**
 * `TextEncoder` and `TextDecoder` for workflow code. Encoding and decoding are done by the host's
 * (the capabilities `textEncode` and `newTextDecoder`); the bytes it hands back are copied into
 * the sandbox's own `Uint8Array`, and the host decoder stays in a private field.
 */
import type { HostTextDecoder, SandboxHostCapabilities } from '../host-capabilities';
import { callHost, callHostMethod, copyBoolean, copyBytes, copyString, keepHost, readHost } from './host-values';
import {
  BooleanCtor,
  StringCtor,
  StringPrototypeCodePointAt,
  TypeErrorCtor,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetToStringTag,
  bytesOf,
  defineData,
  defineToStringTag,
} from '../primordials';

/** WebIDL's `DOMString` conversion: `String(value)`, except that a symbol is a TypeError. */
export function toDOMString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeErrorCtor('Cannot convert a Symbol value to a string');
  return StringCtor(value);
}

/** A WebIDL dictionary argument: `undefined`/`null` is empty, an object is read, anything else is a TypeError. */
export function dictionaryMember(dictionary: unknown, name: string, what: string): unknown {
  if (dictionary === undefined || dictionary === null) return undefined;
  if (typeof dictionary !== 'object' && typeof dictionary !== 'function') {
    const error = new TypeErrorCtor(
      `The "${what}" argument must be of type object. Received type ${typeof dictionary}`,
    );
    defineData(error, 'code', 'ERR_INVALID_ARG_TYPE');
    throw error;
  }
  return (dictionary as Record<string, unknown>)[name];
}

function invalidThis(type: string): TypeError {
  const error = new TypeErrorCtor(`Value of "this" must be of type ${type}`);
  defineData(error, 'code', 'ERR_INVALID_THIS');
  return error;
}

export function createTextCoding(host: SandboxHostCapabilities): {
  TextEncoder: typeof globalThis.TextEncoder;
  TextDecoder: typeof globalThis.TextDecoder;
} {
  const hostTextEncode = host.textEncode;
  const hostNewTextDecoder = host.newTextDecoder;

  let isEncoder!: (value: unknown) => boolean;
  class TextEncoder {
    readonly #brand = true;

    static {
      isEncoder = (value) => typeof value === 'object' && value !== null && #brand in value;
    }

    get encoding(): string {
      if (!isEncoder(this)) throw invalidThis('TextEncoder');
      return 'utf-8';
    }

    encode(input: unknown = ''): Uint8Array {
      if (!isEncoder(this)) throw invalidThis('TextEncoder');
      return callHost(hostTextEncode, host, [toDOMString(input)], copyBytes, encode);
    }

    encodeInto(source: unknown, destination: unknown): { read: number; written: number } {
      if (!isEncoder(this)) throw invalidThis('TextEncoder');
      const text = toDOMString(source);
      if (TypedArrayPrototypeGetToStringTag(destination) !== 'Uint8Array') {
        const error = new TypeErrorCtor('The "dest" argument must be an instance of Uint8Array.');
        defineData(error, 'code', 'ERR_INVALID_ARG_TYPE');
        throw error;
      }
      const bytes = destination as Uint8Array;
      const capacity = TypedArrayPrototypeGetLength(bytes);
      let read = 0;
      let written = 0;
      while (read < text.length) {
        let codePoint = StringPrototypeCodePointAt(text, read)!;
        const units = codePoint > 0xffff ? 2 : 1;
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0xfffd; // a lone surrogate
        const size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
        if (written + size > capacity) break;
        if (size === 1) {
          bytes[written] = codePoint;
        } else if (size === 2) {
          bytes[written] = 0xc0 | (codePoint >> 6);
          bytes[written + 1] = 0x80 | (codePoint & 0x3f);
        } else if (size === 3) {
          bytes[written] = 0xe0 | (codePoint >> 12);
          bytes[written + 1] = 0x80 | ((codePoint >> 6) & 0x3f);
          bytes[written + 2] = 0x80 | (codePoint & 0x3f);
        } else {
          bytes[written] = 0xf0 | (codePoint >> 18);
          bytes[written + 1] = 0x80 | ((codePoint >> 12) & 0x3f);
          bytes[written + 2] = 0x80 | ((codePoint >> 6) & 0x3f);
          bytes[written + 3] = 0x80 | (codePoint & 0x3f);
        }
        read += units;
        written += size;
      }
      return { read, written };
    }
  }
  const encode = TextEncoder.prototype.encode;
  defineToStringTag(TextEncoder.prototype, 'TextEncoder');

  let isDecoder!: (value: unknown) => boolean;
  let hostDecoderOf!: (decoder: unknown) => HostTextDecoder;
  class TextDecoder {
    readonly #decoder: HostTextDecoder;
    readonly #encoding: string;
    readonly #fatal: boolean;
    readonly #ignoreBOM: boolean;

    static {
      isDecoder = (value) => typeof value === 'object' && value !== null && #decoder in value;
      hostDecoderOf = (decoder) => (decoder as TextDecoder).#decoder;
    }

    constructor(label: unknown = 'utf-8', options: unknown = undefined) {
      const labelText = toDOMString(label);
      const fatal = BooleanCtor(dictionaryMember(options, 'fatal', 'options'));
      const ignoreBOM = BooleanCtor(dictionaryMember(options, 'ignoreBOM', 'options'));
      const decoder = callHost(
        hostNewTextDecoder,
        host,
        [labelText, { __proto__: null, fatal, ignoreBOM }],
        keepHost<HostTextDecoder>,
        TextDecoder,
      );
      this.#decoder = decoder;
      this.#encoding = readHost(decoder, 'encoding', copyString, TextDecoder);
      this.#fatal = readHost(decoder, 'fatal', copyBoolean, TextDecoder);
      this.#ignoreBOM = readHost(decoder, 'ignoreBOM', copyBoolean, TextDecoder);
    }

    get encoding(): string {
      if (!isDecoder(this)) throw invalidThis('TextDecoder');
      return this.#encoding;
    }

    get fatal(): boolean {
      if (!isDecoder(this)) throw invalidThis('TextDecoder');
      return this.#fatal;
    }

    get ignoreBOM(): boolean {
      if (!isDecoder(this)) throw invalidThis('TextDecoder');
      return this.#ignoreBOM;
    }

    decode(input: unknown = undefined, options: unknown = undefined): string {
      if (!isDecoder(this)) throw invalidThis('TextDecoder');
      let bytes: Uint8Array | undefined;
      if (input !== undefined) {
        bytes = bytesOf(input);
        if (bytes === undefined) {
          const error = new TypeErrorCtor(
            'The "input" argument must be an instance of ArrayBuffer, SharedArrayBuffer, or ArrayBufferView.',
          );
          defineData(error, 'code', 'ERR_INVALID_ARG_TYPE');
          throw error;
        }
      }
      const stream = BooleanCtor(dictionaryMember(options, 'stream', 'options'));
      return callHostMethod(hostDecoderOf(this), 'decode', [bytes, { __proto__: null, stream }], copyString, decode);
    }
  }
  const decode = TextDecoder.prototype.decode;
  defineToStringTag(TextDecoder.prototype, 'TextDecoder');

  return {
    TextEncoder: TextEncoder as unknown as typeof globalThis.TextEncoder,
    TextDecoder: TextDecoder as unknown as typeof globalThis.TextDecoder,
  };
}
