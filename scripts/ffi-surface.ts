/**
 * The bridge's C surface is declared once, by the Rust exports (`#[no_mangle] pub extern "C" fn`
 * in crates/bridge/src). This script derives the two copies from them:
 *
 * - the `bun:ffi` symbol table in packages/temporal-bun-sdk/src/native/symbols.ts (the block
 *   between the GENERATED markers), and
 * - the signature cell of each function row in crates/bridge/README.md.
 *
 * `bun scripts/ffi-surface.ts` checks that both are current and exits 1 naming what differs
 * (`make check-ffi`, part of `make test`); `--write` regenerates them. A README row for a function
 * that is not exported, or an export with no README row, is an error either way: the notes are
 * written by hand.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dir, '..');
const sourceDir = join(root, 'crates/bridge/src');
const symbolsPath = join(root, 'packages/temporal-bun-sdk/src/native/symbols.ts');
const readmePath = join(root, 'crates/bridge/README.md');
const BEGIN = '  // BEGIN GENERATED FFI SYMBOLS (scripts/ffi-surface.ts --write; do not edit)';
const END = '  // END GENERATED FFI SYMBOLS';

export interface Export {
  name: string;
  file: string;
  args: { name: string; type: string }[];
  returns: string;
}

/** bun:ffi's name for a Rust argument type. */
const ARGUMENT_TYPES: Record<string, string> = {
  u64: "'u64'",
  u32: "'u32'",
  i32: "'i32'",
  usize: "'usize'",
  f64: "'f64'",
  '*const u8': "'ptr'",
  '*mut u8': "'ptr'",
  '*mut f64': "'ptr'",
  '*const c_char': "'ptr'",
  '*mut c_char': "'ptr'",
};

/**
 * bun:ffi's name for a Rust return type. Handles are u64 below 2^53 by contract, so `u64_fast`
 * returns a number; a `*const c_char` is a static string (`cstring`), a `*mut` pointer is owned
 * by the caller and freed with `tbs_bytes_free` (`ptr`).
 */
const RETURN_TYPES: Record<string, string> = {
  i32: "'i32'",
  u64: 'FFIType.u64_fast',
  '*const c_char': "'cstring'",
  '*mut u8': "'ptr'",
  '*mut c_char': "'ptr'",
};

/** Every exported function, in file order then declaration order. */
export function rustExports(): Export[] {
  const files = readdirSync(sourceDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.rs'))
    .sort();
  const exports: Export[] = [];
  for (const file of files) {
    const source = readFileSync(join(sourceDir, file), 'utf8');
    const pattern =
      /#\[no_mangle\]\s*(?:#\[[^\]]*\]\s*)*pub\s+(?:unsafe\s+)?extern\s+"C"\s+fn\s+(\w+)\s*\(([^)]*)\)\s*(?:->\s*([^{]+?))?\s*\{/g;
    for (const match of source.matchAll(pattern)) {
      const [, name, argumentList, returns] = match;
      const args = argumentList!
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => {
          const colon = part.indexOf(':');
          return {
            name: part.slice(0, colon).trim(),
            type: part
              .slice(colon + 1)
              .trim()
              .replace(/\s+/g, ' '),
          };
        });
      exports.push({ name: name!, file, args, returns: (returns ?? '()').trim().replace(/\s+/g, ' ') });
    }
    const declared = source.match(/#\[no_mangle\]/g)?.length ?? 0;
    const found = exports.filter((entry) => entry.file === file).length;
    if (declared !== found) {
      throw new Error(
        `crates/bridge/src/${file}: ${declared} #[no_mangle] items but ${found} written-out \`pub extern "C" fn\` signatures; ` +
          'write every export out (no macros), so its signature can be read here',
      );
    }
  }
  return exports;
}

/** The signature as the README shows it: `tbs_x(a: u64, b: *const u8) -> i32`. */
export function signature(entry: Export): string {
  const args = entry.args.map((arg) => `${arg.name}: ${arg.type}`).join(', ');
  return `${entry.name}(${args}) -> ${entry.returns}`;
}

function ffiType(table: Record<string, string>, type: string, where: string): string {
  const mapped = table[type];
  if (mapped === undefined) throw new Error(`${where}: no bun:ffi type for the Rust type \`${type}\``);
  return mapped;
}

/** The generated block of symbols.ts. */
export function symbolTableBlock(exports: Export[]): string {
  const lines = [BEGIN];
  let file: string | undefined;
  for (const entry of exports) {
    if (entry.file !== file) {
      file = entry.file;
      lines.push(`  // crates/bridge/src/${file}`);
    }
    const args = entry.args.map((arg) => ffiType(ARGUMENT_TYPES, arg.type, `${entry.name}(${arg.name})`));
    const returns = ffiType(RETURN_TYPES, entry.returns, `${entry.name} -> ${entry.returns}`);
    const argNames = entry.args.map((arg) => arg.name).join(', ');
    if (argNames) lines.push(`  // ${argNames}`);
    lines.push(`  ${entry.name}: { args: [${args.join(', ')}], returns: ${returns} },`);
  }
  lines.push(END);
  return lines.join('\n');
}

function withSymbolTable(text: string, exports: Export[]): string {
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) {
    throw new Error(`${relative(root, symbolsPath)}: the GENERATED FFI SYMBOLS markers are missing`);
  }
  return text.slice(0, begin) + symbolTableBlock(exports) + text.slice(end + END.length);
}

/** The README with each function row's first cell set to the export's signature. */
function withReadmeSignatures(text: string, exports: Export[], problems: string[]): string {
  const byName = new Map(exports.map((entry) => [entry.name, entry]));
  const documented = new Set<string>();
  const lines = text.split('\n').map((line) => {
    const row = /^\| `(tbs_\w+)\(([^`]*)` \|(.*)$/.exec(line);
    if (!row) return line;
    const name = row[1]!;
    const entry = byName.get(name);
    if (entry === undefined) {
      problems.push(`crates/bridge/README.md documents ${name}, which the bridge does not export`);
      return line;
    }
    if (documented.has(name)) problems.push(`crates/bridge/README.md documents ${name} twice`);
    documented.add(name);
    return `| \`${signature(entry)}\` |${row[3]}`;
  });
  for (const entry of exports) {
    if (!documented.has(entry.name)) {
      problems.push(
        `crates/bridge/README.md has no row for ${entry.name} (crates/bridge/src/${entry.file}); add one: | \`${signature(entry)}\` | returns | notes |`,
      );
    }
  }
  return lines.join('\n');
}

function main(): void {
  const write = process.argv.includes('--write');
  const exports = rustExports();
  const problems: string[] = [];
  const targets: [string, (text: string) => string][] = [
    [symbolsPath, (text) => withSymbolTable(text, exports)],
    [readmePath, (text) => withReadmeSignatures(text, exports, problems)],
  ];
  for (const [path, generate] of targets) {
    const current = readFileSync(path, 'utf8');
    const generated = generate(current);
    if (current === generated) continue;
    if (write) {
      writeFileSync(path, generated);
      console.log(`wrote ${relative(root, path)}`);
    } else {
      problems.push(`${relative(root, path)} is stale: run \`bun scripts/ffi-surface.ts --write\``);
    }
  }
  if (problems.length > 0) {
    for (const problem of problems) console.error(`ffi-surface: ${problem}`);
    process.exit(1);
  }
  if (!write)
    console.log(`ffi-surface: ${exports.length} exports; symbols.ts and the README agree with the Rust source`);
}

if (import.meta.main) main();
