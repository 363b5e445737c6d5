// Where each emulator listens: fixed loopback ports from one base (STEPOPS_EMULATOR_PORT, default
// 18470), one after another in this order. Fixed rather than random because the emulated stacks
// store some of these addresses (the Vertex operator's api_endpoint and logging_api_endpoint, the
// Azure ML operator's Resource Manager and authority host): the same ports after a restart keep
// those stacks working. New services go at the end, so that the existing ports never move.
// STEPOPS_EMULATOR_PORT=0 takes any free ports (tests), at the price of stacks that differ per start.

export const EMULATOR_SERVICES = [
  'sagemaker',
  'ecr',
  's3',
  'sts',
  'gcs',
  'vertex',
  'artifact-registry',
  'entra-id',
  'resource-manager',
  'acr',
  'logs',
  'logging',
  'azureml',
  'azureml-storage',
] as const;

export type EmulatorService = (typeof EMULATOR_SERVICES)[number];

/** Below Linux's ephemeral range (32768+), so outgoing connections never hold one of them. */
export const DEFAULT_BASE_PORT = 18470;

export function emulatorPorts(env: NodeJS.ProcessEnv = process.env): Record<EmulatorService, number> {
  const given = env.STEPOPS_EMULATOR_PORT;
  const base = given === undefined || given === '' ? DEFAULT_BASE_PORT : Number(given);
  const last = 65535 - EMULATOR_SERVICES.length + 1;
  if (!Number.isInteger(base) || (base !== 0 && (base < 1024 || base > last))) {
    throw new Error(
      `STEPOPS_EMULATOR_PORT is "${given}": expected a port from 1024 to ${last} (the first of ` +
        `${EMULATOR_SERVICES.length} consecutive ones), or 0 for any free ports.`,
    );
  }
  return Object.fromEntries(EMULATOR_SERVICES.map((name, i) => [name, base === 0 ? 0 : base + i])) as Record<
    EmulatorService,
    number
  >;
}
