// Which project files the page may load (both doors share this), and which page
// the desktop app trusts with its IPC.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppPageUrl } from '../../../src-main/host/app-page';
import { FILE_CSP, insideFolder, openProjectFile, projectFileHeaders, servableProjectFile } from '../../../src-main/host/files';

let root: string;
let project: string;

const FILES = [
  'atelier.db',
  'atelier.db-wal',
  'atelier.db-shm',
  '.atelier.lock',
  'assets/ab/abcd.svg',
  'assets/ab/abcd.png',
  'thumbs/ab/abcd.webp',
  'samples/generated/2025-1-ck1/0001.png',
  'exports/2025-1/contact-sheet.png',
  'exports/2025-2/interpolation.gif',
  'checkpoints/run-1/samples/step-0000010.png',
  'checkpoints/run-1/model.json',
  'checkpoints/run-1/weights.bin',
  'checkpoints/run-1/preview.png',
  'cache/set-32.png',
  'assets/ab/notes.txt',
];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'atelier-files-'));
  project = join(root, 'p');
  for (const f of FILES) {
    mkdirSync(join(project, f, '..'), { recursive: true });
    writeFileSync(join(project, f), f);
  }
  writeFileSync(join(root, 'outside.png'), 'outside');
  mkdirSync(join(project, 'thumbs', 'folder.png'));
  // Links that try to lead out of a served folder.
  symlinkSync(join(project, 'atelier.db'), join(project, 'thumbs', 'ab', 'db.png'));
  symlinkSync('../../atelier.db-wal', join(project, 'assets', 'ab', 'wal.png'));
  symlinkSync(join(root, 'outside.png'), join(project, 'exports', 'outside.png'));
  symlinkSync(join(project, 'thumbs', 'ab', 'abcd.webp'), join(project, 'assets', 'ab', 'thumb.webp'));
  symlinkSync(join(project, 'atelier.db'), join(project, 'samples', 'generated', 'db-link'));
  // A run folder that is a link to the project root: only its samples/ would be served.
  symlinkSync(project, join(project, 'checkpoints', 'run-2'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('servableProjectFile', () => {
  it('serves the images of the folders the page shows', () => {
    for (const f of [
      'assets/ab/abcd.svg',
      'assets/ab/abcd.png',
      'thumbs/ab/abcd.webp',
      'samples/generated/2025-1-ck1/0001.png',
      'exports/2025-1/contact-sheet.png',
      'exports/2025-2/interpolation.gif',
      'checkpoints/run-1/samples/step-0000010.png',
    ]) {
      expect(servableProjectFile(project, f), f).toBe(join(project, f));
    }
  });

  it('never serves the database, its journal files, the lock, weights or the cache', () => {
    for (const f of [
      'atelier.db',
      'atelier.db-wal',
      'atelier.db-shm',
      '.atelier.lock',
      'checkpoints/run-1/model.json',
      'checkpoints/run-1/weights.bin',
      'checkpoints/run-1/preview.png',
      'cache/set-32.png',
      'assets/ab/notes.txt',
    ]) {
      expect(servableProjectFile(project, f), f).toBeNull();
    }
  });

  it('refuses dot segments, empty segments, backslashes, NUL, absolute paths and folders', () => {
    for (const f of [
      'assets/../atelier.db',
      'assets/ab/../../atelier.db',
      'thumbs/../assets/ab/abcd.png',
      './assets/ab/abcd.png',
      'assets//ab/abcd.png',
      'assets\\..\\atelier.db',
      'assets/ab/abcd.png\0.png',
      '/etc/passwd',
      `${project}/assets/ab/abcd.png`,
      'ASSETS/ab/abcd.png',
      'assets',
      'assets/',
      'thumbs/folder.png',
      'checkpoints/samples/x.png',
      'checkpoints/run-1/samples',
      '',
    ]) {
      expect(servableProjectFile(project, f), JSON.stringify(f)).toBeNull();
    }
  });

  it('follows no link out of the served folder it sits in', () => {
    expect(servableProjectFile(project, 'thumbs/ab/db.png')).toBeNull();
    expect(servableProjectFile(project, 'assets/ab/wal.png')).toBeNull();
    expect(servableProjectFile(project, 'exports/outside.png')).toBeNull();
    expect(servableProjectFile(project, 'assets/ab/thumb.webp')).toBeNull();
    expect(servableProjectFile(project, 'samples/generated/db-link')).toBeNull();
    expect(servableProjectFile(project, 'checkpoints/run-2/assets/ab/abcd.png')).toBeNull();
  });

  it('answers null for a file that does not exist', () => {
    expect(servableProjectFile(project, 'thumbs/ab/missing.webp')).toBeNull();
    expect(servableProjectFile(join(root, 'no-project'), 'thumbs/ab/abcd.webp')).toBeNull();
  });
});

describe('openProjectFile', () => {
  it('opens a servable file with its type and size from the descriptor', async () => {
    const opened = await openProjectFile(project, 'assets/ab/abcd.svg');
    expect(opened).not.toBeNull();
    expect(opened!.type).toBe('image/svg+xml');
    expect(opened!.size).toBe('assets/ab/abcd.svg'.length);
    const { bytesRead } = await opened!.handle.read(Buffer.alloc(64), 0, 64, 0);
    expect(bytesRead).toBe(opened!.size);
    await opened!.handle.close();
  });

  it('opens nothing the page may not have', async () => {
    expect(await openProjectFile(project, 'atelier.db')).toBeNull();
    expect(await openProjectFile(project, 'thumbs/ab/db.png')).toBeNull();
    expect(await openProjectFile(project, 'thumbs/folder.png')).toBeNull();
  });

  it('sends the same locked-down headers from both doors', () => {
    const headers = projectFileHeaders('image/svg+xml', 12);
    expect(headers['content-security-policy']).toBe(FILE_CSP);
    expect(FILE_CSP).toContain("default-src 'none'");
    expect(FILE_CSP.split(';').map((d) => d.trim())).toContain('sandbox');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['content-length']).toBe('12');
  });
});

describe('insideFolder', () => {
  it('keeps to the folder', () => {
    expect(insideFolder(project, 'assets/ab/abcd.png')).toBe(join(project, 'assets/ab/abcd.png'));
    expect(insideFolder(join(project, 'assets'), '../atelier.db')).toBeNull();
    expect(insideFolder(join(project, 'exports'), 'outside.png')).toBeNull();
    expect(insideFolder(project, 'x\0y')).toBeNull();
    expect(insideFolder(join(root, 'missing'), 'x')).toBeNull();
  });
});

describe('isAppPageUrl', () => {
  const rendererFile = pathToFileURL('/opt/Atelier/resources/app.asar/out/renderer/index.html').href;

  it('trusts the built renderer page, with any fragment or query', () => {
    const pages = { rendererFile, devUrl: null };
    expect(isAppPageUrl(rendererFile, pages)).toBe(true);
    expect(isAppPageUrl(`${rendererFile}#/generate`, pages)).toBe(true);
    expect(isAppPageUrl(`${rendererFile}?x=1`, pages)).toBe(true);
  });

  it('trusts no other file, origin or scheme', () => {
    const pages = { rendererFile, devUrl: null };
    for (const url of [
      'file:///tmp/evil.html',
      'file:///opt/Atelier/resources/app.asar/out/renderer/other.html',
      'file://host/opt/Atelier/resources/app.asar/out/renderer/index.html',
      'http://localhost:5173/',
      'https://example.com/index.html',
      'atelier-file://project/assets/ab/x.svg',
      'data:text/html,<script>1</script>',
      'about:blank',
      '',
      'not a url',
    ]) {
      expect(isAppPageUrl(url, pages), url).toBe(false);
    }
  });

  it('trusts the dev server only when the app runs from it', () => {
    const pages = { rendererFile, devUrl: 'http://localhost:5173' };
    expect(isAppPageUrl('http://localhost:5173/', pages)).toBe(true);
    expect(isAppPageUrl('http://localhost:5174/', pages)).toBe(false);
    expect(isAppPageUrl('http://127.0.0.1:5173/', pages)).toBe(false);
    expect(isAppPageUrl(rendererFile, pages)).toBe(true);
  });
});
