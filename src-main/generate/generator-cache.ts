// Loaded generators by checkpoint folder, shared by the generator process's own thread and its
// drawing threads: the most recently used are kept, so a grid after the first is drawn at once.
import { loadCheckpoint } from '../ml/checkpoint.js';
import { loadGenerator, type LoadedGenerator } from '../ml/generator.js';
import { clearPhaseFilters, keepPhaseFilters } from '../ml/wasm-kernels.js';

/** Loaded generators by checkpoint folder, the most recently used kept. */
export class GeneratorCache {
  private readonly generators = new Map<string, Promise<LoadedGenerator>>();
  constructor(private readonly keep = 2) {}

  get(dir: string): Promise<LoadedGenerator> {
    keepPhaseFilters(true); // this thread draws: its weights stay put between calls
    let g = this.generators.get(dir);
    if (g) {
      this.generators.delete(dir); // most recent last
    } else {
      g = loadCheckpoint(dir).then((state) => loadGenerator(state));
      g.catch(() => this.generators.delete(dir));
    }
    this.generators.set(dir, g);
    for (const [old, generator] of this.generators) {
      if (this.generators.size <= this.keep) break;
      this.generators.delete(old);
      clearPhaseFilters(); // rebuilt on the next draw of the checkpoints kept
      void generator.then(
        (x) => x.dispose(),
        () => {},
      );
    }
    return g;
  }
}
