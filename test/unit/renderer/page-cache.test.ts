import { describe, expect, it } from 'vitest';
import { PageCache, type Page } from '../../../src-renderer/src/lib/page-cache';

function deferredFetcher(total: number) {
  const calls: { offset: number; limit: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const fetcher = (offset: number, limit: number) =>
    new Promise<Page<number>>((resolve, reject) => {
      const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => offset + i);
      calls.push({ offset, limit, resolve: () => resolve({ total, items }), reject });
    });
  return { calls, fetcher };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('PageCache', () => {
  it('fetches the pages covering a range, at most `concurrency` at a time', async () => {
    const { calls, fetcher } = deferredFetcher(1000);
    const cache = new PageCache(fetcher, { pageSize: 100, concurrency: 2 });
    cache.want(50, 350);
    expect(calls.map((c) => c.offset)).toEqual([0, 100]);
    calls[0]!.resolve();
    await flush();
    expect(calls.map((c) => c.offset)).toEqual([0, 100, 200]);
    expect(cache.get(42)).toBe(42);
    expect(cache.get(142)).toBeUndefined();
    expect(cache.total).toBe(1000);
  });

  it('does not refetch cached or in-flight pages', async () => {
    const { calls, fetcher } = deferredFetcher(1000);
    const cache = new PageCache(fetcher, { pageSize: 100 });
    cache.want(0, 100);
    cache.want(0, 100);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve();
    await flush();
    cache.want(0, 100);
    expect(calls).toHaveLength(1);
  });

  it('forgets queued pages that scrolled away', async () => {
    const { calls, fetcher } = deferredFetcher(100_000);
    const cache = new PageCache(fetcher, { pageSize: 100, concurrency: 1 });
    cache.want(0, 500); // pages 0..4, only 0 in flight
    cache.want(50_000, 50_100); // user jumped far: pages 1..4 no longer matter
    calls[0]!.resolve();
    await flush();
    expect(calls.map((c) => c.offset)).toEqual([0, 50_000]);
  });

  it('revalidates after an edit: old items and total stay until each fresh page arrives', async () => {
    let version = 0;
    const calls: { offset: number; resolve: () => void }[] = [];
    const fetcher = (offset: number, limit: number) =>
      new Promise<Page<string>>((resolve) => {
        const v = version;
        const total = v === 0 ? 300 : 250; // the edit removed 50 from this filter
        calls.push({
          offset,
          resolve: () => resolve({ total, items: Array.from({ length: Math.min(limit, total - offset) }, (_, i) => `v${v}:${offset + i}`) }),
        });
      });
    const cache = new PageCache(fetcher, { pageSize: 100 });
    cache.want(0, 200);
    calls.forEach((c) => c.resolve());
    await flush();
    version = 1;
    cache.revalidate();
    expect(cache.get(5)).toBe('v0:5'); // still shown
    expect(cache.total).toBe(300);
    cache.want(0, 200);
    expect(calls.slice(2).map((c) => c.offset)).toEqual([0, 100]); // fetched again
    calls[2]!.resolve();
    await flush();
    expect(cache.get(5)).toBe('v1:5');
    expect(cache.get(105)).toBe('v0:105'); // its page has not arrived yet
    expect(cache.total).toBe(250);
    calls[3]!.resolve();
    await flush();
    expect(cache.get(105)).toBe('v1:105');
    cache.reset();
    expect(cache.get(5)).toBeUndefined(); // a reset forgets stale pages too
  });

  it('ignores answers from before a reset', async () => {
    const { calls, fetcher } = deferredFetcher(1000);
    let changes = 0;
    const cache = new PageCache(fetcher, { pageSize: 100, onChange: () => changes++ });
    cache.want(0, 100);
    cache.reset();
    calls[0]!.resolve();
    await flush();
    expect(cache.get(0)).toBeUndefined();
    expect(cache.total).toBeNull();
    expect(changes).toBe(1);
  });

  it('evicts the least recently used pages beyond maxPages', async () => {
    const { calls, fetcher } = deferredFetcher(10_000);
    const cache = new PageCache(fetcher, { pageSize: 10, maxPages: 2, concurrency: 1 });
    for (const start of [0, 10, 0, 20]) {
      cache.want(start, start + 10);
      calls.at(-1)!.resolve();
      await flush();
    }
    expect(cache.cachedPages).toBe(2);
    expect(cache.has(0)).toBe(true); // touched again before page 2 arrived
    expect(cache.has(1)).toBe(false);
    expect(cache.has(2)).toBe(true);
  });

  it('reports errors and keeps serving other pages', async () => {
    const { calls, fetcher } = deferredFetcher(1000);
    const errors: unknown[] = [];
    const cache = new PageCache(fetcher, { pageSize: 100, concurrency: 1, onError: (e) => errors.push(e) });
    cache.want(0, 200);
    calls[0]!.reject(new Error('boom'));
    await flush();
    expect(errors).toHaveLength(1);
    expect(calls).toHaveLength(2);
    // The failed page can be asked for again.
    cache.want(0, 100);
    calls[1]!.resolve();
    await flush();
    expect(calls.map((c) => c.offset)).toEqual([0, 100, 0]);
  });
});
