// Adam (PyTorch semantics: eps added to the bias-corrected √v) with its state kept under the
// network's own parameter names, so it can be checkpointed and restored on any backend.
import { tf } from './backend.js';
import { readNamed, type NamedArray } from './models/dcgan.js';

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export class Adam {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly keyOf = new Map<string, string>(); // tf variable name → parameter name
  private readonly varList: tf.Variable[];

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    readonly config: AdamConfig,
  ) {
    for (const [name, p] of params) {
      this.keyOf.set(p.name, name);
      this.m.set(name, zerosVariable(p.shape));
      this.v.set(name, zerosVariable(p.shape));
    }
    this.varList = [...params.values()];
  }

  get iterations(): number {
    return this.t;
  }

  /** One optimisation step on `loss`; returns the loss value before the update. */
  async minimize(loss: () => tf.Scalar): Promise<number> {
    const { value, grads } = tf.variableGrads(loss, this.varList);
    try {
      this.applyGradients(grads);
      return (await value.data())[0] ?? NaN;
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  }

  /**
   * Gradients of `loss().total` for every parameter, in the order the optimizer holds them (the
   * same on every replica), and the values of `loss().parts` (read without blocking, so a GPU
   * backend, whose reads are asynchronous, can train). The caller disposes the grads.
   */
  async computeGradients(loss: () => { total: tf.Scalar; parts: tf.Scalar[] }): Promise<{ grads: tf.Tensor[]; scalars: number[] }> {
    let parts: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = loss();
      parts = out.parts.map((p) => (p === out.total ? p : tf.keep(p)));
      return out.total;
    }, this.varList);
    try {
      const scalars = await Promise.all(parts.map(async (p) => (await (p === (value as tf.Tensor) || p.isDisposed ? value : p).data())[0] ?? NaN));
      return { grads: this.varList.map((v) => grads[v.name]!), scalars };
    } catch (error) {
      tf.dispose(grads);
      throw error;
    } finally {
      value.dispose();
      for (const p of parts) if (!p.isDisposed) p.dispose();
    }
  }

  /** Applies gradients given in computeGradients' order. */
  applyGradientList(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.varList.length) throw new Error(`expected ${this.varList.length} gradients, got ${grads.length}`);
    const named: tf.NamedTensorMap = {};
    this.varList.forEach((v, i) => (named[v.name] = grads[i]!));
    this.applyGradients(named);
  }

  applyGradients(grads: tf.NamedTensorMap): void {
    this.t += 1;
    const { lr, beta1, beta2, eps } = this.config;
    const c2 = Math.sqrt(1 - beta2 ** this.t);
    const stepSize = (lr * c2) / (1 - beta1 ** this.t);
    const epsHat = eps * c2; // p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps), rearranged
    tf.tidy(() => {
      for (const [varName, g] of Object.entries(grads)) {
        const name = this.keyOf.get(varName);
        if (!name) throw new Error(`gradient for a variable this optimizer does not own (${varName})`);
        const p = this.params.get(name)!;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m1 = m.mul(beta1).add(g.mul(1 - beta1));
        const v1 = v.mul(beta2).add(g.square().mul(1 - beta2));
        m.assign(m1);
        v.assign(v1);
        p.assign(p.sub(m1.mul(stepSize).div(v1.sqrt().add(epsHat))));
      }
    });
  }

  /** Moments and step count under `<param>/m`, `<param>/v`, `t` (a synchronous read: CPU backends only). */
  getState(): NamedArray[] {
    return [this.stepEntry(), ...this.moments().map(([name, x]) => ({ name, shape: [...x.shape], data: Float32Array.from(x.dataSync() as Float32Array) }))];
  }

  /** getState() without blocking: the read every backend supports (a GPU's is asynchronous). */
  async readState(): Promise<NamedArray[]> {
    const t = this.stepEntry();
    return [t, ...(await readNamed(this.moments()))];
  }

  private stepEntry(): NamedArray {
    return { name: 't', shape: [], data: Float32Array.of(this.t) };
  }

  /** Each parameter's first and second moment, in checkpoint order. */
  private moments(): [string, tf.Variable][] {
    return [...this.m].flatMap(([name, m]) => [
      [`${name}/m`, m],
      [`${name}/v`, this.v.get(name)!],
    ]);
  }

  setState(state: readonly NamedArray[]): void {
    const byName = new Map(state.map((a) => [a.name, a]));
    const t = byName.get('t')?.data[0];
    if (t === undefined || !Number.isInteger(t) || t < 0) throw new Error('optimizer state has no valid step count');
    for (const [name, slots] of this.moments()) {
      const a = byName.get(name);
      if (!a) throw new Error(`optimizer state is missing ${name}`);
      if (a.data.length !== slots.size) throw new Error(`optimizer state ${name} has ${a.data.length} values, expected ${slots.size}`);
      tf.tidy(() => slots.assign(tf.tensor(a.data, slots.shape, 'float32')));
    }
    this.t = t;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}

function zerosVariable(shape: number[]): tf.Variable {
  const z = tf.zeros(shape);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}
