// Uploads from a browser to the headless studio, through the real web adapter: the same
// doors as the API (token, origin), names that would leave the staging folder refused,
// sizes and counts capped with the file named, and a small set of PNGs (in folders, with
// one bad file) imported with the same report and folder tags as a typed path; the
// staging folder is gone afterwards.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGING_FOLDER } from '../../src-main/datasets/uploads';
import { forkLauncher } from '../../src-main/host/jobs';
import { createStudio, type Studio } from '../../src-main/host/studio';
import { startWebServer, type WebServer } from '../../src-main/host/web';

const JOB_PROCESS = fileURLToPath(new URL('../../src-main/host/job-process.ts', import.meta.url));
const MAX_FILE = 64 * 1024;

let root: string;
let project: string;
let studio: Studio;
let web: WebServer;
let base: string;
let api: Record<string, string>;
let pngs: Buffer[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-upload-'));
  project = join(root, 'p');
  studio = createStudio({
    launchJob: forkLauncher(JOB_PROCESS),
    log: () => {},
    uploadLimits: { maxFileBytes: MAX_FILE, maxFiles: 10, maxTotalBytes: 4 * MAX_FILE },
  });
  await studio.createProject(project);
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Atelier</title>');
  web = await startWebServer({ studio, rendererDir });
  base = `http://127.0.0.1:${web.port}`;
  api = { 'x-atelier-token': web.token, origin: base, 'content-type': 'application/json' };
  pngs = await Promise.all(
    ['#dc1e1e', '#1e3cdc', '#1edc3c'].map((colour, i) =>
      sharp({ create: { width: 24, height: 24, channels: 3, background: colour } })
        .composite([{ input: Buffer.from(`<svg width="24" height="24"><circle cx="${6 + i * 6}" cy="12" r="5" fill="#fff"/></svg>`) }])
        .png()
        .toBuffer(),
    ),
  );
}, 60_000);

afterAll(async () => {
  await web?.close();
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

type Answer<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string } };

async function call<T>(name: string, input: unknown): Promise<{ status: number; body: Answer<T> }> {
  const res = await fetch(`${base}/api/${name}`, { method: 'POST', headers: api, body: JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as Answer<T> };
}

async function begin(files: { name: string; bytes: number }[]): Promise<string> {
  const { body } = await call<{ uploadId: string }>('uploads:begin', { files });
  if (!body.ok) throw new Error(body.error.message);
  return body.result.uploadId;
}

function send(uploadId: string, name: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
  return fetch(`${base}/upload/${uploadId}`, {
    method: 'POST',
    headers: { 'x-atelier-token': web.token, origin: base, 'content-type': 'application/octet-stream', 'x-atelier-file': encodeURIComponent(name), ...headers },
    body: new Uint8Array(bytes),
  });
}

const staged = () => (existsSync(join(project, STAGING_FOLDER)) ? readdirSync(join(project, STAGING_FOLDER)) : []);

describe('uploads to the headless studio', () => {
  it('refuses a file without the token, from another origin, or as another media type', async () => {
    const id = await begin([{ name: 'a.png', bytes: pngs[0]!.length }]);
    const noToken = await send(id, 'a.png', pngs[0]!, { 'x-atelier-token': '' });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrongToken = await send(id, 'a.png', pngs[0]!, { 'x-atelier-token': 'x'.repeat(32) });
    expect(wrongToken.status).toBe(401);
    const foreign = await send(id, 'a.png', pngs[0]!, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('bad-origin');
    const asForm = await send(id, 'a.png', pngs[0]!, { 'content-type': 'multipart/form-data; boundary=x' });
    expect(asForm.status).toBe(415);
    const get = await fetch(`${base}/upload/${id}`, { headers: { 'x-atelier-token': web.token, origin: base } });
    expect(get.status).toBe(405);
    // Nothing arrived through those doors.
    expect(readdirSync(join(project, STAGING_FOLDER, id))).toEqual([]);
    expect((await call('uploads:discard', { uploadId: id })).body).toEqual({ ok: true, result: { discarded: true } });
    expect(staged()).toEqual([]);
  });

  it('refuses names that would leave the staging folder, naming them', async () => {
    for (const name of [
      '../evil.png',
      'a/../../evil.png',
      '/etc/evil.png',
      'a\0b.png',
      'C:\\evil.png',
      'a\\..\\evil.png',
      './a.png',
      'a//b.png',
      'C:evil.png',
    ]) {
      const { status, body } = await call('uploads:begin', { files: [{ name, bytes: 10 }] });
      expect(status, name).toBe(400);
      expect(body.ok, name).toBe(false);
      if (!body.ok) {
        expect(body.error.code).toBe('invalid-input');
        expect(body.error.message).toContain(JSON.stringify(name.slice(0, 200)));
      }
    }
    // A name sent that was not declared (a traversal in the header) is refused too, and writes nothing.
    const id = await begin([{ name: 'ok.png', bytes: pngs[0]!.length }]);
    for (const name of ['../../evil.png', '../ok.png', 'other.png']) {
      const res = await send(id, name, pngs[0]!);
      expect(res.status, name).toBe(400);
    }
    expect(existsSync(join(project, 'evil.png'))).toBe(false);
    expect(existsSync(join(root, 'evil.png'))).toBe(false);
    expect(readdirSync(join(project, STAGING_FOLDER, id))).toEqual([]);
    await call('uploads:discard', { uploadId: id });
  });

  it('caps the size of a file, the number of files and the total, naming the file', async () => {
    const big = await call('uploads:begin', { files: [{ name: 'art/huge.png', bytes: MAX_FILE + 1 }] });
    expect(big.status).toBe(409);
    expect(big.body).toMatchObject({ ok: false, error: { code: 'too-large' } });
    if (!big.body.ok) expect(big.body.error.message).toMatch(/^art\/huge\.png is 64 KB, more than the 64 KB a file may have/);
    const many = await call('uploads:begin', { files: Array.from({ length: 11 }, (_, i) => ({ name: `${i}.png`, bytes: 1 })) });
    expect(many.body).toMatchObject({ ok: false, error: { code: 'too-large' } });
    if (!many.body.ok) expect(many.body.error.message).toContain('11 files is more than one upload takes (10)');

    // A page that sends more than it declared is cut off with the file named; nothing of it stays.
    const id = await begin([{ name: 'liar.png', bytes: 100 }]);
    const res = await send(id, 'liar.png', new Uint8Array(MAX_FILE * 2));
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({ code: 'too-large', message: 'liar.png sent more than the 100 bytes it declared.' });
    expect(readdirSync(join(project, STAGING_FOLDER, id))).toEqual([]);
    // And one that sends less is told the file did not arrive whole.
    const short = await send(id, 'liar.png', new Uint8Array(10));
    expect(short.status).toBe(409);
    expect(((await short.json()) as { error: { message: string } }).error.message).toBe('liar.png did not arrive whole: 10 of 100 bytes.');
    const early = await call('uploads:import', { uploadId: id, tagsFromFolders: true });
    expect(early.body).toMatchObject({ ok: false, error: { code: 'missing-file', message: expect.stringContaining('liar.png did not arrive') } });
    // The import that failed removed the staging folder.
    expect(staged()).toEqual([]);
  });

  it('imports a small set of PNGs with the report and folder tags of a typed path, then removes the staging folder', async () => {
    const notAnImage = Buffer.from('this is not a picture');
    const files = [
      { name: 'art/red/0.png', data: pngs[0]! },
      { name: 'art/blue/1.png', data: pngs[1]! },
      { name: 'art/blue/broken.png', data: notAnImage },
      { name: 'loose.png', data: pngs[2]! },
    ];
    const id = await begin(files.map((f) => ({ name: f.name, bytes: f.data.length })));
    for (const f of files) {
      const res = await send(id, f.name, f.data);
      expect(res.status, f.name).toBe(200);
      expect(await res.json()).toEqual({ ok: true, result: { name: f.name, bytes: f.data.length } });
    }
    // A second send of the same file is refused.
    expect((await send(id, 'loose.png', pngs[2]!)).status).toBe(400);
    expect(readdirSync(join(project, STAGING_FOLDER, id)).sort()).toEqual(['art', 'loose.png']);

    const { status, body } = await call<{ imported: number; duplicates: number; failed: { file: string; reason: string }[] }>('uploads:import', {
      uploadId: id,
      tagsFromFolders: true,
    });
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    if (!body.ok) return;
    expect(body.result.imported).toBe(3);
    expect(body.result.duplicates).toBe(0);
    // The bad file is named as the person picked it, not by where it was staged.
    expect(body.result.failed).toHaveLength(1);
    expect(body.result.failed[0]!.file).toBe('art/blue/broken.png');
    expect(body.result.failed[0]!.reason).toMatch(/broken\.png/);
    expect(body.result.failed[0]!.reason).not.toContain(STAGING_FOLDER);
    // The same report is stored as the latest import.
    expect((await call('imports:latest', {})).body).toMatchObject({ ok: true, result: { imported: 3, failed: [{ file: 'art/blue/broken.png' }] } });
    // Folder names below what was picked are tags, as with a typed path of the picked folder.
    const tags = await call<{ name: string; count: number }[]>('tags:list', {});
    expect(tags.body.ok && tags.body.result.map((t) => t.name).sort()).toEqual(['blue', 'red']);
    const list = await call<{ items: { name: string; tags: string[] }[] }>('assets:list', { offset: 0, limit: 10 });
    expect(list.body.ok && list.body.result.items.map((a) => [a.name, a.tags])).toEqual([
      ['1.png', ['blue']],
      ['0.png', ['red']],
      ['loose.png', []],
    ]);
    expect(existsSync(join(project, STAGING_FOLDER))).toBe(false);
    // The upload is over: its id is no longer known.
    expect((await send(id, 'loose.png', pngs[2]!)).status).toBe(404);
  });
});

describe('a large upload declared in parts', () => {
  it('adds files to the same upload and counts the limits over all of them', async () => {
    const id = await begin([{ name: 'part1/a.png', bytes: 10 }]);
    const more = await call<{ uploadId: string }>('uploads:begin', { uploadId: id, files: [{ name: 'part2/b.png', bytes: 10 }] });
    expect(more.body).toEqual({ ok: true, result: { uploadId: id, maxFileBytes: MAX_FILE } });
    const twice = await call('uploads:begin', { uploadId: id, files: [{ name: 'part1/a.png', bytes: 10 }] });
    expect(twice.body).toMatchObject({ ok: false, error: { message: 'part1/a.png is in the upload twice.' } });
    const clash = await call('uploads:begin', { uploadId: id, files: [{ name: 'part1', bytes: 10 }] });
    expect(clash.body).toMatchObject({ ok: false, error: { message: 'part1 is both a file and a folder in the upload.' } });
    const over = await call('uploads:begin', { uploadId: id, files: Array.from({ length: 9 }, (_, i) => ({ name: `c/${i}.png`, bytes: 1 })) });
    expect(over.body).toMatchObject({
      ok: false,
      error: { code: 'too-large', message: expect.stringContaining('11 files is more than one upload takes (10)') },
    });
    // A refused part leaves the upload as it was: both declared files are still awaited.
    const early = await call('uploads:import', { uploadId: id });
    expect(early.body).toMatchObject({ ok: false, error: { message: expect.stringContaining('part1/a.png, part2/b.png did not arrive') } });
  });
});

describe('a page that goes away mid-file', () => {
  it('leaves no partial file, and the same file can be sent again', async () => {
    const id = await begin([{ name: 'half.png', bytes: 40_000 }]);
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: web.port,
        path: `/upload/${id}`,
        method: 'POST',
        headers: {
          'x-atelier-token': web.token,
          origin: base,
          'content-type': 'application/octet-stream',
          'x-atelier-file': 'half.png',
          'content-length': 40_000,
        },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(10_000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(readdirSync(join(project, STAGING_FOLDER, id))).toEqual([]);
    const again = await send(id, 'half.png', new Uint8Array(40_000));
    expect(again.status).toBe(200);
    expect((await call('app:info', {})).status).toBe(200);
    await call('uploads:discard', { uploadId: id });
    expect(staged()).toEqual([]);
  });
});

describe('an uploaded zip', () => {
  it('is unpacked as a typed path to it would be: folders inside become tags, members named as picked', async () => {
    const { zipSync } = await import('fflate');
    const notAnImage = new Uint8Array(Buffer.from('nope'));
    const zip = Buffer.from(
      zipSync({
        'sea/fish.png': new Uint8Array(
          await sharp({ create: { width: 20, height: 20, channels: 3, background: '#0a6' } })
            .png()
            .toBuffer(),
        ),
        'sea/bad.png': notAnImage,
      }),
    );
    const id = await begin([{ name: 'pack.zip', bytes: zip.length }]);
    expect((await send(id, 'pack.zip', zip)).status).toBe(200);
    const { body } = await call<{ imported: number; failed: { file: string }[] }>('uploads:import', { uploadId: id, tagsFromFolders: true });
    expect(body).toMatchObject({ ok: true, result: { imported: 1, failed: [{ file: 'pack.zip/sea/bad.png' }] } });
    const tags = await call<{ name: string }[]>('tags:list', {});
    expect(tags.body.ok && tags.body.result.map((t) => t.name)).toContain('sea');
    expect(staged()).toEqual([]);
  });
});
