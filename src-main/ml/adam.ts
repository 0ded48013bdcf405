// Adam (PyTorch semantics: eps added to the bias-corrected √v) with its state kept under the
// network's own parameter names, so it can be checkpointed and restored on any backend.
import { tf } from './backend.js';
import type { NamedArray } from './models/dcgan.js';

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
  minimize(loss: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(loss, this.varList);
    try {
      this.applyGradients(grads);
      return (value.dataSync() as Float32Array)[0] ?? NaN;
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  }

  /**
   * Gradients of `loss().total` for every parameter, in the order the optimizer holds them (the
   * same on every replica), and the values of `loss().parts`. The caller disposes the grads.
   */
  computeGradients(loss: () => { total: tf.Scalar; parts: tf.Scalar[] }): { grads: tf.Tensor[]; scalars: number[] } {
    let parts: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = loss();
      parts = out.parts.map((p) => (p === out.total ? p : tf.keep(p)));
      return out.total;
    }, this.varList);
    try {
      const scalars = parts.map((p) => (p === (value as tf.Tensor) || p.isDisposed ? value : p).dataSync()[0] ?? NaN);
      return { grads: this.varList.map((v) => grads[v.name]!), scalars };
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

  /** Moments and step count under `<param>/m`, `<param>/v`, `t`. */
  getState(): NamedArray[] {
    const out: NamedArray[] = [{ name: 't', shape: [], data: Float32Array.of(this.t) }];
    for (const [name, m] of this.m) {
      out.push({ name: `${name}/m`, shape: [...m.shape], data: Float32Array.from(m.dataSync() as Float32Array) });
      const v = this.v.get(name)!;
      out.push({ name: `${name}/v`, shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
    return out;
  }

  setState(state: readonly NamedArray[]): void {
    const byName = new Map(state.map((a) => [a.name, a]));
    const t = byName.get('t')?.data[0];
    if (t === undefined || !Number.isInteger(t) || t < 0) throw new Error('optimizer state has no valid step count');
    for (const [name, slots] of [...this.m].flatMap(
      ([n, m]) =>
        [
          [`${n}/m`, m],
          [`${n}/v`, this.v.get(n)!],
        ] as const,
    )) {
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
