// Seeded randomness computed in JS, so initial weights, batches and latent vectors are the same
// bytes on every backend (tfjs's own seeded ops differ between backends for some ops).

/** Mixes integers into one 32-bit seed (splitmix-style finaliser per part). */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    let x = (Math.floor(p) ^ h) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    h = (x ^ (x >>> 16) ^ Math.imul(h, 0x27d4eb2d)) >>> 0;
    // Fold in the high bits of large (up to 2^53) integers too.
    const high = Math.floor(p / 4294967296) >>> 0;
    if (high) h = hashSeed(h, high);
  }
  return h >>> 0;
}

/** Small fast PRNG (mulberry32) with float, int and normal draws. */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  uniformArray(n: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }

  /** Normal draws with |x| ≤ limit (resampled), for the truncation trick. */
  truncatedNormalArray(n: number, limit: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let x = this.normal();
      while (Math.abs(x) > limit) x = this.normal();
      out[i] = x;
    }
    return out;
  }
}
