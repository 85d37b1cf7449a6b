/**
 * A connection to a Temporal service, held by the bridge (temporalio-client over tonic).
 */
import type { temporal } from '@temporalio/proto';
import { DEFAULT_CONNECT_TIMEOUT_MS, defaultIdentity } from '../common/defaults';
import { fullProtos } from '../common/worker-protos';
import { encodeJson, encodeUtf8, inputBytes } from './buffers';
import { NativeError, checkStatus } from './errors';
import { expectBytes, expectHandle, type NativeRuntime } from './runtime';
import { nativeSymbols } from './symbols';

/** TLS settings; PEM strings. */
export interface NativeClientTlsOptions {
  /** CA certificate(s) to trust instead of the system roots. */
  serverRootCaCert?: string;
  /** Server name to verify (SNI), when it differs from the address's host. */
  domain?: string;
  /** Client certificate for mTLS (with `clientPrivateKey`). */
  clientCert?: string;
  clientPrivateKey?: string;
}

/** Options of {@link NativeClient.connect} (the bridge's client options JSON). */
export interface NativeClientOptions {
  /** `host:port` or a URL, e.g. `"localhost:7233"` or `"https://ns.acct.tmprl.cloud:7233"`. */
  address: string;
  /** Identity reported to the server. Default `pid@host` (`defaultIdentity()`). */
  identity?: string;
  /** API key sent as a bearer token. */
  apiKey?: string;
  /** Extra gRPC metadata sent on every call; `-bin` keys take base64 values. */
  metadata?: Record<string, string>;
  /**
   * `true` for TLS with system roots, or explicit TLS settings; `false` for plaintext. Default:
   * TLS with system roots when `apiKey` is set, else plaintext. An API key on a plaintext
   * connection is refused (it would travel in clear).
   */
  tls?: boolean | NativeClientTlsOptions;
  /** How long to wait for the connection and its handshake, in milliseconds. Default `DEFAULT_CONNECT_TIMEOUT_MS` (10000). */
  connectTimeoutMs?: number;
  clientName?: string;
  clientVersion?: string;
  /** gRPC message compression. Default: `'none'` for a loopback address (it only costs CPU there), else `'gzip'`. */
  grpcCompression?: 'gzip' | 'none';
  /** Reach the server through an HTTP CONNECT proxy (the official SDK's `ProxyConfig`). */
  proxy?: NativeProxyOptions;
}

/** An HTTP CONNECT proxy, shaped like `@temporalio/common`'s `ProxyConfig`. */
export interface NativeProxyOptions {
  type: 'http-connect';
  /** The proxy's `host:port`, `http://host:port`, or `unix:/path` of a Unix socket. */
  targetHost: string;
  /** The proxy's credentials (sent in clear to the proxy); neither may contain `:` or `@`. */
  basicAuth?: { username: string; password: string };
}

/** Services reachable with {@link NativeClient.rpc}. */
export type NativeServiceName = 'workflow' | 'operator';

const serviceNumbers: Record<NativeServiceName, number> = { workflow: 1, operator: 2 };

export interface NativeRpcOptions {
  /** Deadline of the call in milliseconds; 0 or absent means none. */
  timeoutMs?: number;
  /** Retry transient failures with sdk-core's policy. Default false. */
  retry?: boolean;
}

/** A protobufjs message type as `@temporalio/proto` exposes it (reflection-backed). */
interface MessageType {
  encode(message: never): { finish(): Uint8Array };
  decode(reader: Uint8Array): unknown;
}

/** `"Foo"` for every `FooRequest`/`FooResponse` pair in a proto package. */
type MethodsOf<Package> = {
  [Key in keyof Package & string]: Key extends `${infer Method}Request`
    ? `${Method}Response` extends keyof Package
      ? Method
      : never
    : never;
}[keyof Package & string];
type RequestOf<Package, Method extends string> = Package[`${Method}Request` & keyof Package] extends {
  encode(message: infer Properties, ...rest: never[]): unknown;
}
  ? Properties
  : never;
type ResponseOf<Package, Method extends string> = Package[`${Method}Response` & keyof Package] extends {
  decode(reader: never, ...rest: never[]): infer Response;
}
  ? Response
  : never;

type WorkflowServicePackage = typeof temporal.api.workflowservice.v1;
type OperatorServicePackage = typeof temporal.api.operatorservice.v1;

/** WorkflowService methods, e.g. `"StartWorkflowExecution"`. */
export type WorkflowServiceMethod = MethodsOf<WorkflowServicePackage>;
export type WorkflowServiceRequest<Method extends WorkflowServiceMethod> = RequestOf<WorkflowServicePackage, Method>;
export type WorkflowServiceResponse<Method extends WorkflowServiceMethod> = ResponseOf<WorkflowServicePackage, Method>;

/** OperatorService methods, e.g. `"ListSearchAttributes"`. */
export type OperatorServiceMethod = MethodsOf<OperatorServicePackage>;
export type OperatorServiceRequest<Method extends OperatorServiceMethod> = RequestOf<OperatorServicePackage, Method>;
export type OperatorServiceResponse<Method extends OperatorServiceMethod> = ResponseOf<OperatorServicePackage, Method>;

function messageType(protoPackage: object, name: string): MessageType {
  const type = (protoPackage as Record<string, MessageType | undefined>)[name];
  if (!type || typeof type.encode !== 'function') {
    throw new NativeError('INVALID_ARGUMENT', `unknown protobuf message ${name}: check the RPC method name`);
  }
  return type;
}

/**
 * A connected client. Free it when done; workers created from it keep their own connection.
 *
 * @example
 * const client = await NativeClient.connect(runtime, { address: 'localhost:7233' });
 * const { namespaceInfo } = await client.workflowService('DescribeNamespace', { namespace: 'default' });
 */
export class NativeClient {
  readonly runtime: NativeRuntime;
  readonly #handle: number;
  #freed = false;

  private constructor(runtime: NativeRuntime, handle: number) {
    this.runtime = runtime;
    this.#handle = handle;
  }

  /** Connects (asynchronously, in the bridge) and resolves once the server answered the handshake. */
  static async connect(runtime: NativeRuntime, options: NativeClientOptions): Promise<NativeClient> {
    const symbols = nativeSymbols();
    // The bridge has no defaults of its own: every one of these is sent.
    const json = inputBytes(
      encodeJson({
        ...options,
        identity: options.identity ?? defaultIdentity(),
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      }),
    );
    const handle = await runtime.call(
      'tbs_client_connect',
      (requestId) => symbols.tbs_client_connect(runtime.handle, json.pointer, json.length, requestId),
      expectHandle,
    );
    return new NativeClient(runtime, handle);
  }

  /** The raw client handle (kept after free, so tests can probe the bridge with a stale handle). */
  get handle(): number {
    return this.#handle;
  }

  get freed(): boolean {
    return this.#freed;
  }

  /** A unary RPC with an encoded request; resolves with the encoded response. */
  rpc(
    service: NativeServiceName,
    method: string,
    request: Uint8Array,
    options: NativeRpcOptions = {},
  ): Promise<Uint8Array> {
    if (this.#freed) return Promise.reject(this.#useAfterFree(`rpc ${method}`));
    const symbols = nativeSymbols();
    const methodName = inputBytes(encodeUtf8(method));
    const requestBytes = inputBytes(request);
    const timeoutMs = options.timeoutMs ?? 0;
    const retry = options.retry ? 1 : 0;
    return this.runtime.call(
      `tbs_client_rpc ${method}`,
      (requestId) =>
        symbols.tbs_client_rpc(
          this.#handle,
          serviceNumbers[service],
          methodName.pointer,
          methodName.length,
          requestBytes.pointer,
          requestBytes.length,
          timeoutMs,
          retry,
          requestId,
        ),
      expectBytes,
    );
  }

  /** A typed WorkflowService call: encodes `request`, decodes the response message. */
  async workflowService<Method extends WorkflowServiceMethod>(
    method: Method,
    request: WorkflowServiceRequest<Method>,
    options?: NativeRpcOptions,
  ): Promise<WorkflowServiceResponse<Method>> {
    return (await this.#typedRpc(
      'workflow',
      fullProtos().temporal.api.workflowservice.v1,
      method,
      request,
      options,
    )) as WorkflowServiceResponse<Method>;
  }

  /** A typed OperatorService call: encodes `request`, decodes the response message. */
  async operatorService<Method extends OperatorServiceMethod>(
    method: Method,
    request: OperatorServiceRequest<Method>,
    options?: NativeRpcOptions,
  ): Promise<OperatorServiceResponse<Method>> {
    return (await this.#typedRpc(
      'operator',
      fullProtos().temporal.api.operatorservice.v1,
      method,
      request,
      options,
    )) as OperatorServiceResponse<Method>;
  }

  /** Replaces the extra gRPC metadata sent on every call. */
  updateMetadata(metadata: Record<string, string>): void {
    if (this.#freed) throw this.#useAfterFree('updateMetadata');
    const json = inputBytes(encodeJson(metadata));
    checkStatus(
      nativeSymbols().tbs_client_update_metadata(this.#handle, json.pointer, json.length),
      'tbs_client_update_metadata',
    );
  }

  /** Replaces the API key; `undefined` (or `""`) removes it. Refused (`INVALID_ARGUMENT`) on a plaintext connection. */
  updateApiKey(apiKey: string | undefined): void {
    if (this.#freed) throw this.#useAfterFree('updateApiKey');
    const key = inputBytes(encodeUtf8(apiKey ?? ''));
    checkStatus(
      nativeSymbols().tbs_client_update_api_key(this.#handle, key.pointer, key.length),
      'tbs_client_update_api_key',
    );
  }

  /** Releases the handle. A second call throws `INVALID_HANDLE`. */
  free(): void {
    if (this.#freed) throw this.#useAfterFree('free');
    this.#freed = true;
    checkStatus(nativeSymbols().tbs_client_free(this.#handle), 'tbs_client_free');
  }

  async #typedRpc(
    service: NativeServiceName,
    protoPackage: object,
    method: string,
    request: unknown,
    options: NativeRpcOptions | undefined,
  ): Promise<unknown> {
    const requestType = messageType(protoPackage, `${method}Request`);
    const responseType = messageType(protoPackage, `${method}Response`);
    const encoded = requestType.encode(request as never).finish();
    return responseType.decode(await this.rpc(service, method, encoded, options));
  }

  #useAfterFree(operation: string): NativeError {
    return new NativeError('INVALID_HANDLE', `${operation}: the client was freed`);
  }
}
