/**
 * `Client`: the entry point, as in `@temporalio/client`. Holds a connection, the namespace, the
 * identity and the data converter, and exposes workflow operations as `client.workflow`.
 */
import type { DataConverter, LoadedDataConverter } from '@temporalio/common';
import {
  isLoadedDataConverter,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import { applyConfigureHooks, checkPlugins, type NamedPlugin } from '../common/plugins';
import { NativeConnection } from '../connection';
import { Connection, type WorkflowServiceCalls } from './connection';
import {
  checkWorkflowClientInterceptors,
  type ClientInterceptors,
  type WorkflowClientInterceptor,
} from './interceptors';
import { WorkerDeploymentClient } from './worker-deployment-client';
import { WorkflowClient } from './workflow-client';
import type { QueryRejectCondition } from './workflow-options';

export interface ClientOptions {
  /**
   * The connection to use: a {@link Connection}, or a worker's `NativeConnection` to share it.
   * Default: a connection opened on first use from `TEMPORAL_*` / `temporal.toml`, else
   * `localhost:7233` (close it with `client.connection.close()`).
   */
  connection?: Connection | NativeConnection;
  /** Default: the connection's namespace (`TEMPORAL_NAMESPACE` / the profile's), else `default`. */
  namespace?: string;
  /**
   * Payload converter, payload codecs and failure converter: use the same as the workers'
   * (`createWorker({ dataConverter })`) so both sides read each other's payloads.
   */
  dataConverter?: DataConverter | LoadedDataConverter;
  /** Identity reported to the server. Default: the connection's (`${pid}@${hostname}`). */
  identity?: string;
  workflow?: {
    /** Which workflow statuses make the server reject queries. Default: none (the server's default). */
    queryRejectCondition?: QueryRejectCondition;
  };
  /**
   * Interceptors of the client's calls: `workflow` wraps `client.workflow`'s (start, signal,
   * query, update, cancel, terminate, describe), in order. Default none.
   */
  interceptors?: ClientInterceptors;
  /**
   * Plugins (`@temporalio/plugin`'s `ClientPlugin`; `SimplePlugin` is one): each
   * `configureClient` changes these options, in list order, before the client uses them. The
   * plugins of the connection (`Connection.connect({ plugins })` / `NativeConnection.connect({
   * plugins })`) run after these, as in the official client. Default none.
   */
  plugins?: ClientPlugin[];
}

/**
 * A plugin of a {@link Client}, shaped like `@temporalio/client`'s (`SimplePlugin` implements it).
 *
 * @example
 * const tracing: ClientPlugin = {
 *   name: 'tracing',
 *   configureClient: (options) => ({
 *     ...options,
 *     interceptors: { workflow: [...(options.interceptors?.workflow ?? []), new OpenTelemetryWorkflowClientInterceptor()] },
 *   }),
 * };
 * const client = new Client({ connection, plugins: [tracing] });
 */
export interface ClientPlugin extends NamedPlugin {
  configureClient?(options: Omit<ClientOptions, 'plugins'>): Omit<ClientOptions, 'plugins'>;
}

/**
 * A Temporal client.
 *
 * @example
 * import { Client, Connection } from 'temporal-bun-sdk/client';
 * const client = new Client({ connection: await Connection.connect() });
 * const result = await client.workflow.execute('orderWorkflow', { taskQueue: 'orders', workflowId: 'order-42', args: [order] });
 */
export class Client {
  readonly connection: Connection;
  readonly options: Readonly<{
    namespace: string;
    identity: string;
    dataConverter: LoadedDataConverter;
    interceptors: { workflow: readonly WorkflowClientInterceptor[] };
    /** The plugins applied: the options' own, then the connection's. */
    plugins: readonly ClientPlugin[];
  }>;
  /** Start workflows, get handles, list and count. */
  readonly workflow: WorkflowClient;
  /** Describe worker deployments and set their current or ramping version. */
  readonly workerDeployment: WorkerDeploymentClient;

  constructor(clientOptions: ClientOptions = {}) {
    const plugins = [...(clientOptions.plugins ?? []), ...(clientOptions.connection?.plugins ?? [])] as ClientPlugin[];
    checkPlugins(plugins, ['configureClient'], 'Client');
    const options: ClientOptions = applyConfigureHooks(plugins, 'configureClient', clientOptions, 'Client');
    const workflowInterceptors = checkWorkflowClientInterceptors(options.interceptors?.workflow, 'Client');
    const given = options.connection;
    const connection =
      given instanceof NativeConnection
        ? Connection.fromNativeConnection(given, { namespace: options.namespace, identity: options.identity })
        : (given ?? Connection.lazy());
    const dataConverter = isLoadedDataConverter(options.dataConverter)
      ? options.dataConverter
      : loadDataConverter(options.dataConverter);
    this.connection = connection;
    this.options = {
      namespace: options.namespace ?? connection.options.namespace,
      identity: options.identity ?? connection.options.identity,
      dataConverter,
      interceptors: { workflow: workflowInterceptors },
      plugins,
    };
    this.workflow = new WorkflowClient({
      connection,
      namespace: this.options.namespace,
      identity: this.options.identity,
      dataConverter,
      interceptors: workflowInterceptors,
      queryRejectCondition: options.workflow?.queryRejectCondition,
    });
    this.workerDeployment = new WorkerDeploymentClient({
      connection,
      namespace: this.options.namespace,
      identity: this.options.identity,
    });
  }

  /** Raw WorkflowService calls on this client's connection (the namespace is not filled in for you). */
  get workflowService(): WorkflowServiceCalls {
    return this.connection.workflowService;
  }
}
