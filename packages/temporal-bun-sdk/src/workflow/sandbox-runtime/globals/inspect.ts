/**
 * A small `util.inspect` and `util.format` made in the sandbox, so that `console.*` hands the host
 * a finished string and never a sandbox object (a host formatter would call back into workflow
 * code with host objects, e.g. through `Symbol.for('nodejs.util.inspect.custom')`).
 *
 * It follows Node's output for the values workflows log (primitives, plain objects and arrays,
 * class instances, errors, functions, Map, Set, Date, RegExp, typed arrays, ArrayBuffer, boxed
 * primitives), with Node's defaults: depth 2 (`%o`: 4), at most 100 array, Map and Set entries,
 * one line while it fits in 80 columns. Getters are shown as `[Getter]`, never called. A cycle is
 * `[Circular]`.
 */
import {
  ArrayIsArray,
  BigIntPrototypeValueOf,
  BooleanPrototypeValueOf,
  DatePrototypeGetTime,
  DatePrototypeToISOString,
  ErrorPrototype,
  FunctionPrototypeToString,
  JSONStringify,
  MapPrototypeForEach,
  MapPrototypeGetSize,
  NumberCtor,
  NumberParseFloat,
  NumberParseInt,
  NumberPrototypeValueOf,
  ObjectIs,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypeIsPrototypeOf,
  ObjectPrototypePropertyIsEnumerable,
  ObjectPrototypeToString,
  ReflectApply,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  RegExpPrototypeGetFlags,
  RegExpPrototypeGetSource,
  SetPrototypeForEach,
  SetPrototypeGetSize,
  StringCtor,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  StringPrototypeToLowerCase,
  StringPrototypeValueOf,
  SymbolFor,
  SymbolPrototypeToString,
  SymbolPrototypeValueOf,
  SymbolToStringTag,
  TypedArrayPrototypeGetLength,
  TypedArrayPrototypeGetToStringTag,
  Uint8ArrayCtor,
  WeakMapPrototypeHas,
  WeakSetPrototypeHas,
  at,
  getOwnProperty,
  isArrayBuffer,
  listJoin,
  listPush,
  newList,
  type OwnProperty,
} from '../primordials';

export interface InspectOptions {
  /** How many levels of nesting are shown; deeper objects are `[Object]`. Default 2. */
  depth?: number;
}

const DEFAULT_DEPTH = 2;
const MAX_ENTRIES = 100;
const BREAK_LENGTH = 80;
const customInspectSymbol = SymbolFor('nodejs.util.inspect.custom');

const AsyncFunctionPrototype = ReflectGetPrototypeOf(async () => {});
const GeneratorFunctionPrototype = ReflectGetPrototypeOf(function* () {});
const AsyncGeneratorFunctionPrototype = ReflectGetPrototypeOf(async function* () {});

interface InspectContext {
  depth: number;
  /** The objects being formatted, outermost first (for cycles). */
  seen: object[];
}

/** `util.inspect(value)`: a readable representation of any value. */
export function inspect(value: unknown, options?: InspectOptions): string {
  const depth = options !== undefined && typeof options.depth === 'number' ? options.depth : DEFAULT_DEPTH;
  return formatValue({ __proto__: null, depth, seen: newList() } as InspectContext, value, 0);
}

// ── util.format ──────────────────────────────────────────────────────────────────────────────

let circularJsonMessage: string | undefined;

function formatJson(value: unknown): string {
  try {
    return StringCtor(JSONStringify(value));
  } catch (error) {
    if (circularJsonMessage === undefined) {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      try {
        JSONStringify(cyclic);
      } catch (cyclicError) {
        circularJsonMessage = StringCtor((cyclicError as Error).message);
      }
    }
    if (
      typeof error === 'object' &&
      error !== null &&
      (error as Error).name === 'TypeError' &&
      (error as Error).message === circularJsonMessage
    ) {
      return '[Circular]';
    }
    throw error;
  }
}

function formatNumber(value: number): string {
  return ObjectIs(value, -0) ? '-0' : StringCtor(value);
}

const builtInConstructors: readonly unknown[] = [
  Object,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
  Array,
  Date,
  RegExp,
  Map,
  Set,
  WeakMap,
  WeakSet,
  Promise,
  Boolean,
  Number,
  String,
  Symbol,
  BigInt,
  Function,
];

/** Whether `%s` shows an object with `inspect` (its `toString` is a built-in one) rather than `String()`. */
function hasBuiltInToString(value: object): boolean {
  let toString: unknown;
  try {
    toString = (value as { toString?: unknown }).toString;
  } catch {
    return true;
  }
  if (typeof toString !== 'function') return true;
  if (ObjectPrototypeHasOwnProperty(value, 'toString')) return false;
  let pointer: object | null = value;
  do {
    pointer = ReflectGetPrototypeOf(pointer);
  } while (pointer !== null && !ObjectPrototypeHasOwnProperty(pointer, 'toString'));
  if (pointer === null) return true;
  const constructor = getOwnProperty(pointer, 'constructor');
  if (constructor === undefined || !constructor.data) return false;
  for (let index = 0; index < builtInConstructors.length; index++) {
    if (builtInConstructors[index] === constructor.value) return true;
  }
  return false;
}

/** `util.format(...args)`: printf-like `%s %d %i %f %j %o %O %c %%`, then the rest joined by spaces. */
export function format(args: readonly unknown[]): string {
  const first = at(args, 0);
  let argIndex = 0;
  let out = '';
  let separator = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let lastPosition = 0;
    let piece = '';
    for (let index = 0; index < first.length - 1; index++) {
      if (StringPrototypeCharCodeAt(first, index) !== 37 /* % */) continue;
      const next = StringPrototypeCharCodeAt(first, ++index);
      if (argIndex + 1 !== args.length) {
        switch (next) {
          case 115 /* s */:
            {
              const arg = args[++argIndex];
              if (typeof arg === 'number') piece = formatNumber(arg);
              else if (typeof arg === 'bigint') piece = `${StringCtor(arg)}n`;
              else if (typeof arg === 'symbol') piece = SymbolPrototypeToString(arg);
              else if ((typeof arg !== 'object' && typeof arg !== 'function') || arg === null) piece = StringCtor(arg);
              else if (typeof arg === 'object' && hasBuiltInToString(arg)) piece = inspect(arg, { depth: 0 });
              else piece = StringCtor(arg);
              break;
            }
          case 106 /* j */:
            piece = formatJson(args[++argIndex]);
            break;
          case 100 /* d */:
            {
              const arg = args[++argIndex];
              if (typeof arg === 'bigint') piece = `${StringCtor(arg)}n`;
              else if (typeof arg === 'symbol') piece = 'NaN';
              else piece = formatNumber(NumberCtor(arg));
              break;
            }
          case 79 /* O */:
            piece = inspect(args[++argIndex]);
            break;
          case 111 /* o */:
            piece = inspect(args[++argIndex], { depth: 4 });
            break;
          case 105 /* i */:
            {
              const arg = args[++argIndex];
              if (typeof arg === 'bigint') piece = `${StringCtor(arg)}n`;
              else if (typeof arg === 'symbol') piece = 'NaN';
              else piece = formatNumber(NumberParseInt(arg as string));
              break;
            }
          case 102 /* f */:
            {
              const arg = args[++argIndex];
              piece = typeof arg === 'symbol' ? 'NaN' : formatNumber(NumberParseFloat(arg as string));
              break;
            }
          case 99 /* c */:
            argIndex += 1;
            piece = '';
            break;
          case 37 /* % */:
            out += StringPrototypeSlice(first, lastPosition, index);
            lastPosition = index + 1;
            continue;
          default:
            continue;
        }
        if (lastPosition !== index - 1) out += StringPrototypeSlice(first, lastPosition, index - 1);
        out += piece;
        lastPosition = index + 1;
      } else if (next === 37) {
        out += StringPrototypeSlice(first, lastPosition, index);
        lastPosition = index + 1;
      }
    }
    if (lastPosition !== 0) {
      argIndex++;
      separator = ' ';
      if (lastPosition < first.length) out += StringPrototypeSlice(first, lastPosition);
    }
  }
  while (argIndex < args.length) {
    const value = args[argIndex];
    out += separator;
    out += typeof value === 'string' ? value : inspect(value);
    separator = ' ';
    argIndex++;
  }
  return out;
}

// ── Values ───────────────────────────────────────────────────────────────────────────────────

function formatPrimitive(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return `${StringCtor(value)}n`;
    case 'symbol':
      return SymbolPrototypeToString(value);
    default:
      return StringCtor(value);
  }
}

function formatValue(context: InspectContext, value: unknown, level: number): string {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return formatPrimitive(value);
  const object = value as object;
  let custom: unknown;
  try {
    custom = (object as Record<symbol, unknown>)[customInspectSymbol];
  } catch {
    custom = undefined;
  }
  if (typeof custom === 'function' && custom !== inspect) {
    const depthLeft = context.depth - level;
    const result = ReflectApply(custom, object, [depthLeft, { __proto__: null, depth: depthLeft }, inspect]);
    if (result !== object) {
      return typeof result === 'string' ? result : formatValue(context, result, level);
    }
  }
  for (let index = 0; index < context.seen.length; index++) {
    if (context.seen[index] === object) return '[Circular]';
  }
  return formatObject(context, object, level);
}

function constructorNameOf(object: object): string | null {
  let pointer: object | null = object;
  while (pointer !== null) {
    const constructor = getOwnProperty(pointer, 'constructor');
    if (constructor !== undefined && typeof constructor.value === 'function') {
      const name = functionName(constructor.value);
      if (name !== '') return name;
    }
    pointer = ReflectGetPrototypeOf(pointer);
  }
  return null;
}

function functionName(fn: unknown): string {
  const name = getOwnProperty(fn as object, 'name');
  return name !== undefined && typeof name.value === 'string' ? name.value : '';
}

function toStringTagOf(object: object, constructorName: string | null): string {
  let tag: unknown;
  try {
    tag = (object as Record<symbol, unknown>)[SymbolToStringTag];
  } catch {
    return '';
  }
  return typeof tag === 'string' && tag !== '' && tag !== constructorName ? tag : '';
}

/** `Foo [tag] `, `[Object: null prototype] `… before the braces; '' for a plain object. */
function prefixOf(constructorName: string | null, tag: string, fallback: string, size = ''): string {
  if (constructorName === null) {
    return tag === '' ? `[${fallback}${size}: null prototype] ` : `[${fallback}${size}: null prototype] [${tag}] `;
  }
  if (tag !== '') return `${constructorName}${size} [${tag}] `;
  return constructorName === fallback && size === '' ? '' : `${constructorName}${size} `;
}

function isArrayIndex(key: string): boolean {
  if (key.length === 0 || key.length > 10) return false;
  for (let index = 0; index < key.length; index++) {
    const code = StringPrototypeCharCodeAt(key, index);
    if (code < 48 || code > 57) return false;
  }
  return key === '0' || StringPrototypeCharCodeAt(key, 0) !== 48 ? NumberCtor(key) < 4294967295 : false;
}

/** Own enumerable keys (strings, then symbols), optionally without array indices. */
function enumerableKeys(object: object, skipIndices: boolean): PropertyKey[] {
  const keys = ReflectOwnKeys(object);
  const list = newList<PropertyKey>();
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (skipIndices && typeof key === 'string' && isArrayIndex(key)) continue;
    if (ObjectPrototypePropertyIsEnumerable(object, key)) listPush(list, key);
  }
  return list;
}

function tryBrand(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

function formatObject(context: InspectContext, object: object, level: number): string {
  const constructorName = constructorNameOf(object);
  const tag = toStringTagOf(object, constructorName);
  const entries = newList<string>();
  let start: string;
  let end = '}';
  let keys: PropertyKey[];
  let overDepthName = constructorName ?? 'Object';
  let arrayLike: 'array' | 'typed' | 'map' | 'set' | undefined;
  let base = '';

  if (ArrayIsArray(object)) {
    const length = (object as unknown[]).length;
    start = `${prefixOf(constructorName, tag, 'Array', constructorName === 'Array' ? '' : `(${length})`)}[`;
    end = ']';
    keys = enumerableKeys(object, true);
    overDepthName = 'Array';
    arrayLike = 'array';
    if (length === 0 && keys.length === 0) return `${start}]`;
  } else if (TypedArrayPrototypeGetToStringTag(object) !== undefined) {
    const length = TypedArrayPrototypeGetLength(object);
    const kind = TypedArrayPrototypeGetToStringTag(object)!;
    start = `${prefixOf(constructorName, tag === kind ? '' : tag, kind, `(${length})`) || `${kind}(${length}) `}[`;
    end = ']';
    keys = enumerableKeys(object, true);
    arrayLike = 'typed';
    if (length === 0 && keys.length === 0) return `${start}]`;
  } else if (tryBrand(() => MapPrototypeGetSize(object as Map<unknown, unknown>))) {
    const size = MapPrototypeGetSize(object as Map<unknown, unknown>);
    start = `${prefixOf(constructorName, tag === 'Map' ? '' : tag, 'Map', `(${size})`) || `Map(${size}) `}{`;
    keys = enumerableKeys(object, false);
    arrayLike = 'map';
    if (size === 0 && keys.length === 0) return `${start}}`;
  } else if (tryBrand(() => SetPrototypeGetSize(object as Set<unknown>))) {
    const size = SetPrototypeGetSize(object as Set<unknown>);
    start = `${prefixOf(constructorName, tag === 'Set' ? '' : tag, 'Set', `(${size})`) || `Set(${size}) `}{`;
    keys = enumerableKeys(object, false);
    arrayLike = 'set';
    if (size === 0 && keys.length === 0) return `${start}}`;
  } else {
    // A String object's characters are own index keys: its `[String: '…']` shows them already.
    keys = enumerableKeys(
      object,
      tryBrand(() => StringPrototypeValueOf(object as never)),
    );
    const special = formatSpecial(context, object, constructorName, level);
    if (special !== undefined) {
      if (keys.length === 0 && special.entries === undefined) return special.base;
      base = special.base;
      if (special.entries !== undefined) {
        for (let index = 0; index < special.entries.length; index++) listPush(entries, special.entries[index]!);
      }
      start = `${base} {`;
    } else {
      start = `${prefixOf(constructorName, tag, 'Object')}{`;
      if (keys.length === 0) return `${start}}`;
    }
  }

  if (level > context.depth) {
    return arrayLike === 'array' ? '[Array]' : `[${constructorName === null ? tag || 'Object' : overDepthName}]`;
  }

  listPush(context.seen, object);
  try {
    if (arrayLike === 'array') formatArrayEntries(context, object as unknown[], level, entries);
    else if (arrayLike === 'typed') formatTypedArrayEntries(object, entries);
    else if (arrayLike === 'map') formatMapEntries(context, object as Map<unknown, unknown>, level, entries);
    else if (arrayLike === 'set') formatSetEntries(context, object as Set<unknown>, level, entries);
    for (let index = 0; index < keys.length; index++) {
      listPush(entries, formatProperty(context, object, keys[index]!, level));
    }
  } finally {
    context.seen.length -= 1;
  }
  return reduceToSingleString(entries, start, end);
}

interface SpecialForm {
  /** What stands for the object (`[Function: f]`, `/a/g`, an error's stack…). */
  base: string;
  /** Entries shown inside braces besides the own enumerable keys. */
  entries: string[] | undefined;
}

function formatSpecial(
  context: InspectContext,
  object: object,
  constructorName: string | null,
  level: number,
): SpecialForm | undefined {
  if (typeof object === 'function') return { base: functionBase(object, constructorName), entries: undefined };
  if (tryBrand(() => RegExpPrototypeGetSource(object as RegExp))) {
    const source = RegExpPrototypeGetSource(object as RegExp);
    return { base: `/${source}/${RegExpPrototypeGetFlags(object as RegExp)}`, entries: undefined };
  }
  if (tryBrand(() => DatePrototypeGetTime(object as Date))) {
    const time = DatePrototypeGetTime(object as Date);
    // biome-ignore lint/suspicious/noSelfCompare: NaN check without a global that workflow code could replace
    return { base: time === time ? DatePrototypeToISOString(object as Date) : 'Invalid Date', entries: undefined };
  }
  if (isError(object)) return { base: errorBase(context, object as Error, level), entries: undefined };
  const boxed = boxedPrimitive(object);
  if (boxed !== undefined) return { base: boxed, entries: undefined };
  if (isArrayBuffer(object)) {
    const bytes = new Uint8ArrayCtor(object as ArrayBuffer);
    const length = TypedArrayPrototypeGetLength(bytes);
    let hex = '';
    for (let index = 0; index < length && index < 50; index++) {
      const byte = bytes[index]!;
      hex += `${index === 0 ? '' : ' '}${byte < 16 ? '0' : ''}${hexOf(byte)}`;
    }
    if (length > 50) hex += ` ... ${length - 50} more byte${length - 50 > 1 ? 's' : ''}`;
    const list = newList<string>();
    listPush(list, `[Uint8Contents]: <${hex}>`);
    listPush(list, `byteLength: ${length}`);
    return { base: constructorName ?? 'ArrayBuffer', entries: list };
  }
  if (tryBrand(() => WeakMapPrototypeHas(object as WeakMap<object, unknown>, object))) {
    return { base: `${constructorName ?? 'WeakMap'} { <items unknown> }`, entries: undefined };
  }
  if (tryBrand(() => WeakSetPrototypeHas(object as WeakSet<object>, object))) {
    return { base: `${constructorName ?? 'WeakSet'} { <items unknown> }`, entries: undefined };
  }
  return undefined;
}

function hexOf(byte: number): string {
  const digits = '0123456789abcdef';
  return byte < 16 ? (digits[byte] as string) : (digits[byte >> 4] as string) + (digits[byte & 15] as string);
}

function functionBase(fn: object, constructorName: string | null): string {
  const name = functionName(fn);
  let source = '';
  try {
    source = FunctionPrototypeToString(fn as () => void);
  } catch {
    // A revoked proxy, say: shown as a function.
  }
  if (StringPrototypeSlice(source, 0, 5) === 'class' && !isIdentifierChar(StringPrototypeCharCodeAt(source, 5))) {
    return `[class ${name === '' ? '(anonymous)' : name}]`;
  }
  const prototype = ReflectGetPrototypeOf(fn);
  let kind = 'Function';
  if (prototype === AsyncFunctionPrototype) kind = 'AsyncFunction';
  else if (prototype === GeneratorFunctionPrototype) kind = 'GeneratorFunction';
  else if (prototype === AsyncGeneratorFunctionPrototype) kind = 'AsyncGeneratorFunction';
  const base = `[${kind}${name === '' ? ' (anonymous)' : `: ${name}`}]`;
  if (constructorName === null) return `${base} [null prototype]`;
  return base;
}

function isError(object: object): boolean {
  return ObjectPrototypeIsPrototypeOf(ErrorPrototype, object) || ObjectPrototypeToString(object) === '[object Error]';
}

/** An error as Node shows it: its stack (which starts with `name: message`), then its cause. */
function errorBase(context: InspectContext, error: Error, level: number): string {
  let name: unknown;
  let message: unknown;
  let stack: unknown;
  try {
    name = error.name;
    message = error.message;
    stack = error.stack;
  } catch {
    // Fields that throw are left out.
  }
  const nameText = typeof name === 'string' ? name : 'Error';
  const header = typeof message === 'string' && message !== '' ? `${nameText}: ${message}` : nameText;
  let text: string;
  if (typeof stack === 'string' && stack !== '') {
    text = StringPrototypeIndexOf(stack, header) === -1 ? `${header}\n${stack}` : stack;
  } else {
    text = `[${header}]`;
  }
  const cause = getOwnProperty(error, 'cause');
  if (cause !== undefined && !cause.enumerable && cause.data) {
    listPush(context.seen, error);
    try {
      text += ` { [cause]: ${formatValue(context, cause.value, level + 1)} }`;
    } finally {
      context.seen.length -= 1;
    }
  }
  return text;
}

function boxedPrimitive(object: object): string | undefined {
  const boxed = object as never;
  if (tryBrand(() => StringPrototypeValueOf(boxed))) return `[String: ${quote(StringPrototypeValueOf(boxed))}]`;
  if (tryBrand(() => NumberPrototypeValueOf(boxed))) return `[Number: ${formatNumber(NumberPrototypeValueOf(boxed))}]`;
  if (tryBrand(() => BooleanPrototypeValueOf(boxed))) return `[Boolean: ${StringCtor(BooleanPrototypeValueOf(boxed))}]`;
  if (tryBrand(() => BigIntPrototypeValueOf(boxed))) return `[BigInt: ${StringCtor(BigIntPrototypeValueOf(boxed))}n]`;
  if (tryBrand(() => SymbolPrototypeValueOf(boxed))) {
    return `[Symbol: ${SymbolPrototypeToString(SymbolPrototypeValueOf(boxed))}]`;
  }
  return undefined;
}

function formatArrayEntries(context: InspectContext, array: unknown[], level: number, entries: string[]): void {
  const length = array.length;
  const shown = length < MAX_ENTRIES ? length : MAX_ENTRIES;
  let holes = 0;
  for (let index = 0; index < shown; index++) {
    if (!ObjectPrototypeHasOwnProperty(array, index)) {
      holes++;
      continue;
    }
    if (holes > 0) {
      listPush(entries, `<${holes} empty item${holes > 1 ? 's' : ''}>`);
      holes = 0;
    }
    listPush(entries, formatArrayElement(context, array, index, level));
  }
  if (holes > 0) listPush(entries, `<${holes} empty item${holes > 1 ? 's' : ''}>`);
  if (length > shown) {
    const more = length - shown;
    listPush(entries, `... ${more} more item${more > 1 ? 's' : ''}`);
  }
}

function formatArrayElement(context: InspectContext, array: unknown[], index: number, level: number): string {
  const element = getOwnProperty(array, index);
  if (element !== undefined && !element.data) return accessorLabel(element);
  return formatValue(context, element === undefined ? undefined : element.value, level + 1);
}

function formatTypedArrayEntries(typedArray: object, entries: string[]): void {
  const length = TypedArrayPrototypeGetLength(typedArray);
  const shown = length < MAX_ENTRIES ? length : MAX_ENTRIES;
  for (let index = 0; index < shown; index++) {
    listPush(entries, formatPrimitive((typedArray as Record<number, unknown>)[index]));
  }
  if (length > shown) {
    const more = length - shown;
    listPush(entries, `... ${more} more item${more > 1 ? 's' : ''}`);
  }
}

function formatMapEntries(context: InspectContext, map: Map<unknown, unknown>, level: number, entries: string[]): void {
  let count = 0;
  MapPrototypeForEach(map, (value, key) => {
    count++;
    if (count > MAX_ENTRIES) return;
    listPush(entries, `${formatValue(context, key, level + 1)} => ${formatValue(context, value, level + 1)}`);
  });
  if (count > MAX_ENTRIES) {
    const more = count - MAX_ENTRIES;
    listPush(entries, `... ${more} more item${more > 1 ? 's' : ''}`);
  }
}

function formatSetEntries(context: InspectContext, set: Set<unknown>, level: number, entries: string[]): void {
  let count = 0;
  SetPrototypeForEach(set, (value) => {
    count++;
    if (count > MAX_ENTRIES) return;
    listPush(entries, formatValue(context, value, level + 1));
  });
  if (count > MAX_ENTRIES) {
    const more = count - MAX_ENTRIES;
    listPush(entries, `... ${more} more item${more > 1 ? 's' : ''}`);
  }
}

function accessorLabel(property: OwnProperty): string {
  if (property.get !== undefined) return property.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  return property.set !== undefined ? '[Setter]' : 'undefined';
}

function formatProperty(context: InspectContext, object: object, key: PropertyKey, level: number): string {
  const property = getOwnProperty(object, key);
  const valueText =
    property === undefined
      ? 'undefined'
      : property.data
        ? formatValue(context, property.value, level + 1)
        : accessorLabel(property);
  return `${formatKey(key)}: ${valueText}`;
}

function isIdentifierChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 36
  );
}

function formatKey(key: PropertyKey): string {
  if (typeof key === 'symbol') return `[${SymbolPrototypeToString(key)}]`;
  const text = key as string;
  let identifier = text.length > 0;
  for (let index = 0; index < text.length && identifier; index++) {
    const code = StringPrototypeCharCodeAt(text, index);
    identifier = isIdentifierChar(code) && !(index === 0 && code >= 48 && code <= 57);
  }
  return identifier ? text : quote(text);
}

function reduceToSingleString(entries: readonly string[], start: string, end: string): string {
  if (entries.length === 0) return `${start}${end}`;
  let total = start.length + end.length + 2;
  let multiline = false;
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    total += entry.length + 2;
    if (StringPrototypeIndexOf(entry, '\n') !== -1) multiline = true;
  }
  if (!multiline && total <= BREAK_LENGTH) return `${start} ${listJoin(entries, ', ')} ${end}`;
  const indented = newList<string>();
  for (let index = 0; index < entries.length; index++) listPush(indented, indent(entries[index]!));
  return `${start}\n  ${listJoin(indented, ',\n  ')}\n${end}`;
}

function indent(text: string): string {
  let out = '';
  let last = 0;
  for (let index = 0; index < text.length; index++) {
    if (StringPrototypeCharCodeAt(text, index) === 10) {
      out += `${StringPrototypeSlice(text, last, index + 1)}  `;
      last = index + 1;
    }
  }
  return out + StringPrototypeSlice(text, last);
}

// ── Strings ──────────────────────────────────────────────────────────────────────────────────

const escapes: Readonly<Record<number, string>> = {
  __proto__: null,
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  92: '\\\\',
} as never;

/** A string as Node quotes it: single quotes, unless the text holds some and no double quotes. */
export function quote(text: string): string {
  let quoteChar = 39; // '
  if (StringPrototypeIndexOf(text, "'") !== -1) {
    if (StringPrototypeIndexOf(text, '"') === -1) quoteChar = 34;
    else if (StringPrototypeIndexOf(text, '`') === -1 && StringPrototypeIndexOf(text, '${') === -1) quoteChar = 96;
  }
  const quoteText = quoteChar === 39 ? "'" : quoteChar === 34 ? '"' : '`';
  let out = quoteText;
  let last = 0;
  for (let index = 0; index < text.length; index++) {
    const code = StringPrototypeCharCodeAt(text, index);
    let replacement: string | undefined;
    if (code === quoteChar) replacement = `\\${quoteText}`;
    else if (code < 32 || code === 127) replacement = escapes[code] ?? `\\x${code < 16 ? '0' : ''}${upperHex(code)}`;
    else if (code === 92) replacement = '\\\\';
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = index + 1 < text.length ? StringPrototypeCharCodeAt(text, index + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        index++;
        continue;
      }
      replacement = `\\u${upperHex(code)}`;
    }
    if (replacement === undefined) continue;
    out += StringPrototypeSlice(text, last, index) + replacement;
    last = index + 1;
  }
  return `${out}${StringPrototypeSlice(text, last)}${quoteText}`;
}

function upperHex(code: number): string {
  const digits = '0123456789ABCDEF';
  let out = '';
  do {
    out = (digits[code & 15] as string) + out;
    code >>= 4;
  } while (code > 0);
  return out;
}

/** Lower-cased text, through the captured `String.prototype.toLowerCase`. */
export function lowerCase(text: string): string {
  return StringPrototypeToLowerCase(text);
}
