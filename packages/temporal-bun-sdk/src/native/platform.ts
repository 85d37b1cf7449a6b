/**
 * The platforms the bridge library is prebuilt for: one npm package each, named here once.
 *
 * The loader (`library.ts`) picks the entry of the running process, the packaging script
 * (`scripts/package.ts`) writes each package's `package.json` from its entry, and the release
 * workflow builds each `rustTarget`.
 */
import { suffix } from 'bun:ffi';

export type BridgeOs = 'linux' | 'darwin';
export type BridgeCpu = 'x64' | 'arm64';
export type BridgeLibc = 'glibc' | 'musl';

export interface BridgePlatform {
  /** `linux-x64-gnu`, `darwin-arm64`, …: the suffix of the package name. */
  readonly key: string;
  /** The npm package that holds the prebuilt library. */
  readonly packageName: string;
  readonly os: BridgeOs;
  readonly cpu: BridgeCpu;
  /** Linux only: the C library the library is linked against. */
  readonly libc?: BridgeLibc;
  /**
   * The Rust target it is built for. A glibc target carries the oldest glibc it links against
   * (`cargo zigbuild`'s `.2.28` suffix), so it loads on every distribution from that one on.
   */
  readonly rustTarget: string;
}

/** The oldest glibc the `-gnu` libraries load on (checked on the built library by a test). */
export const GLIBC_FLOOR = '2.28';

const PACKAGE_PREFIX = 'temporal-bun-sdk';

function platform(os: BridgeOs, cpu: BridgeCpu, libc: BridgeLibc | undefined, rustTarget: string): BridgePlatform {
  const key = [os, cpu, libc === undefined ? undefined : libc === 'glibc' ? 'gnu' : 'musl'].filter(Boolean).join('-');
  return { key, packageName: `${PACKAGE_PREFIX}-${key}`, os, cpu, ...(libc === undefined ? {} : { libc }), rustTarget };
}

export const BRIDGE_PLATFORMS: readonly BridgePlatform[] = [
  platform('linux', 'x64', 'glibc', `x86_64-unknown-linux-gnu.${GLIBC_FLOOR}`),
  platform('linux', 'arm64', 'glibc', `aarch64-unknown-linux-gnu.${GLIBC_FLOOR}`),
  platform('linux', 'x64', 'musl', 'x86_64-unknown-linux-musl'),
  platform('linux', 'arm64', 'musl', 'aarch64-unknown-linux-musl'),
  platform('darwin', 'arm64', undefined, 'aarch64-apple-darwin'),
  platform('darwin', 'x64', undefined, 'x86_64-apple-darwin'),
];

/** Library file name, e.g. `libtemporal_bun_bridge.so` on Linux, `.dylib` on macOS. */
export const BRIDGE_LIBRARY_FILE = `libtemporal_bun_bridge.${suffix}`;

/** The library file name on a given platform (the packaging script runs for other platforms too). */
export function libraryFileFor(os: BridgeOs): string {
  return `libtemporal_bun_bridge.${os === 'darwin' ? 'dylib' : 'so'}`;
}

/** Rust's directory name for a target: `cargo zigbuild` drops the glibc suffix. */
export function targetDirectoryName(target: BridgePlatform): string {
  return target.rustTarget.replace(/\.\d+(\.\d+)*$/, '');
}

/** What this process runs on, with the C library detected at run time (never guessed from what is installed). */
export interface HostPlatform {
  os: string;
  cpu: string;
  /** Linux only. */
  libc?: BridgeLibc;
}

/**
 * The running process's platform. On Linux, the C library is the one this process is linked
 * against: Bun reports the glibc version it runs on, and a musl build reports none.
 */
export function hostPlatform(): HostPlatform {
  const host: HostPlatform = { os: process.platform, cpu: process.arch };
  if (process.platform === 'linux') host.libc = runtimeGlibcVersion() === undefined ? 'musl' : 'glibc';
  return host;
}

function runtimeGlibcVersion(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}

/** The prebuilt platform matching `host`, if there is one. */
export function bridgePlatformFor(host: HostPlatform): BridgePlatform | undefined {
  return BRIDGE_PLATFORMS.find(
    (candidate) => candidate.os === host.os && candidate.cpu === host.cpu && candidate.libc === host.libc,
  );
}

/** `linux x64 (glibc)`: how errors name a platform. */
export function describeHost(host: HostPlatform): string {
  return `${host.os} ${host.cpu}${host.libc === undefined ? '' : ` (${host.libc})`}`;
}
