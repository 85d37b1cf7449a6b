/**
 * Turns JavaScriptCore's JIT dump (written when Bun runs with `BUN_JSC_useJITDump=1`) into the
 * `/tmp/perf-<pid>.map` that `perf report` reads to name JIT-compiled code. With it, `perf` gives
 * CPU-true profiles of the JS thread, JS functions included; `bun --cpu-prof` samples wall-clock
 * time, so it blames whatever a preempted thread was running. See "Profiling" in bench/README.md.
 *
 *   bun profiling/jitdump-to-perf-map.ts <jit-*.dump> <pid>
 */
const [dumpPath, pid] = process.argv.slice(2);
if (!dumpPath || !pid || !/^\d+$/.test(pid)) {
  console.error('usage: bun profiling/jitdump-to-perf-map.ts <jit-*.dump> <pid>');
  process.exit(2);
}
const bytes = new Uint8Array(await Bun.file(dumpPath).arrayBuffer());
const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const JIT_CODE_LOAD = 0;
const decoder = new TextDecoder();
// File header: magic, version, header size (u32 each), then the rest; records follow it.
let offset = view.getUint32(8, true);
const lines: string[] = [];
while (offset + 16 <= bytes.length) {
  const id = view.getUint32(offset, true);
  const size = view.getUint32(offset + 4, true);
  if (size === 0) break;
  if (id === JIT_CODE_LOAD) {
    // Record header (16 bytes), then pid, tid (u32), vma, code address, code size, index (u64).
    const codeAddress = view.getBigUint64(offset + 32, true);
    const codeSize = view.getBigUint64(offset + 40, true);
    const nameStart = offset + 56;
    const nameEnd = bytes.indexOf(0, nameStart);
    const name = decoder.decode(bytes.subarray(nameStart, nameEnd)).replaceAll('\n', ' ');
    lines.push(`${codeAddress.toString(16)} ${codeSize.toString(16)} ${name}`);
  }
  offset += size;
}
await Bun.write(`/tmp/perf-${pid}.map`, `${lines.join('\n')}\n`);
console.log(`/tmp/perf-${pid}.map: ${lines.length} compiled functions`);
