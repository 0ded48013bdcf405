// The generator process (the job process serving a generator request): draws batches on
// request, on every core, keeping the two most recent checkpoints loaded, until the engine
// kills it or goes away. host/job-process.ts hands it the request and every draw control.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { toErrorPayload } from '../errors';
import { log } from '../log';
import { initBackend } from '../ml/backend';
import { DrawPool } from './draw-pool';
import type { DrawControl, DrawMessage, GeneratorRequest } from './protocol';

function floats(base64: string, expected: number, what: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== expected * 4) throw new RangeError(`${what} has ${bytes.length / 4} values; this model needs ${expected}.`);
  // Copy into an aligned buffer: a Buffer may sit at any offset of its pool.
  return new Float32Array(new Uint8Array(bytes).buffer);
}

export class GeneratorProcess {
  /** Every core draws (the engine's own work is light while a person generates). */
  private readonly pool = new DrawPool(availableParallelism());
  private drawing: Promise<void> = Promise.resolve();

  constructor(
    private readonly request: GeneratorRequest,
    private readonly post: (message: DrawMessage) => void,
  ) {}

  /** Queues a draw; its answer is posted as `drawn` or `draw-failed`. Draws run one at a time, in order. */
  draw(control: DrawControl): void {
    this.drawing = this.drawing.then(() =>
      this.drawNow(control).catch((error: unknown) => {
        // The engine hears code and message; the project's log keeps the stack.
        log.error('a draw failed', error);
        this.post({ type: 'draw-failed', id: control.id, error: toErrorPayload(error) });
      }),
    );
  }

  /** Never resolves: the generator serves until the engine kills it or goes away. */
  serve(): Promise<void> {
    return new Promise(() => process.on('disconnect', () => process.exit(0)));
  }

  private async drawNow(c: DrawControl): Promise<void> {
    const started = performance.now();
    await initBackend(); // the request's start-up may still be under way
    const dir = join(this.request.projectDir, c.checkpointDir);
    // One image is drawn on this thread; a batch on every core. A one-image draw (a warm-up) also loads the other threads.
    if (c.n === 1) void this.pool.warm(dir).catch(() => {});
    const { latentDim, classes } = await this.pool.generator(dir);
    const z = floats(c.z, c.n * latentDim, 'The latent batch');
    const cond = classes > 0 && c.cond ? floats(c.cond, c.n * classes, 'The condition batch') : null;
    const { generator, pixels } = await this.pool.draw(dir, c.n, z, cond);
    this.post({
      type: 'drawn',
      id: c.id,
      size: generator.size,
      latentDim,
      classes,
      pixels: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length).toString('base64'),
      ms: performance.now() - started,
    });
  }
}
