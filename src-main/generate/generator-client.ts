// The engine's side of the generator process: one long-lived job process that keeps recent
// checkpoints loaded and draws batches of latent vectors into pixels. Started on first use (or
// when the Generate view opens), stopped after a while without requests, restarted if it dies.
import { AtelierError, asErrorCode } from '../errors';
import type { GeneratorChannel, LaunchGenerator } from './protocol';

export interface Drawn {
  size: number;
  latentDim: number;
  classes: number;
  /** n RGB images, size·size·3 bytes each, back to back. */
  pixels: Uint8Array;
  /** Time inside the generator process (load on first use + forward pass). */
  ms: number;
}

interface Pending {
  resolve(d: Drawn): void;
  reject(e: Error): void;
}

export const GENERATOR_IDLE_MS = 10 * 60_000;

export class GeneratorClient {
  private channel: GeneratorChannel | null = null;
  private projectDir = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | null = null;
  private backendName = '';
  /** Stop once the draws in flight are answered (the studio's backend changed). */
  private retiring = false;

  constructor(
    private readonly launch: LaunchGenerator,
    private readonly idleMs = GENERATOR_IDLE_MS,
  ) {}

  /** Draws n images: z is n·latentDim floats, cond n·classes (or null for zeros / unconditional). */
  async draw(projectDir: string, checkpointDir: string, n: number, z: Float32Array, cond: Float32Array | null): Promise<Drawn> {
    try {
      return await this.drawOnce(projectDir, checkpointDir, n, z, cond);
    } catch (err) {
      // The process died under this request (killed, out of memory): drawing is idempotent, so try once more in a fresh one.
      if (err instanceof AtelierError && err.code === 'generator-crashed') return this.drawOnce(projectDir, checkpointDir, n, z, cond);
      throw err;
    }
  }

  private drawOnce(projectDir: string, checkpointDir: string, n: number, z: Float32Array, cond: Float32Array | null): Promise<Drawn> {
    const channel = this.connect(projectDir);
    const id = this.nextId++;
    this.touch();
    return new Promise<Drawn>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      channel.send({
        type: 'draw',
        id,
        checkpointDir,
        n,
        z: Buffer.from(z.buffer, z.byteOffset, z.byteLength).toString('base64'),
        cond: cond ? Buffer.from(cond.buffer, cond.byteOffset, cond.byteLength).toString('base64') : null,
      });
    });
  }

  /** Stops the process (project closed, studio shutting down). Pending draws fail. */
  stop(): void {
    this.retiring = false;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const channel = this.channel;
    this.channel = null;
    channel?.kill();
    this.failAll(new AtelierError('generator-stopped', 'The generator was stopped before it finished.'));
  }

  /**
   * The studio's backend changed: an idle process stops now, a busy one once the draws in flight
   * are answered, so the next draw starts a process on the new backend (it inherits the choice).
   */
  retire(): void {
    if (this.pending.size === 0) this.stop();
    else this.retiring = true;
  }

  /** The backend the generator process runs on (known once it has started). */
  backend(): string {
    return this.backendName;
  }

  private connect(projectDir: string): GeneratorChannel {
    if (this.channel && this.projectDir === projectDir) return this.channel;
    if (this.channel) this.stop();
    const channel = this.launch();
    this.channel = channel;
    this.projectDir = projectDir;
    channel.onMessage((m) => {
      if (m.type === 'ready') {
        this.backendName = m.backend.name;
      } else if (m.type === 'drawn') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        const bytes = Buffer.from(m.pixels, 'base64');
        p?.resolve({
          size: m.size,
          latentDim: m.latentDim,
          classes: m.classes,
          pixels: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
          ms: m.ms,
        });
      } else if (m.type === 'draw-failed') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.reject(new AtelierError(asErrorCode(m.error.code), m.error.message));
      }
      if ((m.type === 'drawn' || m.type === 'draw-failed') && this.retiring && this.pending.size === 0 && this.channel === channel) this.stop();
      if (m.type === 'error') {
        this.failAll(new AtelierError(asErrorCode(m.error.code), m.error.message));
      }
    });
    channel.onExit((code, signal) => {
      if (this.channel !== channel) return;
      this.channel = null;
      this.failAll(
        new AtelierError(
          'generator-crashed',
          `The generator process stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}). Try again; it restarts.`,
        ),
      );
    });
    channel.send({ type: 'generator', projectDir });
    return channel;
  }

  private failAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) this.stop();
      else this.touch();
    }, this.idleMs);
    this.idleTimer.unref();
  }
}
