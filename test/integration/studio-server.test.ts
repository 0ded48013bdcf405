// The headless studio: 127.0.0.1 only, nothing without the launch token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atelier, startStudio } from './cli-helpers';

let dir: string;
let studio: { child: ChildProcess; url: string; port: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atelier-studio-'));
  expect((await atelier(['new', join(dir, 'p')])).code).toBe(0);
  studio = await startStudio([join(dir, 'p')]);
});
afterAll(() => {
  studio?.child.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('atelier studio', () => {
  it('prints a 127.0.0.1 URL with a token', () => {
    expect(studio.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('refuses API calls, pages, files and the event socket without the token', async () => {
    const base = `http://127.0.0.1:${studio.port}`;
    const api = await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}' });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/files/atelier.db`)).status).toBe(401);
    const wrong = await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers: { 'x-atelier-token': 'x'.repeat(32) } });
    expect(wrong.status).toBe(401);
    const socketError = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${studio.port}/events`);
      ws.on('open', () => resolve('opened'));
      ws.on('error', (e) => resolve(e.message));
    });
    expect(socketError).not.toBe('opened');
  });

  it('answers with the token, trades it for a cookie, and never serves outside the project', async () => {
    const token = new URL(studio.url).searchParams.get('token')!;
    const base = `http://127.0.0.1:${studio.port}`;
    const info = await fetch(`${base}/api/app:info`, { method: 'POST', body: '{}', headers: { 'x-atelier-token': token } });
    expect(info.status).toBe(200);
    const body = (await info.json()) as { ok: boolean; result: { project: { assetCount: number } } };
    expect(body.ok).toBe(true);
    expect(body.result.project.assetCount).toBe(0);

    const visit = await fetch(studio.url, { redirect: 'manual' });
    expect(visit.status).toBe(303);
    const cookie = visit.headers.get('set-cookie')!.split(';')[0]!;
    expect(visit.headers.get('set-cookie')).toContain('HttpOnly');
    const withCookie = await fetch(`${base}/api/tags:list`, { method: 'POST', body: '{}', headers: { cookie } });
    expect(withCookie.status).toBe(200);

    const escape = await fetch(`${base}/files/..%2F..%2F..%2Fetc%2Fpasswd`, { headers: { cookie } });
    expect(escape.status).toBe(404);

    const malformed = await fetch(`${base}/api/train:start`, { method: 'POST', body: '{not json', headers: { cookie } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain('not JSON');
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    const token = new URL(studio.url).searchParams.get('token')!;
    const res = await new Promise<number>((resolve) => {
      // fetch forbids overriding Host; use a raw request.
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: studio.port, path: '/api/app:info', method: 'POST', headers: { host: 'evil.example:80', 'x-atelier-token': token } }, (r) => resolve(r.statusCode ?? 0));
        req.end('{}');
      });
    });
    expect(res).toBe(421);
  });
});
