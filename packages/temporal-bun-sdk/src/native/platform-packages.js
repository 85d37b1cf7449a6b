// The platform packages' libraries, one literal `require()` per package so that the bundler sees
// each (and `bun build --compile` embeds the one installed). Synchronous, so that the library can
// be opened inside a synchronous call (`new Client()` resolves `temporal.toml` through the bridge).
// A plain JavaScript module: the other platforms' packages are not installed, and TypeScript would
// reject their names.
// Keys and package names: platform.ts (a test checks that they agree).

/** @param {string} key @returns {string | undefined} */
export function requirePlatformLibrary(key) {
  // The `try` is what lets the bundler (`bun build --compile`) leave a require it cannot resolve
  // (another platform's package) to fail at run time instead of failing the build.
  try {
    switch (key) {
      case 'linux-x64-gnu':
        return require('temporal-bun-sdk-linux-x64-gnu').default;
      case 'linux-arm64-gnu':
        return require('temporal-bun-sdk-linux-arm64-gnu').default;
      case 'linux-x64-musl':
        return require('temporal-bun-sdk-linux-x64-musl').default;
      case 'linux-arm64-musl':
        return require('temporal-bun-sdk-linux-arm64-musl').default;
      case 'darwin-arm64':
        return require('temporal-bun-sdk-darwin-arm64').default;
      case 'darwin-x64':
        return require('temporal-bun-sdk-darwin-x64').default;
      default:
        return undefined;
    }
  } catch (error) {
    // biome-ignore lint/complexity/noUselessCatch: the try/catch is what the bundler looks for (above)
    throw error;
  }
}

/** The keys above, for the test that checks them against platform.ts. */
export const PLATFORM_LIBRARY_KEYS = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-arm64',
  'darwin-x64',
];
