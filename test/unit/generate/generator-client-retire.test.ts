// When the studio's backend changes, the generator process (which keeps its backend for life) is
// retired: an idle one stops at once, a busy one once its draws are answered, and the next draw
// starts a new process (which inherits the new backend). Fake processes stand in for the job.
import { describe, expect, it } from 'vitest';
import { GeneratorClient } from '../../../src-main/generate/generator-client';
import type { DrawControl, GeneratorChannel, GeneratorMessage, GeneratorRequest } from '../../../src-main/generate/protocol';

interface FakeProcess {
  killed: boolean;
  draws: DrawControl[];
  answer(id: number): void;
}

function launcher() {
  const processes: FakeProcess[] = [];
  const launch = (): GeneratorChannel => {
    let listener: (m: GeneratorMessage) => void = () => {};
    const proc: FakeProcess = {
      killed: false,
      draws: [],
      answer: (id) => listener({ type: 'drawn', id, size: 1, latentDim: 1, classes: 0, pixels: Buffer.from([1, 2, 3]).toString('base64'), ms: 1 }),
    };
    processes.push(proc);
    return {
      send: (m: GeneratorRequest | DrawControl) => {
        if (m.type === 'draw') proc.draws.push(m);
      },
      onMessage: (l) => (listener = l),
      onExit: () => {},
      kill: () => (proc.killed = true),
    };
  };
  return { launch, processes };
}

const z = new Float32Array([0.5]);

describe('GeneratorClient.retire', () => {
  it('stops an idle process at once; the next draw starts a new one', async () => {
    const { launch, processes } = launcher();
    const client = new GeneratorClient(launch);
    const first = client.draw('/p', 'checkpoints/a', 1, z, null);
    processes[0]!.answer(processes[0]!.draws[0]!.id);
    await first;
    client.retire();
    expect(processes[0]!.killed).toBe(true);
    const second = client.draw('/p', 'checkpoints/a', 1, z, null);
    expect(processes).toHaveLength(2);
    processes[1]!.answer(processes[1]!.draws[0]!.id);
    expect((await second).pixels).toEqual(new Uint8Array([1, 2, 3]));
    client.stop();
  });

  it('lets a busy process answer its draws, then stops it', async () => {
    const { launch, processes } = launcher();
    const client = new GeneratorClient(launch);
    const a = client.draw('/p', 'checkpoints/a', 1, z, null);
    const b = client.draw('/p', 'checkpoints/a', 1, z, null);
    client.retire();
    expect(processes[0]!.killed).toBe(false);
    processes[0]!.answer(processes[0]!.draws[0]!.id);
    await a;
    expect(processes[0]!.killed).toBe(false); // one still in flight
    processes[0]!.answer(processes[0]!.draws[1]!.id);
    await b;
    expect(processes[0]!.killed).toBe(true);
    client.stop();
  });
});
