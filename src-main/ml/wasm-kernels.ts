// Training kernels for the tfjs WASM backend, built on its XNNPACK Conv2D (far faster than any
// hand-written loop) plus index shuffles:
//   Conv2DBackpropFilter — missing in tfjs-backend-wasm 4.22, so any conv training stops there.
//   Conv2DBackpropInput  — the stock kernel is a naive loop; it runs conv2dTranspose (the
//                          generator's forward pass) and every conv's input gradient.
// BackpropInput has two formulations: 'zero-insert' (one conv over a zero-spread dy; simple, ~2×
// the stock speed) and 'subpixel' (one small conv per stride phase, no zero products; ~5-9× the
// stock speed on the DCGAN layers; the default). Both are checked against the cpu backend in
// test/unit/ml/wasm-kernels.test.ts. All tensors are NHWC. Intermediates are raw TensorInfos
// owned by the wasm backend, never engine tensors, so nothing here is taped or counted by
// tf.memory().
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type Shape4 = [number, number, number, number];
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** How Conv2DBackpropInput is computed on wasm; 'stock' keeps tfjs's own kernel. */
export type BackpropInputMode = 'subpixel' | 'zero-insert' | 'stock';

let backpropInputMode: BackpropInputMode = 'subpixel';
let stockBackpropInput: tf.KernelFunc | undefined;
let registered = false;

export function setBackpropInputMode(mode: BackpropInputMode): void {
  backpropInputMode = mode;
}

/** Registers the kernels for backend 'wasm'. Safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const stock = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (stock) {
    stockBackpropInput = stock.kernelFunc;
    tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  }
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
    // The stock kernel (our fallback) binds its wasm function in its setup, run at backend init.
    ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
  });
  if (!tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) {
    tf.registerKernel({
      kernelName: tf.Conv2DBackpropFilter,
      backendName: 'wasm',
      kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
    });
  }
  registered = true;
}

/**
 * Phase filters of filters that do not change between calls (a generator drawing), by the filter's
 * data id. Built once instead of per call, they also let XNNPACK keep its packed convolution
 * operators (it caches them per filter tensor), which is most of a small batch's time. Off while
 * training, where every step brings new weights.
 */
let phaseFilters: Map<object, Info[]> | null = null;
let phaseBackend: BackendWasm | null = null;

/** Turns the phase-filter cache on (drawing processes) or off; either way, empties it. */
export function keepPhaseFilters(on: boolean): void {
  clearPhaseFilters();
  phaseFilters = on ? new Map() : null;
}

/** Frees every cached phase filter (the weights they came from are being unloaded). */
export function clearPhaseFilters(): void {
  if (phaseFilters && phaseBackend) for (const list of phaseFilters.values()) for (const g of list) phaseBackend.disposeData(g.dataId);
  phaseFilters?.clear();
}

/** Runs other wasm kernels directly and frees every intermediate it made on dispose(). */
class WasmOps {
  private readonly temps: Info[] = [];
  constructor(private readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: Record<string, Info>, attrs: Record<string, unknown> = {}): Info {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as Info;
    this.temps.push(out);
    return out;
  }

  /** Uninitialised float32 buffer. */
  alloc(shape: number[]): Info {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }
  conv2d(x: Info, filter: Info, pad: ExplicitPad, dilations: [number, number] = [1, 1]): Info {
    return this.run(tf.Conv2D, { x, filter }, { strides: [1, 1], pad, dilations, dataFormat: 'NHWC' });
  }
  transpose(x: Info, perm: number[]): Info {
    return this.run(tf.Transpose, { x }, { perm });
  }
  reshape(x: Info, shape: number[]): Info {
    return this.run(tf.Reshape, { x }, { shape });
  }
  slice(x: Info, begin: number[], size: number[]): Info {
    return this.run(tf.Slice, { x }, { begin, size });
  }
  pad(x: Info, paddings: [number, number][]): Info {
    return this.run(tf.PadV2, { x }, { paddings, constantValue: 0 });
  }
  reverse(x: Info, dims: number[]): Info {
    return this.run(tf.Reverse, { x }, { dims });
  }

  /** Removes `out` from the intermediates (it becomes the kernel's result). */
  keep(out: Info): Info {
    const i = this.temps.lastIndexOf(out);
    if (i >= 0) this.temps.splice(i, 1);
    return out;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

interface ConvArgs<I, A> {
  inputs: I;
  backend: BackendWasm;
  attrs: A;
}

function convInfoOf(
  xShape: Shape4,
  filterShape: Shape4,
  attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs,
  kernel: string,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`${kernel} on wasm supports NHWC only`);
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

/**
 * dW[i,j,ci,co] = Σ_{n,oh,ow} x[n, oh·s+i−top, ow·s+j−left, ci] · dy[n,oh,ow,co]
 * is a stride-1 convolution of x viewed as [Ci, H, W, N] (batch ↔ channels) with dy viewed as
 * a filter [OH, OW, N, Co] dilated by the forward stride; the result [Ci, kh, kw, Co] is then
 * transposed to the filter layout [kh, kw, Ci, Co].
 */
export function conv2DBackpropFilterWasm(args: ConvArgs<{ x: Info; dy: Info }, tf.Conv2DBackpropFilterAttrs>): Info {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const c = convInfoOf(x.shape as Shape4, attrs.filterShape, attrs, tf.Conv2DBackpropFilter);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = c;
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, inChannels: Ci, outChannels: Co } = c;
  const { top, left } = c.padInfo;
  // Padding after the input so the output is exactly kh × kw; negative means the forward conv
  // never read the last rows/cols ('valid' with a remainder), so crop the result instead.
  const bottom = kh + (OH - 1) * sh - H - top;
  const right = kw + (OW - 1) * sw - W - left;
  const ops = new WasmOps(backend);
  try {
    const xT = ops.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, N]
    const dyT = ops.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
    let dw = ops.conv2d(
      xT,
      dyT,
      [
        [0, 0],
        [top, Math.max(0, bottom)],
        [left, Math.max(0, right)],
        [0, 0],
      ],
      [sh, sw],
    ); // [Ci, kh(+crop), kw(+crop), Co]
    if (bottom < 0 || right < 0) dw = ops.slice(dw, [0, 0, 0, 0], [Ci, kh, kw, Co]);
    return ops.keep(ops.transpose(dw, [1, 2, 0, 3])); // [kh, kw, Ci, Co]
  } finally {
    ops.dispose();
  }
}

export function conv2DBackpropInputWasm(args: ConvArgs<{ dy: Info; filter: Info }, tf.Conv2DBackpropInputAttrs>): Info {
  const { inputs, backend, attrs } = args;
  if (attrs.dataFormat === 'NCHW') return runStock(args);
  const c = convInfoOf(attrs.inputShape, inputs.filter.shape as Shape4, attrs, tf.Conv2DBackpropInput);
  const mode = backpropInputMode;
  const strided = c.strideHeight > 1 || c.strideWidth > 1;
  const padsFit = c.padInfo.top < c.filterHeight && c.padInfo.left < c.filterWidth;
  if (mode === 'stock' || !padsFit) return runStock(args);
  if (mode === 'subpixel' && strided) {
    return backpropInputSubpixel(inputs.dy, inputs.filter, c, backend, () => backpropInputZeroInsert(inputs.dy, inputs.filter, c, backend));
  }
  return backpropInputZeroInsert(inputs.dy, inputs.filter, c, backend);
}

function runStock(args: ConvArgs<{ dy: Info; filter: Info }, tf.Conv2DBackpropInputAttrs>): Info {
  if (!stockBackpropInput) throw new Error('the stock wasm Conv2DBackpropInput kernel is not available');
  return stockBackpropInput(args as unknown as Parameters<tf.KernelFunc>[0]) as Info;
}

/**
 * dx = conv(zero-inserted dy, spatially flipped filter with in/out channels swapped), stride 1:
 * dy is spread to a (OH−1)·s+1 grid with s−1 zeros between samples, padded by kh−1−top before.
 */
function backpropInputZeroInsert(dy: Info, filter: Info, c: tf.backend_util.Conv2DInfo, backend: BackendWasm): Info {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = c;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = c;
  const ops = new WasmOps(backend);
  try {
    const flipped = ops.transpose(ops.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [kh, kw, Co, Ci]
    let spread = dy;
    if (sh > 1 || sw > 1) {
      const d6 = ops.reshape(dy, [N, OH, 1, OW, 1, Co]);
      const p6 = ops.pad(d6, [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      spread = ops.reshape(p6, [N, OH * sh, OW * sw, Co]); // ends with s−1 extra zero rows/cols
    }
    const top = kh - 1 - c.padInfo.top;
    const left = kw - 1 - c.padInfo.left;
    const bottom = H + kh - 1 - OH * sh - top;
    const right = W + kw - 1 - OW * sw - left;
    let dx = ops.conv2d(spread, flipped, [
      [0, 0],
      [top, Math.max(0, bottom)],
      [left, Math.max(0, right)],
      [0, 0],
    ]);
    if (bottom < 0 || right < 0) dx = ops.slice(dx, [0, 0, 0, 0], [N, H, W, Ci]);
    return ops.keep(dx);
  } finally {
    ops.dispose();
  }
}

/**
 * Sub-pixel form of the transposed convolution, with no multiplications by inserted zeros.
 * Output row h = q·s + r (phase r) only meets filter rows i ≡ (r + top) mod s:
 *   dx[q·s + r] = Σ_m dy[q + a − m] · f[b + s·m],   a = ⌊(r + top)/s⌋, b = (r + top) mod s.
 * So each of the s_h·s_w phases is one small stride-1 conv of dy (filter rows b, b+s, … reversed,
 * padded by M−1−a before), and the phases are interleaved into dx. Phase filters and the
 * interleave are plain index shuffles done in JS on the wasm heap; the convs run in XNNPACK.
 */
function backpropInputSubpixel(dy: Info, filter: Info, c: tf.backend_util.Conv2DInfo, backend: BackendWasm, fallback: () => Info): Info {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: OH, outWidth: OW, outChannels: Co } = c;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = c;
  const { top, left } = c.padInfo;
  const Mh = Math.ceil(kh / sh);
  const Mw = Math.ceil(kw / sw);
  const phase = (r: number, pad: number, s: number, M: number) => {
    const a = Math.floor((r + pad) / s);
    return { a, b: (r + pad) % s, before: M - 1 - a };
  };
  for (let r = 0; r < sh; r++) if (phase(r, top, sh, Mh).before < 0) return fallback();
  for (let r = 0; r < sw; r++) if (phase(r, left, sw, Mw).before < 0) return fallback();

  const heap = (info: Info) => backend.typedArrayFromHeap(info) as Float32Array; // re-read after any allocation
  const ops = new WasmOps(backend);
  const cached = phaseFilters?.get(filter.dataId);
  const building = phaseFilters !== null && cached === undefined ? ([] as Info[]) : null;
  try {
    const dx = ops.alloc([N, H, W, Ci]); // every element belongs to exactly one phase
    for (let rh = 0; rh < sh; rh++) {
      const Qh = Math.ceil((H - rh) / sh); // output rows in this phase
      if (Qh <= 0) continue;
      const ph = phase(rh, top, sh, Mh);
      for (let rw = 0; rw < sw; rw++) {
        const Qw = Math.ceil((W - rw) / sw);
        if (Qw <= 0) continue;
        const pw = phase(rw, left, sw, Mw);
        // Phase filter g[i', j', co, ci] = f[b_h + s_h·(M_h−1−i'), b_w + s_w·(M_w−1−j'), ci, co] (0 past the edge).
        const phaseIndex = rh * sw + rw;
        const g = cached ? cached[phaseIndex]! : ops.run(tf.Fill, {}, { shape: [Mh, Mw, Co, Ci], value: 0, dtype: 'float32' });
        if (building) {
          ops.keep(g);
          building[phaseIndex] = g;
        }
        const gv = cached ? null : heap(g);
        const fv = heap(filter);
        let o = 0;
        for (let i = 0; gv && i < Mh; i++) {
          const fi = ph.b + sh * (Mh - 1 - i);
          for (let j = 0; j < Mw; j++) {
            const fj = pw.b + sw * (Mw - 1 - j);
            if (fi >= kh || fj >= kw) {
              o += Co * Ci;
              continue;
            }
            const base = (fi * kw + fj) * Ci * Co;
            for (let co = 0; co < Co; co++) {
              for (let ci = 0; ci < Ci; ci++) gv[o++] = fv[base + ci * Co + co]!;
            }
          }
        }
        const after = (Q: number, a: number, OutN: number) => Math.max(0, Q - 1 + a - (OutN - 1));
        const y = ops.conv2d(dy, g, [
          [0, 0],
          [ph.before, after(Qh, ph.a, OH)],
          [pw.before, after(Qw, pw.a, OW)],
          [0, 0],
        ]); // [N, ≥Qh, ≥Qw, Ci]
        const [, Yh, Yw] = y.shape as Shape4;
        const yv = heap(y);
        const dv = heap(dx);
        for (let n = 0; n < N; n++) {
          for (let q = 0; q < Qh; q++) {
            let src = (n * Yh + q) * Yw * Ci;
            for (let p = 0; p < Qw; p++) {
              let dst = ((n * H + q * sh + rh) * W + p * sw + rw) * Ci;
              for (let ch = 0; ch < Ci; ch++) dv[dst++] = yv[src++]!;
            }
          }
        }
      }
    }
    if (building) {
      phaseFilters!.set(filter.dataId, building);
      phaseBackend = backend;
    }
    return ops.keep(dx);
  } finally {
    ops.dispose();
  }
}
