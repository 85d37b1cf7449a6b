/**
 * `Client`: the entry point, as in `@temporalio/client`. Holds a connection, the namespace, the
 * identity and the data converter, and exposes workflow operations as `client.workflow`.
 */
import type { DataConverter, LoadedDataConverter } from '@temporalio/common';
import { isLoadedDataConverter, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { NativeConnection } from '../connection';
import { Connection, type WorkflowServiceCalls } from './connection';
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
  readonly options: Readonly<{ namespace: string; identity: string; dataConverter: LoadedDataConverter }>;
  /** Start workflows, get handles, list and count. */
  readonly workflow: WorkflowClient;
  /** Describe worker deployments and set their current or ramping version. */
  readonly workerDeployment: WorkerDeploymentClient;

  constructor(options: ClientOptions = {}) {
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
    };
    this.workflow = new WorkflowClient({
      connection,
      ...this.options,
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
