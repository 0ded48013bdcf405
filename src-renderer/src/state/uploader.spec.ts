import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import { fakeTransport } from '../testing/fake-transport';
import type { PickedFile } from '../lib/picked-files';
import { declarationBatches, Uploader, type SendFile } from './uploader.svelte';

const picked = (...specs: [string, number][]): PickedFile[] =>
  specs.map(([path, size]) => ({ path, file: new File([new Uint8Array(size)], path.split('/').at(-1)!) }));

function setup(send: SendFile, begin?: () => never) {
  const fake = fakeTransport({
    'uploads:begin': begin ?? (() => ({ uploadId: 'a'.repeat(24), maxFileBytes: 1e6 })),
    'uploads:discard': () => ({ discarded: true }),
  });
  return { fake, uploader: new Uploader(fake.api.uploads, send, 2) };
}

describe('Uploader', () => {
  it('declares every file, sends each with its path, and counts the bytes', async () => {
    const sent: string[] = [];
    const fractions: number[] = [];
    const { fake, uploader } = setup(async (_id, name, file, { onProgress }) => {
      onProgress?.(file.size / 2);
      fractions.push(uploader.fraction);
      sent.push(name);
    });
    const id = await uploader.send(picked(['art/red/a.png', 100], ['art/blue/b.png', 300], ['c.png', 100]));
    expect(id).toBe('a'.repeat(24));
    expect(fake.calls[0]).toEqual({
      name: 'uploads:begin',
      input: {
        files: [
          { name: 'art/red/a.png', bytes: 100 },
          { name: 'art/blue/b.png', bytes: 300 },
          { name: 'c.png', bytes: 100 },
        ],
      },
    });
    expect(sent.sort()).toEqual(['art/blue/b.png', 'art/red/a.png', 'c.png']);
    expect(fractions.every((f) => f > 0 && f < 1)).toBe(true);
    expect(uploader.fraction).toBe(1);
    expect(uploader.message).toBe('Uploading 3 of 3 files · 500 B of 500 B');
    expect(uploader.error).toBeNull();
    expect(uploader.running).toBe(false);
    expect(fake.calls.some((c) => c.name === 'uploads:discard')).toBe(false);
  });

  it('stops at the first file refused, names it, and discards the upload', async () => {
    const { fake, uploader } = setup(async (_id, name) => {
      if (name === 'b.png') throw new ApiError('too-large', 'b.png sent more than the 3 bytes it declared.');
    });
    expect(await uploader.send(picked(['a.png', 3], ['b.png', 3], ['c.png', 3], ['d.png', 3]))).toBeNull();
    expect(uploader.error).toBe('b.png sent more than the 3 bytes it declared.');
    expect(fake.calls.at(-1)).toEqual({ name: 'uploads:discard', input: { uploadId: 'a'.repeat(24) } });
  });

  it('names the file when the failure does not', async () => {
    const { uploader } = setup(async () => {
      throw new ApiError('offline', 'the studio is not reachable');
    });
    await uploader.send(picked(['art/x.png', 3]));
    expect(uploader.error).toBe('art/x.png could not be uploaded: the studio is not reachable');
  });

  it('shows what the studio refuses before anything is sent', async () => {
    let sends = 0;
    const { uploader } = setup(
      async () => {
        sends++;
      },
      () => {
        throw new ApiError('invalid-input', '"../x.png" cannot be uploaded: its path holds “.” or “..”.');
      },
    );
    expect(await uploader.send(picked(['../x.png', 3]))).toBeNull();
    expect(uploader.error).toMatch(/^"..\/x.png" cannot be uploaded/);
    expect(sends).toBe(0);
  });

  it('cancels quietly and discards what was sent', async () => {
    let release!: () => void;
    const { fake, uploader } = setup(
      (_id, _name, _file, { signal }) =>
        new Promise<void>((resolve, reject) => {
          release = resolve;
          signal?.addEventListener('abort', () => reject(new ApiError('cancelled', 'The upload was cancelled.')));
        }),
    );
    const sending = uploader.send(picked(['a.png', 3], ['b.png', 3]));
    await new Promise((r) => setTimeout(r, 0));
    expect(uploader.running).toBe(true);
    uploader.cancel();
    expect(await sending).toBeNull();
    expect(uploader.error).toBeNull();
    expect(fake.calls.at(-1)?.name).toBe('uploads:discard');
    release();
  });
});

describe('declarationBatches', () => {
  it('declares a large folder in parts, each small enough for one API call', () => {
    const many = picked(...Array.from({ length: 20_000 }, (_, i): [string, number] => [`art/${'long-folder-name/'.repeat(3)}image-${i}.png`, 1]));
    const batches = declarationBatches(many);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toHaveLength(20_000);
    for (const b of batches) expect(JSON.stringify({ files: b }).length).toBeLessThan(1 << 20);
    expect(declarationBatches(picked(['a.png', 1]))).toEqual([[{ name: 'a.png', bytes: 1 }]]);
  });
});
