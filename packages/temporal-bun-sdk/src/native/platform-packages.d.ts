// The platform packages (see platform.ts) are optional dependencies: at most one is installed.
// Each default-exports the path of its library (a `$bunfs` path inside a compiled executable).
declare module 'temporal-bun-sdk-linux-x64-gnu' {
  const libraryPath: string;
  export default libraryPath;
}
declare module 'temporal-bun-sdk-linux-arm64-gnu' {
  const libraryPath: string;
  export default libraryPath;
}
declare module 'temporal-bun-sdk-linux-x64-musl' {
  const libraryPath: string;
  export default libraryPath;
}
declare module 'temporal-bun-sdk-linux-arm64-musl' {
  const libraryPath: string;
  export default libraryPath;
}
declare module 'temporal-bun-sdk-darwin-arm64' {
  const libraryPath: string;
  export default libraryPath;
}
declare module 'temporal-bun-sdk-darwin-x64' {
  const libraryPath: string;
  export default libraryPath;
}
