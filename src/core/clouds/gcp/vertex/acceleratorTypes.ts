// Vertex AI's accelerator types, exactly the values of google.cloud.aiplatform.v1.AcceleratorType
// in the protos the client ships: the `satisfies` below fails the typecheck when a client update
// adds or removes one, so the list offered in forms and accepted in settings never drifts from
// what the API takes. Deprecated values are refused with the reason, not sent.
import type { google } from '@google-cloud/aiplatform/build/protos/protos';

type ProtoAcceleratorType = keyof typeof google.cloud.aiplatform.v1.AcceleratorType;

/** For each enum value: offered, or why not. */
const ACCELERATOR_TYPE_STATUS = {
  ACCELERATOR_TYPE_UNSPECIFIED: 'means no accelerator: leave accelerator_type unset instead',
  NVIDIA_TESLA_K80: 'has reached the end of its support on Google Cloud: choose NVIDIA_TESLA_T4 or NVIDIA_L4',
  NVIDIA_TESLA_P100: 'offered',
  NVIDIA_TESLA_V100: 'offered',
  NVIDIA_TESLA_P4: 'offered',
  NVIDIA_TESLA_T4: 'offered',
  NVIDIA_TESLA_A100: 'offered',
  NVIDIA_A100_80GB: 'offered',
  NVIDIA_L4: 'offered',
  NVIDIA_H100_80GB: 'offered',
  NVIDIA_H100_MEGA_80GB: 'offered',
  NVIDIA_H200_141GB: 'offered',
  NVIDIA_B200: 'offered',
  NVIDIA_GB200: 'offered',
  NVIDIA_RTX_PRO_6000: 'offered',
  TPU_V2: 'offered',
  TPU_V3: 'offered',
  TPU_V4_POD: 'offered',
  TPU_V5_LITEPOD: 'offered',
} as const satisfies Record<ProtoAcceleratorType, string>;

export type AcceleratorType = {
  [K in ProtoAcceleratorType]: (typeof ACCELERATOR_TYPE_STATUS)[K] extends 'offered' ? K : never;
}[ProtoAcceleratorType];

/** The accelerator types a job may ask for, GPUs first, in the enum's order. */
export const ACCELERATOR_TYPES = Object.entries(ACCELERATOR_TYPE_STATUS)
  .filter(([, status]) => status === 'offered')
  .map(([name]) => name as AcceleratorType);

/** Every value of the API's enum, offered or not (for tests against the shipped protos). */
export const ACCELERATOR_ENUM_VALUES = Object.keys(ACCELERATOR_TYPE_STATUS) as ProtoAcceleratorType[];

/** Why an accelerator type cannot be asked for; undefined when it can. */
export function acceleratorTypeRefusal(name: string): string | undefined {
  if ((ACCELERATOR_TYPES as readonly string[]).includes(name)) return undefined;
  const status = (ACCELERATOR_TYPE_STATUS as Record<string, string>)[name];
  if (status) return `accelerator_type ${name} ${status}.`;
  return `accelerator_type "${name}" is not one Vertex AI knows; it takes ${ACCELERATOR_TYPES.join(', ')}.`;
}
