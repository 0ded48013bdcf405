// Thousands of malformed (and some valid) payloads for every contract operation,
// through the router and through the web adapter. Every answer is a clean
// `{ ok, error: { code, message } }` naming the operation, never an internal error,
// never a crash; the project database stays intact. Seeded: ATELIER_FUZZ_SEED=n
// replays a run (the seed is printed in every failure).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, opNames, type OpName } from '../../../src-preload/contract';
import { forkLauncher } from '../../../src-main/host/jobs';
import { createStudio, type Studio } from '../../../src-main/host/studio';
import { startWebServer, type WebServer } from '../../../src-main/host/web';
import { brokenFor, jsonSchemaOf, junk, seeded, validFor, type Rng } from './payloads';

const JOB_PROCESS = fileURLToPath(new URL('../../../src-main/host/job-process.ts', import.meta.url));
const SEED = Number(process.env.ATELIER_FUZZ_SEED ?? 20261203);
const PER_OP_ROUTER = 100;
const PER_OP_WEB = 30;

/**
 * Operations that act outside the project (create or open folders, read paths, start
 * training, write files to a chosen folder): the fuzzer sends them only payloads the
 * contract refuses, so a run never imports `/` or trains for an hour.
 */
const OUTSIDE = new Set<OpName>([
  'project:create',
  'project:open',
  'assets:import',
  'checkpoints:import',
  'runs:start',
  'runs:sweep',
  'runs:estimate', // times real training steps when the speed is not known
  'generations:export',
  'generations:animate',
  'bundles:export',
  'bundles:inspect',
  'bundles:open',
  'models:exportWeb',
  'backend:choose', // the workstation's backend, for every studio and test on it (and a start of WebGPU or the cpu backend)
]);

let root: string;
let studio: Studio;
let web: WebServer;
const logged: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'atelier-fuzz-'));
  const art = join(root, 'art');
  for (const [folder, colour] of [
    ['red', '#dc1e1e'],
    ['blue', '#1e3cdc'],
  ] as const) {
    mkdirSync(join(art, folder), { recursive: true });
    for (let i = 0; i < 3; i++) {
      await sharp({ create: { width: 32, height: 32, channels: 3, background: colour } })
        .composite([{ input: Buffer.from(`<svg width="32" height="32"><circle cx="${8 + i * 8}" cy="16" r="6" fill="#fff"/></svg>`) }])
        .png()
        .toFile(join(art, folder, `${i}.png`));
    }
  }
  studio = createStudio({ launchJob: forkLauncher(JOB_PROCESS), log: (line) => logged.push(line), projectsRoot: join(root, 'projects') });
  await studio.createProject(join(root, 'projects', 'p'));
  const imported = await studio.router.call('assets:import', { paths: [art], tagsFromFolders: true });
  expect(imported).toMatchObject({ ok: true, result: { imported: 6 } });
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Atelier</title>');
  web = await startWebServer({ studio, rendererDir });
}, 60_000);

afterAll(async () => {
  await web?.close();
  studio?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The payloads one operation gets: valid ones only where it stays inside the project. */
function payloadsFor(name: OpName, rng: Rng, count: number, jsonOnly: boolean): unknown[] {
  const schema = jsonSchemaOf(operations[name].input);
  const out: unknown[] = [];
  while (out.length < count) {
    const roll = rng();
    let payload = roll < 0.1 ? junk(rng, jsonOnly) : roll < 0.3 ? validFor(schema, schema, rng) : brokenFor(schema, schema, rng, jsonOnly);
    if (jsonOnly) payload = JSON.parse(JSON.stringify(payload) ?? 'null'); // what the server will parse
    if (OUTSIDE.has(name) && operations[name].input.safeParse(payload).success) payload = { ...(payload as object), unexpected: true };
    out.push(payload);
  }
  return out;
}

type Answer = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

function checkAnswer(name: string, payload: unknown, answer: Answer, where: string): void {
  const context = `${where} ${name} (seed ${SEED}) with ${preview(payload)}`;
  expect(answer, context).toBeTypeOf('object');
  if (answer.ok) return;
  expect(answer.error.code, context).toMatch(/^[a-z][a-z-]+$/);
  expect(answer.error.code, `${context}: ${answer.error.message}`).not.toBe('internal');
  expect(answer.error.message.length, context).toBeGreaterThan(0);
  expect(answer.error.message.length, context).toBeLessThan(2000);
  expect(answer.error.message, context).not.toMatch(/\n\s+at /); // no stack traces for people
  const valid = name in operations && operations[name as OpName].input.safeParse(payload === undefined ? {} : payload).success;
  if (!valid && name in operations) {
    expect(answer.error.code, context).toBe('invalid-input');
    expect(answer.error.message, context).toContain(name);
  }
}

function preview(payload: unknown): string {
  try {
    const text = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    return text === undefined ? String(payload) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return Object.prototype.toString.call(payload);
  }
}

describe('contract fuzz', () => {
  it(`the router answers ${PER_OP_ROUTER} seeded payloads per operation cleanly`, async () => {
    const rng = seeded(SEED);
    let calls = 0;
    let reachedHandlers = 0;
    for (const name of opNames) {
      for (const payload of payloadsFor(name, rng, PER_OP_ROUTER, false)) {
        const answer = (await studio.router.call(name, payload)) as Answer;
        checkAnswer(name, payload, answer, 'router');
        if (answer.ok || answer.error.code !== 'invalid-input') reachedHandlers++;
        calls++;
      }
    }
    // Names that are not operations, including the prototype's own.
    for (const name of [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'assets:list ',
      'ASSETS:LIST',
      '',
      42,
      null,
      {},
      ['assets:list'],
      undefined,
    ]) {
      const answer = (await studio.router.call(name, {})) as Answer;
      expect(answer, preview(name)).toMatchObject({ ok: false, error: { code: 'unknown-operation' } });
      calls++;
    }
    expect(calls).toBeGreaterThan(3000);
    // The valid share must really reach the services, or the suite only tests zod.
    expect(reachedHandlers).toBeGreaterThan(300);
    expect(
      logged.filter((l) => /failed:|breaks the contract/.test(l)),
      'engine errors logged while fuzzing',
    ).toEqual([]);
  }, 120_000);

  it(`the web adapter answers ${PER_OP_WEB} seeded payloads per operation and raw junk with the right status`, async () => {
    const rng = seeded(SEED + 1);
    const base = `http://127.0.0.1:${web.port}`;
    const headers = { 'x-atelier-token': web.token, 'content-type': 'application/json', origin: base };
    let calls = 0;
    for (const name of opNames) {
      for (const payload of payloadsFor(name, rng, PER_OP_WEB, true)) {
        const body = JSON.stringify(payload) ?? '';
        const response = await fetch(`${base}/api/${name}`, { method: 'POST', headers, body });
        const answer = (await response.json()) as Answer;
        checkAnswer(name, body === '' ? {} : JSON.parse(body), answer, 'web');
        expect(response.status, `${name} ${preview(payload)}`).not.toBe(500);
        if (answer.ok) expect(response.status).toBe(200);
        else if (answer.error.code === 'invalid-input') expect(response.status).toBe(400);
        else if (answer.error.code === 'not-found') expect(response.status).toBe(404);
        calls++;
      }
    }
    // Bodies that are not JSON objects at all, names that are not operations.
    const raw: { path: string; body: string | Blob; status: number[] }[] = [
      { path: '/api/assets:list', body: '{"limit": 1', status: [400] },
      { path: '/api/assets:list', body: new Blob([Uint8Array.from({ length: 512 }, () => Math.floor(rng() * 256))]), status: [400] },
      { path: '/api/assets:list', body: 'null', status: [400] },
      { path: '/api/assets:list', body: '[]', status: [400] },
      { path: '/api/assets:list', body: '1e999999', status: [400] },
      { path: '/api/assets:list', body: '['.repeat(100_000), status: [400] },
      { path: '/api/assets:list', body: 'x'.repeat(2 << 20), status: [413] },
      { path: '/api/__proto__', body: '{}', status: [400] },
      { path: '/api/constructor', body: '{}', status: [400] },
      { path: '/api/%E0%A4%A', body: '{}', status: [400] },
      { path: '/api/assets%3Alist%00', body: '{}', status: [400] },
    ];
    for (const r of raw) {
      const response = await fetch(`${base}${r.path}`, { method: 'POST', headers, body: r.body });
      expect(r.status, `${r.path} with ${preview(typeof r.body === 'string' ? r.body.slice(0, 40) : '[bytes]')}`).toContain(response.status);
      const answer = (await response.json()) as Answer;
      expect(answer.ok).toBe(false);
      calls++;
    }
    expect(calls).toBeGreaterThan(800);
    const info = await fetch(`${base}/api/app:info`, { method: 'POST', headers, body: '{}' });
    expect(info.status).toBe(200);
  }, 120_000);

  it('leaves the project database intact', () => {
    const db = studio.project!.db;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(studio.project!.summary().assetCount).toBe(6);
  });
});
