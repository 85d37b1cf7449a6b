/**
 * The path of the bridge library in the platform package for `key` (a `$bunfs` path inside a
 * compiled executable); rejects when that package is not installed.
 */
export declare function importPlatformLibrary(key: string): Promise<string | undefined>;

/** The platform keys `importPlatformLibrary` knows. */
export declare const PLATFORM_LIBRARY_KEYS: readonly string[];
