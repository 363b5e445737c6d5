// The compute a job asks for, read once before the job is submitted, so that what Azure ML would
// refuse late (or silently do otherwise) is refused early with the fix: a compute of the other
// kind, a cluster with fewer nodes or other VMs than asked for, dedicated VMs when low priority
// was asked for, a compute instance that is not running.
import type { AmlCompute, ComputeInstance, ComputeResource } from '@azure/arm-machinelearning';
import type { AzureMlJobSettings } from './azuremlSettings';

/** The compute's kind as Resource Manager names it. */
const COMPUTE_TYPE = { 'compute-cluster': 'AmlCompute', 'compute-instance': 'ComputeInstance' } as const;

/** Why the compute cannot run the job as asked, or undefined when it can. */
export function computeRefusal(compute: ComputeResource, settings: AzureMlJobSettings): string | undefined {
  const name = settings.computeName;
  const properties = compute.properties;
  const expected = COMPUTE_TYPE[settings.computeKind];
  if (properties?.computeType !== expected) {
    return `The compute ${name} is a ${properties?.computeType ?? 'compute of unknown type'}, not a ${settings.computeKind}: set compute_type to match it, or name a ${settings.computeKind} in compute_name.`;
  }
  if (properties.computeType === 'ComputeInstance') {
    const instance = (properties as ComputeInstance).properties;
    const state = instance?.state;
    if (state !== 'Running') {
      return `The compute instance ${name} is ${state ?? 'in an unknown state'}, and runs jobs only while Running: start it (az ml compute start --name ${name}) or use a compute cluster.`;
    }
    return vmSizeRefusal(name, instance?.vmSize, settings.instanceType);
  }
  const cluster = (properties as AmlCompute).properties;
  const maxNodes = cluster?.scaleSettings?.maxNodeCount;
  if (maxNodes !== undefined && settings.instanceCount > maxNodes) {
    return `The compute cluster ${name} scales to ${maxNodes} node(s); the job asks for ${settings.instanceCount}: lower instance_count, or raise the cluster's maximum (az ml compute update --name ${name} --max-instances ${settings.instanceCount}).`;
  }
  if (settings.lowPriority && cluster?.vmPriority !== 'LowPriority') {
    return `Low priority was asked for, but the compute cluster ${name} has ${cluster?.vmPriority ?? 'Dedicated'} VMs (a cluster's tier is set when it is created): name a cluster created with --tier low_priority, or drop low_priority.`;
  }
  return vmSizeRefusal(name, cluster?.vmSize, settings.instanceType);
}

/** A cluster's or instance's VM size is fixed: asking for another one cannot be honoured. */
function vmSizeRefusal(name: string, vmSize: string | undefined, asked: string | undefined): string | undefined {
  if (!asked || !vmSize || asked.toLowerCase() === vmSize.toLowerCase()) return undefined;
  return `instance_type ${asked} was asked for, but the compute ${name} runs ${vmSize} VMs: name a compute with ${asked} VMs in compute_name, or drop instance_type.`;
}

/** Whether the cluster's VMs are low priority, for the status to say so. */
export function isLowPriority(compute: ComputeResource): boolean {
  const properties = compute.properties;
  return (
    properties?.computeType === 'AmlCompute' && (properties as AmlCompute).properties?.vmPriority === 'LowPriority'
  );
}
