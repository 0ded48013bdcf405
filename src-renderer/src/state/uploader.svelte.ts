// Sending picked or dropped files to the headless studio before an import: the studio checks
// every name and size first (uploads:begin), then the files go a few at a time with a live
// byte count; the first file refused stops the upload with the studio's sentence naming it,
// and a cancelled or failed upload is discarded so nothing is left in the project.
import type { OpInput, OpOutput } from '../../../src-preload/contract';
import { errorMessage } from '../lib/errors';
import { formatCount } from '../lib/format';
import type { PickedFile } from '../lib/picked-files';
import { formatBytes } from '../lib/quality-words';
import type { UploadFileOptions } from '../lib/web-transport';

export interface UploadApi {
  begin(input: OpInput<'uploads:begin'>): Promise<OpOutput<'uploads:begin'>>;
  discard(input: OpInput<'uploads:discard'>): Promise<OpOutput<'uploads:discard'>>;
}
export type SendFile = (uploadId: string, name: string, file: Blob, options: UploadFileOptions) => Promise<void>;

/** Bytes of names one uploads:begin call may carry (at most 3 per character, as UTF-8): well under the API's 1 MB body limit. */
const DECLARE_BYTES = 600_000;

/** The files in parts small enough for one uploads:begin call each. */
export function declarationBatches(picked: readonly PickedFile[]): { name: string; bytes: number }[][] {
  const batches: { name: string; bytes: number }[][] = [];
  let batch: { name: string; bytes: number }[] = [];
  let size = 0;
  for (const p of picked) {
    const cost = p.path.length * 3 + 40;
    if (batch.length > 0 && size + cost > DECLARE_BYTES) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push({ name: p.path, bytes: p.file.size });
    size += cost;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export class Uploader {
  running = $state(false);
  /** Bytes sent of all files, 0–1. */
  fraction = $state(0);
  message = $state('');
  error = $state<string | null>(null);
  private controller: AbortController | null = null;
  private cancelled = false;

  constructor(
    private readonly api: UploadApi,
    private readonly sendFile: SendFile,
    private readonly concurrency = 3,
  ) {}

  /** Sends every file; the upload's id once all have arrived, or null when it was cancelled or refused (`error` says why). */
  async send(picked: readonly PickedFile[]): Promise<string | null> {
    if (this.running) return null;
    this.running = true;
    this.error = null;
    this.fraction = 0;
    const total = picked.reduce((sum, p) => sum + p.file.size, 0);
    const files = picked.length;
    this.message = `Checking ${formatCount(files)} ${files === 1 ? 'file' : 'files'}…`;
    const controller = new AbortController();
    this.controller = controller;
    this.cancelled = false;
    let uploadId: string | null = null;
    try {
      // Declared in parts, each well under the API's 1 MB body limit (a folder of 20,000 images).
      for (const batch of declarationBatches(picked)) ({ uploadId } = await this.api.begin({ files: batch, ...(uploadId ? { uploadId } : {}) }));
      const sent = new Array<number>(files).fill(0);
      let done = 0;
      const show = () => {
        const bytes = sent.reduce((a, b) => a + b, 0);
        this.fraction = total > 0 ? bytes / total : done / files;
        this.message = `Uploading ${formatCount(done)} of ${formatCount(files)} ${files === 1 ? 'file' : 'files'} · ${formatBytes(bytes)} of ${formatBytes(total)}`;
      };
      show();
      let next = 0;
      const worker = async () => {
        while (next < files && !controller.signal.aborted) {
          const i = next++;
          const { file, path } = picked[i]!;
          try {
            await this.sendFile(uploadId!, path, file, {
              signal: controller.signal,
              onProgress: (bytes) => {
                sent[i] = bytes;
                show();
              },
            });
          } catch (error) {
            if (controller.signal.aborted) return;
            controller.abort(); // the others stop too
            const message = errorMessage(error);
            throw new Error(message.includes(path) ? message : `${path} could not be uploaded: ${message}`, { cause: error });
          }
          sent[i] = file.size;
          done++;
          show();
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, files) }, worker));
      if (!this.cancelled) return uploadId;
    } catch (error) {
      if (!this.cancelled) this.error = errorMessage(error);
    } finally {
      this.running = false;
      this.controller = null;
    }
    if (uploadId) await this.api.discard({ uploadId }).catch(() => {});
    return null;
  }

  /** Stops sending; what was sent is discarded. */
  cancel(): void {
    this.cancelled = true;
    this.controller?.abort();
  }
}
