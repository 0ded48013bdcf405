// Raw pixels the engine sends with a fresh batch (base64 RGB), turned into per-image byte views
// and drawn straight onto canvases: no PNG to decode and no file to request per image.

/** base64 → bytes (the browser's own decoder where it has one). */
export function base64Bytes(b64: string): Uint8Array {
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native) return native(b64);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Image id → its RGB bytes (size × size × 3), for the first `count` items of a batch. */
export interface InlinePixels {
  size: number;
  byId: Map<number, Uint8Array>;
}

export function inlinePixels(items: readonly { id: number }[], previews: { size: number; count: number; rgb: string } | null): InlinePixels | undefined {
  if (!previews || previews.count === 0) return undefined;
  const bytes = base64Bytes(previews.rgb);
  const per = previews.size * previews.size * 3;
  if (bytes.length !== previews.count * per) return undefined; // not what was promised: the files will do
  const byId = new Map<number, Uint8Array>();
  items.slice(0, previews.count).forEach((g, i) => byId.set(g.id, bytes.subarray(i * per, (i + 1) * per)));
  return { size: previews.size, byId };
}

/** RGB → opaque RGBA, into `out` (length 4 × pixels). */
export function rgbToRgba<T extends Uint8ClampedArray>(rgb: Uint8Array, out: T): T {
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i]!;
    out[j + 1] = rgb[i + 1]!;
    out[j + 2] = rgb[i + 2]!;
    out[j + 3] = 255;
  }
  return out;
}
