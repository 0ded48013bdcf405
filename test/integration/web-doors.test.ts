// The web adapter in-process (a stand-in engine): serving files that vanish,
// downloads that are abandoned, and what reaches the log.
import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Studio } from '../../src-main/host/studio';
import { redactToken, startWebServer, type WebServer } from '../../src-main/host/web';

// A hook that runs right before the studio opens a file for reading (by path), so a
// test can delete the file after its path was checked and before it is read.
const hooks = vi.hoisted(() => ({ beforeOpen: null as ((path: string) => void) | null }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const open = ((path: Parameters<typeof real.open>[0], ...rest: unknown[]) => {
    hooks.beforeOpen?.(String(path));
    return (real.open as (...args: unknown[]) => ReturnType<typeof real.open>)(path, ...rest);
  }) as typeof real.open;
  return { ...real, default: { ...real, open }, open };
});
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof Fs>();
  const createReadStream = ((path: Parameters<typeof real.createReadStream>[0], options?: Parameters<typeof real.createReadStream>[1]) => {
    if (typeof path === 'string' && path !== '') hooks.beforeOpen?.(path);
    return real.createReadStream(path, options);
  }) as typeof real.createReadStream;
  return { ...real, default: { ...real, createReadStream }, createReadStream };
});

let root: string;
let project: string;
let web: WebServer;
let base: string;
let cookie: string;
const logged: string[] = [];
const BIG = 'thumbs/ab/big.png';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-web-doors-'));
  project = join(root, 'p');
  mkdirSync(join(project, 'thumbs', 'ab'), { recursive: true });
  writeFileSync(join(project, 'atelier.db'), 'SQLite format 3\0');
  writeFileSync(join(project, BIG), Buffer.alloc(4 << 20, 7)); // well over the 64 KB a read stream buffers
  const renderer = join(root, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src \'self\'"><title>t</title>');
  const studio = {
    project: { dir: project },
    filesWritten: async () => {},
    router: {
      call: async (name: unknown) => {
        if (name === 'test:explode') throw new Error('exploded');
        return { ok: true, result: { name } };
      },
      subscribe: () => () => {},
    },
  } as unknown as Studio;
  web = await startWebServer({ studio, rendererDir: renderer, log: (l) => logged.push(l) });
  base = `http://127.0.0.1:${web.port}`;
  cookie = (await fetch(web.url, { redirect: 'manual' })).headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => {
  await web?.close();
  rmSync(root, { recursive: true, force: true });
});

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Starts a download, takes its first chunk and hangs up. */
function abandonDownload(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web.port, path, headers: { cookie } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end();
  });
}

describe('the web adapter', () => {
  it('closes the file of every abandoned download', async () => {
    await abandonDownload(`/files/${BIG}`); // warm-up: whatever the first request opens for good
    await new Promise((r) => setTimeout(r, 200));
    const before = openFds();
    for (let i = 0; i < 40; i++) await abandonDownload(`/files/${BIG}`);
    await vi.waitUntil(() => openFds() - before < 5, { timeout: 5000, interval: 50 }).catch(() => {});
    expect(openFds() - before).toBeLessThan(5);
    const whole = await fetch(`${base}/files/${BIG}`, { headers: { cookie } });
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(4 << 20);
  });

  it('answers 404 for a file deleted after its path was checked, and keeps running', async () => {
    const file = 'thumbs/ab/vanishing.png';
    writeFileSync(join(project, file), Buffer.alloc(1000, 1));
    hooks.beforeOpen = (path) => {
      if (path.endsWith('vanishing.png')) {
        hooks.beforeOpen = null;
        unlinkSync(join(project, file));
      }
    };
    try {
      const res = await fetch(`${base}/files/${file}`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(404);
      expect(existsSync(join(project, file))).toBe(false); // the hook ran: deleted between check and open
    } finally {
      hooks.beforeOpen = null;
    }
    const alive = await fetch(`${base}/files/${BIG}`, { method: 'HEAD', headers: { cookie } });
    expect(alive.status).toBe(200);
    expect(alive.headers.get('content-length')).toBe(String(4 << 20));
  });

  it('never serves the database', async () => {
    expect((await fetch(`${base}/files/atelier.db`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${base}/files/atelier.db`, { headers: { 'x-atelier-token': web.token } })).status).toBe(404);
  });

  it('strips the desktop page policy and serves the page with its own', async () => {
    const page = await fetch(`${base}/`, { headers: { cookie } });
    const html = await page.text();
    expect(html).not.toContain('http-equiv');
    expect(page.headers.get('content-security-policy')).toContain(`ws://127.0.0.1:${web.port}`);
  });

  it('logs a failure without the token, wherever it was in the request', async () => {
    const res = await fetch(`${base}/api/test:explode?token=${web.token}&x=1`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-atelier-token': web.token, origin: base, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(500);
    expect(logged.join('\n')).toContain('exploded');
    expect(logged.join('\n')).not.toContain(web.token);
  });
});

describe('redactToken', () => {
  it('removes token= values and the token itself', () => {
    expect(redactToken('GET /x?token=abc&y=1 failed', 'abc')).toBe('GET /x?token=[redacted]&y=1 failed');
    expect(redactToken('GET /#token=zzz', 'abc')).toBe('GET /#token=[redacted]');
    expect(redactToken('header was abcdef', 'abcdef')).toBe('header was [redacted]');
  });
});
