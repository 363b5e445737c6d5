// The machine types Vertex AI's custom training offers, by family (n1, e2, n2, n2d, c2, m1, a2,
// a3, a4, g2, g4 and TPUs), and the accelerators and counts each takes: N1 machines take the older
// GPUs in counts of 1, 2, 4 (or 8), the accelerator-optimized families come with a fixed number of
// theirs (a2-highgpu-4g: four A100s). The names are the ones the API's AcceleratorType enum has.

/** GPU counts per machine family: what Vertex's training machines take. */
export type AcceleratorCounts = Readonly<Record<string, readonly number[]>>;

/** NVIDIA_TESLA_K80 is still in the enum, but Vertex ended its support in 2024: no machine takes it. */
const N1_GPUS: AcceleratorCounts = {
  NVIDIA_TESLA_T4: [1, 2, 4],
  NVIDIA_TESLA_V100: [1, 2, 4, 8],
  NVIDIA_TESLA_P100: [1, 2, 4],
  NVIDIA_TESLA_P4: [1, 2, 4],
};

const sizes = (list: string) => list.split(',').join('|');

/** Machine types Vertex training offers (by family), and the accelerators each takes. */
const MACHINE_FAMILIES: readonly { pattern: RegExp; accelerators: (machine: string) => AcceleratorCounts }[] = [
  { pattern: new RegExp(`^n1-standard-(${sizes('4,8,16,32,64,96')})$`), accelerators: () => N1_GPUS },
  { pattern: new RegExp(`^n1-highmem-(${sizes('2,4,8,16,32,64,96')})$`), accelerators: () => N1_GPUS },
  { pattern: new RegExp(`^n1-highcpu-(${sizes('16,32,64,96')})$`), accelerators: () => N1_GPUS },
  { pattern: new RegExp(`^e2-standard-(${sizes('4,8,16,32')})$`), accelerators: () => ({}) },
  { pattern: new RegExp(`^e2-highmem-(${sizes('2,4,8,16')})$`), accelerators: () => ({}) },
  { pattern: new RegExp(`^e2-highcpu-(${sizes('16,32')})$`), accelerators: () => ({}) },
  {
    pattern: new RegExp(`^n2d?-(standard|highmem|highcpu)-(${sizes('2,4,8,16,32,48,64,80,96,128')})$`),
    accelerators: () => ({}),
  },
  { pattern: new RegExp(`^c2-standard-(${sizes('4,8,16,30,60')})$`), accelerators: () => ({}) },
  { pattern: /^m1-(ultramem-(40|80|160)|megamem-96)$/, accelerators: () => ({}) },
  { pattern: /^a2-highgpu-(1|2|4|8)g$/, accelerators: (m) => ({ NVIDIA_TESLA_A100: [gpusIn(m)] }) },
  { pattern: /^a2-megagpu-16g$/, accelerators: () => ({ NVIDIA_TESLA_A100: [16] }) },
  { pattern: /^a2-ultragpu-(1|2|4|8)g$/, accelerators: (m) => ({ NVIDIA_A100_80GB: [gpusIn(m)] }) },
  { pattern: /^a3-highgpu-(1|2|4|8)g$/, accelerators: (m) => ({ NVIDIA_H100_80GB: [gpusIn(m)] }) },
  { pattern: /^a3-megagpu-8g$/, accelerators: () => ({ NVIDIA_H100_MEGA_80GB: [8] }) },
  { pattern: /^a3-ultragpu-8g$/, accelerators: () => ({ NVIDIA_H200_141GB: [8] }) },
  { pattern: /^a4-highgpu-8g$/, accelerators: () => ({ NVIDIA_B200: [8] }) },
  { pattern: /^a4x-highgpu-4g$/, accelerators: () => ({ NVIDIA_GB200: [4] }) },
  {
    pattern: new RegExp(`^g2-standard-(${sizes('4,8,12,16,24,32,48,96')})$`),
    accelerators: (m) => ({ NVIDIA_L4: [{ 24: 2, 48: 4, 96: 8 }[Number(m.split('-')[2])] ?? 1] }),
  },
  {
    pattern: new RegExp(`^g4-standard-(${sizes('48,96,192,384')})$`),
    accelerators: (m) => ({ NVIDIA_RTX_PRO_6000: [Number(m.split('-')[2]) / 48] }),
  },
  { pattern: /^cloud-tpu$/, accelerators: () => ({ TPU_V2: [8], TPU_V3: [8] }) },
  { pattern: /^ct5lp-hightpu-(1|4|8)t$/, accelerators: (m) => ({ TPU_V5_LITEPOD: [Number(/(\d)t$/.exec(m)![1])] }) },
];

const gpusIn = (machine: string) => Number(/-(\d+)g$/.exec(machine)![1]);

/** The accelerators a machine type takes, or undefined when Vertex has no such machine type. */
export function acceleratorsFor(machineType: string): AcceleratorCounts | undefined {
  return MACHINE_FAMILIES.find((f) => f.pattern.test(machineType))?.accelerators(machineType);
}
