// The headless studio: 127.0.0.1 only, nothing without the launch token, and
// its doors (which files, which origin, which headers) on the real CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atelier, startStudio } from './cli-helpers';

let dir: string;
let studio: { child: ChildProcess; url: string; port: number };
let stderr = '';
let base: string;
let token: string;
/** What the studio page sends with every API call. */
let headers: Record<string, string>;

const EVIL_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c33"/><script>alert(document.cookie)</script></svg>`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-studio-'));
  expect((await atelier(['new', join(dir, 'p')])).code).toBe(0);
  writeFileSync(join(dir, 'evil.svg'), EVIL_SVG);
  expect((await atelier(['import', join(dir, 'p'), join(dir, 'evil.svg')])).code).toBe(0);
  studio = await startStudio([join(dir, 'p')]);
  studio.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  base = `http://127.0.0.1:${studio.port}`;
  token = new URL(studio.url).searchParams.get('token')!;
  headers = { 'x-atelier-token': token, origin: base, 'content-type': 'application/json' };
});
afterAll(() => {
  studio?.child.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** The session cookie the launch link sets. */
async function visit(): Promise<{ cookie: string; response: Response }> {
  const response = await fetch(studio.url, { redirect: 'manual' });
  return { cookie: response.headers.get('set-cookie')!.split(';')[0]!, response };
}

function socketOpens(protocols: string[], options: WebSocket.ClientOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${studio.port}/events`, protocols, options);
    ws.on('open', () => {
      resolve(`opened:${ws.protocol}`);
      ws.close();
    });
    ws.on('error', (e) => resolve(e.message));
  });
}

/** A raw request, for what fetch will not send (a malformed path, a foreign Host). */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: studio.port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('atelier studio', () => {
  it('prints a 127.0.0.1 URL with a token', () => {
    expect(studio.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('refuses API calls, pages, files and the event socket without the token', async () => {
    const api = await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers: { origin: base, 'content-type': 'application/json' } });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/files/atelier.db`)).status).toBe(401);
    const wrong = await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers: { ...headers, 'x-atelier-token': 'x'.repeat(32) } });
    expect(wrong.status).toBe(401);
    expect(await socketOpens([], { origin: base })).not.toMatch(/^opened/);
  });

  it('answers with the token and trades the launch link for a session cookie and a fragment', async () => {
    const info = await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers });
    expect(info.status).toBe(200);
    const body = (await info.json()) as { ok: boolean; result: { project: { assetCount: number } } };
    expect(body.ok).toBe(true);
    expect(body.result.project.assetCount).toBe(1);

    const { cookie, response } = await visit();
    expect(response.status).toBe(303);
    // The page gets the token in the fragment, which never reaches a server; the cookie is not the token.
    expect(response.headers.get('location')).toBe(`/#token=${token}`);
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(cookie.startsWith(`atelier_session_${studio.port}=`)).toBe(true);
    expect(cookie).not.toContain(token);
    const page = await fetch(`${base}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(token);
    // Whatever the path of the link, the token only ever goes to this origin's page.
    for (const path of ['/.//evil.example/', '//evil.example/', '/x/..//evil.example']) {
      const res = await raw(`${path}?token=${token}`);
      expect(res.status, path).toBe(303);
      expect(res.location, path).toBe(`/#token=${token}`);
    }
  });

  it('takes API calls only with the token header, from its own origin, as JSON', async () => {
    const { cookie } = await visit();
    // The cookie goes to every port of 127.0.0.1: it never authorises the API.
    const cookieOnly = await fetch(`${base}/api/tags:list`, {
      method: 'POST',
      body: '{}',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
    });
    expect(cookieOnly.status).toBe(401);
    // Another page on 127.0.0.1 (another port), even with the token.
    for (const origin of ['http://127.0.0.1:1', 'http://evil.example', 'null']) {
      const foreign = await fetch(`${base}/api/tags:list`, { method: 'POST', body: '{}', headers: { ...headers, origin } });
      expect(foreign.status).toBe(403);
    }
    const noOrigin = await raw('/api/tags:list', { method: 'POST', body: '{}', headers: { 'x-atelier-token': token, 'content-type': 'application/json' } });
    expect(noOrigin.status).toBe(403);
    const localhost = await fetch(`${base}/api/tags:list`, { method: 'POST', body: '{}', headers: { ...headers, origin: `http://localhost:${studio.port}` } });
    expect(localhost.status).toBe(200);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const simple = await fetch(`${base}/api/tags:list`, { method: 'POST', body: '{}', headers: { ...headers, 'content-type': type } });
      expect(simple.status).toBe(415);
    }
    const charset = await fetch(`${base}/api/tags:list`, {
      method: 'POST',
      body: '{}',
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    });
    expect(charset.status).toBe(200);

    const malformed = await fetch(`${base}/api/runs:start`, { method: 'POST', body: '{not json', headers });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain('not JSON');
  });

  it('opens the event socket only with the token as a subprotocol, from its own origin', async () => {
    const { cookie } = await visit();
    expect(await socketOpens(['atelier', `atelier-token.${token}`], { origin: base })).toBe('opened:atelier');
    expect(await socketOpens(['atelier', `atelier-token.${token}`], { origin: `http://localhost:${studio.port}` })).toBe('opened:atelier');
    expect(await socketOpens([], { origin: base, headers: { cookie } })).not.toMatch(/^opened/);
    expect(await socketOpens(['atelier', `atelier-token.${'x'.repeat(32)}`], { origin: base })).not.toMatch(/^opened/);
    expect(await socketOpens(['atelier', `atelier-token.${token}`], { origin: 'http://127.0.0.1:1' })).not.toMatch(/^opened/);
    expect(await socketOpens(['atelier', `atelier-token.${token}`])).not.toMatch(/^opened/);
  });

  it('serves only the image folders, never the database', async () => {
    const { cookie } = await visit();
    for (const file of ['atelier.db', 'atelier.db-wal', 'atelier.db-shm', '.atelier.lock', 'cache', 'assets/../atelier.db', 'assets%2F..%2Fatelier.db']) {
      const res = await fetch(`${base}/files/${file}`, { headers: { cookie } });
      expect(res.status, file).toBe(404);
    }
    const escape = await fetch(`${base}/files/..%2F..%2F..%2Fetc%2Fpasswd`, { headers: { cookie } });
    expect(escape.status).toBe(404);

    const asset = (await (await fetch(`${base}/api/assets:get`, { method: 'POST', body: JSON.stringify({ id: 1 }), headers })).json()) as {
      result: { file: string; thumb: string };
    };
    const thumb = await fetch(`${base}/files/${asset.result.thumb}`, { headers: { cookie } });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
  });

  it('serves an imported SVG so it can run nothing, even opened on its own', async () => {
    const { cookie } = await visit();
    const asset = (await (await fetch(`${base}/api/assets:get`, { method: 'POST', body: JSON.stringify({ id: 1 }), headers })).json()) as {
      result: { file: string };
    };
    expect(asset.result.file).toMatch(/^assets\/.+\.svg$/);
    const svg = await fetch(`${base}/files/${asset.result.file}`, { headers: { cookie } });
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    const csp = svg.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp.split(';').map((d) => d.trim())).toContain('sandbox');
    expect(csp).not.toContain('script-src');
    expect(svg.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('gives every response a strict policy; the page may connect only back to this studio', async () => {
    const { cookie } = await visit();
    const page = await fetch(`${base}/`, { headers: { cookie } });
    const csp = page.headers.get('content-security-policy')!;
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    const connect = csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith('connect-src'))!;
    expect(connect.split(/\s+/).slice(1).sort()).toEqual(["'self'", `ws://127.0.0.1:${studio.port}`, `ws://localhost:${studio.port}`].sort());
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    for (const res of [
      await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers }),
      await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}' }),
      await fetch(`${base}/nothing-here.js`, { headers: { cookie } }),
      await fetch(`${base}/`),
      await fetch(studio.url, { redirect: 'manual' }),
    ]) {
      expect(res.headers.get('content-security-policy'), res.url).toMatch(/default-src 'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('scopes the session cookie to this studio: a second studio does not log the first one out', async () => {
    // A second studio (without a project: one engine holds a project) in the same browser.
    const other = await startStudio(['--projects', dir]);
    try {
      const one = (await visit()).cookie;
      const two = (await fetch(other.url, { redirect: 'manual' })).headers.get('set-cookie')!.split(';')[0]!;
      expect(one.split('=')[0]).not.toBe(two.split('=')[0]);
      // The browser now sends both cookies to both studios (cookies ignore ports).
      const both = `${one}; ${two}`;
      expect((await fetch(`${base}/`, { headers: { cookie: both } })).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${other.port}/`, { headers: { cookie: both } })).status).toBe(200);
    } finally {
      other.child.kill();
    }
  });

  it('answers a malformed % escape with 400 and never logs the token', async () => {
    const { cookie } = await visit();
    for (const path of ['/files/%E0%A4%A', '/api/app%3Ainfo%', `/%?token=${token}`, `/files/%zz?token=${token}`]) {
      const res = await raw(path, { headers: { cookie } });
      expect(res.status, path).toBe(400);
    }
    // A POST is not redirected: its URL (with a token in it) used to reach the log with a 500.
    const api = await raw(`/api/%E0%A4%A?token=${token}`, { method: 'POST', body: '{}', headers });
    expect(api.status).toBe(400);
    expect((await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(stderr).not.toContain(token);
  });

  it('answers a body over 1 MB with 413 and a JSON error instead of a reset', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(3 << 20) });
    const res = await fetch(`${base}/api/prompts:parse`, { method: 'POST', body: big, headers });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too-large');
    // Without a length up front (chunked), too.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: studio.port, path: '/api/prompts:parse', method: 'POST', headers }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 24; i++) req.write('x'.repeat(128 << 10));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('too-large');
    // A client that asks first (Expect: 100-continue, as curl does) hears 413 before sending the body,
    // and gets its 100 Continue for a body of a fair size.
    const ask = (length: number) =>
      new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = request(
          {
            host: '127.0.0.1',
            port: studio.port,
            path: '/api/app:info',
            method: 'POST',
            headers: { ...headers, expect: '100-continue', 'content-length': String(length) },
          },
          (r) => {
            let body = '';
            r.on('data', (d: Buffer) => (body += d.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body, continued }));
          },
        );
        req.on('continue', () => {
          continued = true;
          req.end(' '.repeat(length - 2) + '{}');
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    const refused = await ask(8 << 20);
    expect(refused).toMatchObject({ status: 413, continued: false });
    expect(JSON.parse(refused.body).error.code).toBe('too-large');
    expect(await ask(1000)).toMatchObject({ status: 200, continued: true });
    expect((await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers })).status).toBe(200);
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    const res = await raw('/api/app:info', { method: 'POST', body: '{}', headers: { ...headers, host: 'evil.example:80' } });
    expect(res.status).toBe(421);
  });
});
