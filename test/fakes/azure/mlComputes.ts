// The compute targets of the emulated workspaces: compute clusters (AmlCompute: a VM size, a
// priority, Dedicated or LowPriority, and at most maxNodeCount nodes, which jobs share: a job
// waits Queued until enough of them are free) and compute instances (one VM, Running or Stopped),
// and their Compute resources as computeOperations.get answers them. Api-version 2022-10-01 has
// no serverless compute: a job names its target by ARM id.

export interface FakeCompute {
  readonly name: string;
  readonly kind: 'AmlCompute' | 'ComputeInstance';
  /** Standard_DS3_v2, Standard_NC6s_v3... */
  readonly vmSize: string;
  /** AmlCompute: Dedicated (default) or LowPriority. */
  readonly vmPriority?: 'Dedicated' | 'LowPriority';
  /** AmlCompute: the most nodes at once (default 4). */
  readonly maxNodeCount?: number;
  /** ComputeInstance: Running (default) or Stopped. */
  readonly state?: 'Running' | 'Stopped';
}

/** The Compute resource of a target (ComputeResource with AmlCompute or ComputeInstance properties). */
export function computeResource(workspaceId: string, location: string, compute: FakeCompute): Record<string, unknown> {
  const properties =
    compute.kind === 'AmlCompute'
      ? {
          vmSize: compute.vmSize,
          vmPriority: compute.vmPriority ?? 'Dedicated',
          osType: 'Linux',
          scaleSettings: { maxNodeCount: maxNodes(compute), minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT2M' },
          allocationState: 'Steady',
          currentNodeCount: 0,
          targetNodeCount: 0,
        }
      : {
          vmSize: compute.vmSize,
          state: compute.state ?? 'Running',
          osImageMetadata: { isLatestOsImageVersion: true },
        };
  return {
    id: `${workspaceId}/computes/${compute.name}`,
    name: compute.name,
    type: 'Microsoft.MachineLearningServices/workspaces/computes',
    location,
    properties: {
      computeType: compute.kind,
      computeLocation: location,
      provisioningState: 'Succeeded',
      isAttachedCompute: false,
      disableLocalAuth: true,
      properties,
    },
  };
}

export const maxNodes = (compute: FakeCompute): number =>
  compute.kind === 'AmlCompute' ? (compute.maxNodeCount ?? 4) : 1;

/** Nodes in use per cluster (per workspace and compute name); a job takes its nodes until it ends. */
export class ComputeCapacity {
  private readonly inUse = new Map<string, number>();
  private waiters: (() => void)[] = [];

  /** Waits until `count` nodes of the target are free, then takes them; false when `signal` fired first. */
  async take(key: string, compute: FakeCompute, count: number, signal: AbortSignal): Promise<boolean> {
    // A compute instance runs any number of jobs side by side (on the one VM).
    if (compute.kind === 'ComputeInstance') return !signal.aborted;
    while (!signal.aborted) {
      const used = this.inUse.get(key) ?? 0;
      if (used + count <= maxNodes(compute)) {
        this.inUse.set(key, used + count);
        return true;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return false;
  }

  release(key: string, compute: FakeCompute, count: number): void {
    if (compute.kind === 'ComputeInstance') return;
    this.inUse.set(key, Math.max(0, (this.inUse.get(key) ?? 0) - count));
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}
