#!/usr/bin/env bun
/**
 * Writes the npm packages: `temporal-bun-sdk` (TypeScript sources, declarations, CLIs, README,
 * LICENSE) and the platform package holding one prebuilt, stripped bridge library.
 *
 *   bun scripts/package.ts [--platform <key>] [--library <path>] [--out <dir>]
 *
 * Defaults: the platform of this machine, the library this repository built for it
 * (`make build`), and `dist/npm`. Writes `<out>/temporal-bun-sdk-<version>.tgz` and
 * `<out>/temporal-bun-sdk-<key>-<version>.tgz`, and prints each tarball's size.
 * The release workflow (`.github/workflows/release.yml`) runs the same script on each platform.
 */
import { $ } from 'bun';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BRIDGE_PLATFORMS,
  bridgePlatformFor,
  hostPlatform,
  libraryFileFor,
  targetDirectoryName,
  type BridgePlatform,
} from '../packages/temporal-bun-sdk/src/native/platform';
import { readBridgeVersion } from '../packages/temporal-bun-sdk/src/native/library';

const root = resolve(import.meta.dir, '..');
const packageDirectory = join(root, 'packages', 'temporal-bun-sdk');
const bun = process.execPath;

interface Manifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  [key: string]: unknown;
}

/** The main package's entry points: sources for Bun, declarations for TypeScript. */
const ENTRY_POINTS: Record<string, string> = {
  '.': 'index',
  './worker': 'worker/index',
  './client': 'client/index',
  './native': 'native/index',
  './dev-server': 'dev-server/index',
  './testing': 'testing/index',
};

function fail(message: string): never {
  process.stderr.write(`package: ${message}\n`);
  process.exit(1);
}

function parseOptions(): { platform: BridgePlatform; library: string; out: string } {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { platform: { type: 'string' }, library: { type: 'string' }, out: { type: 'string' } },
  });
  const platform =
    values.platform === undefined
      ? bridgePlatformFor(hostPlatform())
      : BRIDGE_PLATFORMS.find((candidate) => candidate.key === values.platform);
  if (platform === undefined) {
    fail(
      `unknown platform ${values.platform ?? '(this machine)'}: expected one of ${BRIDGE_PLATFORMS.map((candidate) => candidate.key).join(', ')}`,
    );
  }
  const library = values.library === undefined ? repositoryLibrary(platform) : resolve(values.library);
  if (!existsSync(library)) fail(`no bridge library at ${library}: run \`make build\`, or pass --library`);
  return { platform, library, out: resolve(values.out ?? join(root, 'dist', 'npm')) };
}

function repositoryLibrary(platform: BridgePlatform): string {
  return join(root, 'target', targetDirectoryName(platform), 'release', libraryFileFor(platform.os));
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The main package: sources, declarations, CLIs; the platform packages as optional dependencies. */
async function stageMainPackage(stage: string, manifest: Manifest): Promise<void> {
  cpSync(join(packageDirectory, 'src'), join(stage, 'src'), { recursive: true });
  const declarations =
    await $`${join(packageDirectory, 'node_modules', '.bin', 'tsc')} -p tsconfig.types.json --outDir ${join(stage, 'types')}`
      .cwd(packageDirectory)
      .nothrow()
      .quiet();
  if (declarations.exitCode !== 0) fail(`declarations did not compile:\n${declarations.stdout}${declarations.stderr}`);
  copyFileSync(join(packageDirectory, 'README.md'), join(stage, 'README.md'));
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));

  const exports: Record<string, unknown> = {};
  for (const [subpath, module] of Object.entries(ENTRY_POINTS)) {
    exports[subpath] = { types: `./types/${module}.d.ts`, default: `./src/${module}.ts` };
  }
  exports['./package.json'] = './package.json';
  const {
    devDependencies: _devDependencies,
    scripts: _scripts,
    private: _private,
    exports: _exports,
    files: _files,
    ...published
  } = manifest;
  writeJson(join(stage, 'package.json'), {
    ...published,
    exports,
    types: './types/index.d.ts',
    files: ['src', 'types', 'README.md', 'LICENSE'],
    // Exactly this version: the loader refuses a library of another one.
    optionalDependencies: Object.fromEntries(
      BRIDGE_PLATFORMS.map((platform) => [platform.packageName, manifest.version]),
    ),
  });
}

/** A platform package: the stripped library and the module that names its path. */
async function stagePlatformPackage(
  stage: string,
  manifest: Manifest,
  platform: BridgePlatform,
  library: string,
): Promise<void> {
  const libraryFile = libraryFileFor(platform.os);
  const stagedLibrary = join(stage, libraryFile);
  copyFileSync(library, stagedLibrary);
  const strip = platform.os === 'darwin' ? $`strip -x ${stagedLibrary}` : $`strip --strip-unneeded ${stagedLibrary}`;
  const stripped = await strip.nothrow().quiet();
  if (stripped.exitCode !== 0) fail(`strip failed on ${stagedLibrary}: ${stripped.stderr}`);
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
  // Under Bun the library is imported as a file, so `bun build --compile` embeds it and the
  // import yields its path inside the executable; elsewhere it is the file next to this module.
  writeFileSync(
    join(stage, 'bun.js'),
    `import libraryPath from './${libraryFile}' with { type: 'file' };\nexport default libraryPath;\n`,
  );
  writeFileSync(
    join(stage, 'index.js'),
    `import { fileURLToPath } from 'node:url';\nexport default fileURLToPath(new URL('./${libraryFile}', import.meta.url));\n`,
  );
  writeFileSync(
    join(stage, 'index.d.ts'),
    '/** Path of the temporal-bun-sdk bridge library in this package. */\ndeclare const libraryPath: string;\nexport default libraryPath;\n',
  );
  writeFileSync(
    join(stage, 'README.md'),
    `# ${platform.packageName}\n\nThe prebuilt native core of [temporal-bun-sdk](https://www.npmjs.com/package/temporal-bun-sdk) for ${platform.os} ${platform.cpu}` +
      `${platform.libc === undefined ? '' : ` (${platform.libc})`}, built for the Rust target \`${platform.rustTarget}\`.\n\n` +
      `Do not install it directly: \`temporal-bun-sdk\` lists it as an optional dependency, and the package manager picks the one for your platform.\n`,
  );
  writeJson(join(stage, 'package.json'), {
    name: platform.packageName,
    version: manifest.version,
    description: `${manifest.name}'s native bridge library for ${platform.key}`,
    license: manifest.license,
    type: 'module',
    os: [platform.os],
    cpu: [platform.cpu],
    ...(platform.libc === undefined ? {} : { libc: [platform.libc] }),
    exports: { '.': { types: './index.d.ts', bun: './bun.js', default: './index.js' } },
    files: [libraryFile, 'bun.js', 'index.js', 'index.d.ts', 'README.md', 'LICENSE'],
  });
}

async function pack(stage: string, out: string): Promise<string> {
  const packed = await $`${bun} pm pack --destination ${out} --quiet`.cwd(stage).nothrow().quiet();
  if (packed.exitCode !== 0) fail(`bun pm pack failed in ${stage}:\n${packed.stdout}${packed.stderr}`);
  const manifest = readManifest(join(stage, 'package.json'));
  const tarball = join(out, `${manifest.name}-${manifest.version}.tgz`);
  if (!existsSync(tarball)) fail(`bun pm pack wrote no ${tarball}`);
  return tarball;
}

async function unpackedBytes(tarball: string): Promise<number> {
  const listing = await $`tar -tvzf ${tarball}`.quiet().text();
  return listing
    .split('\n')
    .filter((line) => line.trim() !== '')
    .reduce((total, line) => total + Number(line.trim().split(/\s+/)[2] ?? 0), 0);
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const { platform, library, out } = parseOptions();
const manifest = readManifest(join(packageDirectory, 'package.json'));
if (platform === bridgePlatformFor(hostPlatform())) {
  const libraryVersion = readBridgeVersion(library);
  if (libraryVersion !== manifest.version)
    fail(`${library} is version ${libraryVersion}, the package ${manifest.version}: rebuild it`);
}

const stageRoot = join(out, '.stage');
rmSync(stageRoot, { recursive: true, force: true });
const mainStage = join(stageRoot, manifest.name);
const platformStage = join(stageRoot, platform.packageName);
mkdirSync(mainStage, { recursive: true });
mkdirSync(platformStage, { recursive: true });
await stageMainPackage(mainStage, manifest);
await stagePlatformPackage(platformStage, manifest, platform, library);
for (const stage of [mainStage, platformStage]) {
  const tarball = await pack(stage, out);
  console.log(
    `${tarball}: ${mebibytes(statSync(tarball).size)} compressed, ${mebibytes(await unpackedBytes(tarball))} unpacked`,
  );
}
rmSync(stageRoot, { recursive: true, force: true });
