/**
 * The kernel registry and pipeline cache. Each kernel declares its bindings in the one
 * order all kernels share (inputs, outputs, uniforms); kernels that run once per
 * mini-batch also take the step uniform as group 1 with a dynamic offset. Pipelines are
 * cached by kernel name and override constants; every GPU object is labelled with the
 * kernel's name, and a shader that fails to compile throws with the compiler's messages.
 */
import type { GpuContext } from './device.ts';
import { expandShader } from './shader-library.ts';

type BindingKind = 'read' | 'rw' | 'uniform';

interface KernelDef {
  bindings: BindingKind[];
  /** Takes the per-step uniform as group 1 (dynamic offset). */
  step?: boolean;
}

const MATMUL: KernelDef = { bindings: ['read', 'read', 'read', 'rw', 'uniform'] };
const LOSS: KernelDef = { bindings: ['read', 'read', 'rw', 'rw', 'uniform'], step: true };

const KERNELS = {
  matmul_naive: MATMUL,
  matmul_blocked: MATMUL,
  matmul_vec4: MATMUL,
  matmul_vec4_u8: MATMUL,
  matmul_vec4_edge: MATMUL,
  matmul_tiled: MATMUL,
  matmul_subgroup: MATMUL,
  conv_gemm: MATMUL,
  conv_gemm_ub: { bindings: ['read', 'uniform', 'read', 'rw', 'uniform'] },
  copy_vec4: { bindings: ['read', 'rw', 'uniform'] },
  softmax_cross_entropy: LOSS,
  quadratic_cost: LOSS,
  output_layer: { bindings: ['read', 'read', 'read', 'rw', 'rw', 'rw', 'rw', 'uniform', 'uniform'], step: true },
  gather_batch: { bindings: ['read', 'read', 'read', 'rw', 'rw', 'uniform'], step: true },
  gather_batch_vec4: { bindings: ['read', 'read', 'read', 'rw', 'rw', 'uniform'], step: true },
  gather_batch_u8: { bindings: ['read', 'read', 'read', 'rw', 'rw', 'uniform'], step: true },
  augment_noise: { bindings: ['read', 'rw', 'uniform', 'uniform'], step: true },
  augment_field_rows: { bindings: ['read', 'read', 'rw', 'uniform'] },
  augment_field_cols: { bindings: ['read', 'read', 'rw', 'uniform'] },
  augment_gather: { bindings: ['read', 'read', 'read', 'read', 'rw', 'rw', 'uniform', 'uniform'], step: true },
  sgd_update: { bindings: ['read', 'rw', 'rw', 'uniform'], step: true },
  evaluate: { bindings: ['read', 'read', 'rw', 'rw', 'uniform'] },
  adam_update: { bindings: ['read', 'rw', 'rw', 'rw', 'uniform'], step: true },
  im2col: { bindings: ['read', 'rw', 'uniform'] },
  col2im: { bindings: ['read', 'read', 'rw', 'uniform'] },
  col2im_vec2: { bindings: ['read', 'read', 'rw', 'uniform'] },
  col2im_vec4: { bindings: ['read', 'read', 'rw', 'uniform'] },
  conv_flip_weights: { bindings: ['read', 'rw', 'uniform'] },
  splitk_reduce: { bindings: ['read', 'read', 'rw', 'uniform'] },
  dropout: { bindings: ['rw', 'uniform', 'uniform'], step: true },
  maxpool_forward: { bindings: ['read', 'rw', 'rw', 'uniform'] },
  maxpool_backward: { bindings: ['read', 'read', 'read', 'rw', 'uniform'] },
  maxpool_backward_cells: { bindings: ['read', 'read', 'read', 'rw', 'uniform'] },
  batchnorm_stats_sums: { bindings: ['read', 'read', 'rw', 'uniform'] },
  batchnorm_stats_sums_vec4: { bindings: ['read', 'read', 'rw', 'uniform'] },
  batchnorm_stats_totals: { bindings: ['read', 'rw', 'rw', 'uniform'] },
  batchnorm_forward: { bindings: ['read', 'read', 'read', 'rw', 'uniform'] },
  batchnorm_forward_vec4: { bindings: ['read', 'read', 'read', 'rw', 'uniform'] },
  batchnorm_backward_sums: { bindings: ['read', 'read', 'read', 'rw', 'uniform'] },
  batchnorm_backward_sums_vec4: { bindings: ['read', 'read', 'read', 'rw', 'uniform'] },
  batchnorm_backward_totals: { bindings: ['read', 'read', 'read', 'rw', 'rw', 'rw', 'uniform'] },
  batchnorm_backward_input: { bindings: ['read', 'read', 'read', 'read', 'rw', 'uniform'] },
  batchnorm_backward_input_vec4: { bindings: ['read', 'read', 'read', 'read', 'rw', 'uniform'] },
  avgpool_forward: { bindings: ['read', 'rw', 'uniform'] },
  avgpool_backward: { bindings: ['read', 'read', 'rw', 'uniform'] },
  globalavgpool_forward: { bindings: ['read', 'rw', 'uniform'] },
  globalavgpool_backward: { bindings: ['read', 'read', 'rw', 'uniform'] },
} satisfies Record<string, KernelDef>;

export type KernelName = keyof typeof KERNELS;
export type Overrides = Record<string, number | boolean>;

/** Size of one step slot in the step uniform buffer: the dynamic-offset alignment. */
export const STEP_SLOT_BYTES = 256;

/** Bytes of lib/step.wgsl's Step { index, start, lr } at the start of each slot. */
const STEP_BYTES = 12;

/** Word of the step's learning rate (f32) within its slot. */
export const STEP_LR_WORD = 2;

export interface Kernel {
  name: KernelName;
  pipeline: GPUComputePipeline;
  layouts: GPUBindGroupLayout[];
}

export class KernelCache {
  private modules = new Map<string, GPUShaderModule>();
  private layouts = new Map<string, GPUBindGroupLayout[]>();
  private pipelines = new Map<string, Promise<Kernel>>();
  private stepLayout: GPUBindGroupLayout;

  constructor(readonly ctx: GpuContext) {
    this.stepLayout = ctx.device.createBindGroupLayout({
      label: 'step',
      entries: [
        {
          binding: 0,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: STEP_BYTES },
        },
      ],
    });
  }

  get device(): GPUDevice {
    return this.ctx.device;
  }

  get(name: KernelName, overrides: Overrides = {}): Promise<Kernel> {
    const key = `${name}:${JSON.stringify(Object.entries(overrides).sort())}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.create(name, overrides);
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** The bind group for a step uniform buffer (one STEP_SLOT_BYTES slot per step). */
  stepBindGroup(buffer: GPUBuffer, label: string): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: this.stepLayout,
      entries: [{ binding: 0, resource: { buffer, size: STEP_BYTES } }],
    });
  }

  private async module(name: KernelName): Promise<GPUShaderModule> {
    let m = this.modules.get(name);
    if (m) return m;
    const code = expandShader(this.ctx.shaders, `${name}.wgsl`);
    this.device.pushErrorScope('validation');
    m = this.device.createShaderModule({ label: name, code });
    const [error, info] = await Promise.all([this.device.popErrorScope(), m.getCompilationInfo()]);
    const errors = info.messages.filter((msg) => msg.type === 'error');
    if (error || errors.length) {
      const detail = errors.map((msg) => `  line ${msg.lineNum}:${msg.linePos} ${msg.message}`).join('\n');
      throw new Error(`Shader compilation failed: ${name}.wgsl\n${detail || error?.message}`);
    }
    this.modules.set(name, m);
    return m;
  }

  private bindGroupLayouts(name: KernelName): GPUBindGroupLayout[] {
    let l = this.layouts.get(name);
    if (l) return l;
    const def: KernelDef = KERNELS[name];
    const main = this.device.createBindGroupLayout({
      label: name,
      entries: def.bindings.map((kind, binding) => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: kind === 'read' ? 'read-only-storage' : kind === 'rw' ? 'storage' : 'uniform' },
      })),
    });
    l = def.step ? [main, this.stepLayout] : [main];
    this.layouts.set(name, l);
    return l;
  }

  private async create(name: KernelName, overrides: Overrides): Promise<Kernel> {
    const module = await this.module(name);
    const layouts = this.bindGroupLayouts(name);
    const constants: Record<string, number> = {};
    for (const [k, v] of Object.entries(overrides)) constants[k] = typeof v === 'boolean' ? Number(v) : v;
    try {
      const pipeline = await this.device.createComputePipelineAsync({
        label: `${name} ${JSON.stringify(overrides)}`,
        layout: this.device.createPipelineLayout({ label: name, bindGroupLayouts: layouts }),
        compute: { module, entryPoint: 'main', constants },
      });
      return { name, pipeline, layouts };
    } catch (e) {
      throw new Error(`Creating the ${name} pipeline with ${JSON.stringify(overrides)} failed: ${(e as Error).message}`);
    }
  }
}
