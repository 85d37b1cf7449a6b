/**
 * `client.workerDeployment`: describe a worker deployment and route its workflows to a version
 * (worker deployment versioning; the workers side is `createWorker({ workerDeploymentOptions })`).
 * Typed helpers over the WorkflowService's `DescribeWorkerDeployment`,
 * `SetWorkerDeploymentCurrentVersion` and `SetWorkerDeploymentRampingVersion`.
 *
 * @example
 * const { conflictToken } = await client.workerDeployment.describe('orders');
 * await client.workerDeployment.setCurrentVersion('orders', '2026-12-07.1', { conflictToken });
 */
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { NativeRpcOptions } from '../native';
import type { Connection } from './connection';
import { protos } from '../common/worker-protos';

/** A version's state in its deployment, without the proto enum's prefix. */
export type WorkerDeploymentVersionStatus =
  | 'UNSPECIFIED'
  | 'INACTIVE'
  | 'CURRENT'
  | 'RAMPING'
  | 'DRAINING'
  | 'DRAINED'
  | 'UNKNOWN';

/** Whether workflows pinned to a version that is no longer current or ramping are still open. */
export type WorkerDeploymentDrainageStatus = 'UNSPECIFIED' | 'DRAINING' | 'DRAINED' | 'UNKNOWN';

/** Where a deployment sends new and auto-upgrade workflows. */
export interface WorkerDeploymentRoutingConfig {
  /** The current version; `undefined`: unversioned workers get the tasks. */
  currentVersion: WorkerDeploymentVersion | undefined;
  /** The ramping version, which gets {@link rampingVersionPercentage} of the traffic. */
  rampingVersion: WorkerDeploymentVersion | undefined;
  /** In [0, 100]. */
  rampingVersionPercentage: number;
  currentVersionChangedTime: Date | undefined;
  rampingVersionChangedTime: Date | undefined;
}

export interface WorkerDeploymentVersionSummary {
  version: WorkerDeploymentVersion;
  status: WorkerDeploymentVersionStatus;
  drainageStatus: WorkerDeploymentDrainageStatus;
  createTime: Date | undefined;
}

/** {@link WorkerDeploymentClient.describe}'s answer. */
export interface WorkerDeploymentDescription {
  name: string;
  createTime: Date | undefined;
  /** Every version whose workers have polled, oldest first as the server lists them. */
  versions: WorkerDeploymentVersionSummary[];
  routingConfig: WorkerDeploymentRoutingConfig;
  lastModifierIdentity: string;
  /** Pass to a set call to make it fail if the deployment changed since this description. */
  conflictToken: Uint8Array;
  raw: temporal.api.workflowservice.v1.IDescribeWorkerDeploymentResponse;
}

export interface SetWorkerDeploymentVersionOptions {
  /** From {@link WorkerDeploymentClient.describe} (or a previous set): refuse the change if the deployment changed since. */
  conflictToken?: Uint8Array;
  /**
   * Set it even if some task queue that the previous current version polled is not polled by the
   * new one. Default false (the server refuses, to protect against a missing task queue).
   */
  ignoreMissingTaskQueues?: boolean;
  /** Set it even if no worker of the version has polled yet. Default false (the server refuses). */
  allowNoPollers?: boolean;
}

/** {@link WorkerDeploymentClient.setCurrentVersion}'s and `setRampingVersion`'s answer. */
export interface SetWorkerDeploymentVersionResult {
  /** The version that was current (or ramping) before; `undefined` for unversioned. */
  previousVersion: WorkerDeploymentVersion | undefined;
  conflictToken: Uint8Array;
}

export interface WorkerDeploymentClientContext {
  connection: Connection;
  namespace: string;
  identity: string;
}

/** The worker-deployment half of `Client`: `client.workerDeployment`. */
export class WorkerDeploymentClient {
  readonly #context: WorkerDeploymentClientContext;

  constructor(context: WorkerDeploymentClientContext) {
    this.#context = context;
  }

  /**
   * Describes a deployment: its versions and where its workflows go. Throws a `ServiceError` with
   * gRPC status `NOT_FOUND` until a worker of the deployment has polled.
   */
  async describe(deploymentName: string, options?: NativeRpcOptions): Promise<WorkerDeploymentDescription> {
    const response = await this.#context.connection.callForClient(
      'DescribeWorkerDeployment',
      { namespace: this.#context.namespace, deploymentName },
      { fallbackMessage: `Failed to describe worker deployment ${JSON.stringify(deploymentName)}` },
      options,
    );
    const info = response.workerDeploymentInfo ?? {};
    const routing = info.routingConfig ?? {};
    return {
      name: info.name ?? deploymentName,
      createTime: optionalTsToDate(info.createTime),
      versions: (info.versionSummaries ?? []).map((summary) => ({
        version: toVersion(summary.deploymentVersion) ?? { deploymentName, buildId: '' },
        status: enumName<WorkerDeploymentVersionStatus>(
          protos.temporal.api.enums.v1.WorkerDeploymentVersionStatus,
          summary.status,
          'WORKER_DEPLOYMENT_VERSION_STATUS_',
        ),
        drainageStatus: enumName<WorkerDeploymentDrainageStatus>(
          protos.temporal.api.enums.v1.VersionDrainageStatus,
          summary.drainageStatus,
          'VERSION_DRAINAGE_STATUS_',
        ),
        createTime: optionalTsToDate(summary.createTime),
      })),
      routingConfig: {
        currentVersion: toVersion(routing.currentDeploymentVersion),
        rampingVersion: toVersion(routing.rampingDeploymentVersion),
        rampingVersionPercentage: routing.rampingVersionPercentage ?? 0,
        currentVersionChangedTime: optionalTsToDate(routing.currentVersionChangedTime),
        rampingVersionChangedTime: optionalTsToDate(routing.rampingVersionChangedTime),
      },
      lastModifierIdentity: info.lastModifierIdentity ?? '',
      conflictToken: response.conflictToken ?? new Uint8Array(),
      raw: response,
    };
  }

  /**
   * Makes `buildId` the current version of the deployment: new workflows, and auto-upgrade ones at
   * their next task, run on its workers; pinned workflows stay where they are. `null` routes to
   * unversioned workers.
   */
  async setCurrentVersion(
    deploymentName: string,
    buildId: string | null,
    options: SetWorkerDeploymentVersionOptions = {},
  ): Promise<SetWorkerDeploymentVersionResult> {
    const response = await this.#context.connection.callForClient(
      'SetWorkerDeploymentCurrentVersion',
      this.#versionChange(deploymentName, buildId, options),
      {
        fallbackMessage: `Failed to set the current version of worker deployment ${JSON.stringify(deploymentName)} to ${JSON.stringify(buildId)}`,
      },
    );
    return versionChangeResult(response);
  }

  /**
   * Sends `percentage` (0 to 100) of new and auto-upgrade workflows to `buildId`'s workers, the
   * rest to the current version. `buildId: null` stops ramping.
   */
  async setRampingVersion(
    deploymentName: string,
    buildId: string | null,
    percentage: number,
    options: SetWorkerDeploymentVersionOptions = {},
  ): Promise<SetWorkerDeploymentVersionResult> {
    if (!(Number.isFinite(percentage) && percentage >= 0 && percentage <= 100)) {
      throw new RangeError(`setRampingVersion: percentage must be in [0, 100], got ${percentage}`);
    }
    const response = await this.#context.connection.callForClient(
      'SetWorkerDeploymentRampingVersion',
      { ...this.#versionChange(deploymentName, buildId, options), percentage },
      {
        fallbackMessage: `Failed to set the ramping version of worker deployment ${JSON.stringify(deploymentName)} to ${JSON.stringify(buildId)}`,
      },
    );
    return versionChangeResult(response);
  }

  /** The request fields `setCurrentVersion` and `setRampingVersion` share. */
  #versionChange(deploymentName: string, buildId: string | null, options: SetWorkerDeploymentVersionOptions) {
    return {
      namespace: this.#context.namespace,
      deploymentName,
      buildId: buildId ?? '',
      conflictToken: options.conflictToken,
      identity: this.#context.identity,
      ignoreMissingTaskQueues: options.ignoreMissingTaskQueues ?? false,
      allowNoPollers: options.allowNoPollers ?? false,
    };
  }
}

function versionChangeResult(response: {
  previousDeploymentVersion?: temporal.api.deployment.v1.IWorkerDeploymentVersion | null;
  conflictToken?: Uint8Array | null;
}): SetWorkerDeploymentVersionResult {
  return {
    previousVersion: toVersion(response.previousDeploymentVersion),
    conflictToken: response.conflictToken ?? new Uint8Array(),
  };
}

function toVersion(
  version: temporal.api.deployment.v1.IWorkerDeploymentVersion | null | undefined,
): WorkerDeploymentVersion | undefined {
  if (!version?.buildId) return undefined;
  return { deploymentName: version.deploymentName ?? '', buildId: version.buildId };
}

/** A proto enum value's name without its prefix, or `'UNKNOWN'` for a value this package predates. */
function enumName<Name extends string>(
  values: object,
  value: number | null | undefined,
  prefix: string,
): Name | 'UNKNOWN' {
  const name: unknown = (values as Record<number, unknown>)[value ?? 0];
  return typeof name === 'string' && name.startsWith(prefix) ? (name.slice(prefix.length) as Name) : 'UNKNOWN';
}
