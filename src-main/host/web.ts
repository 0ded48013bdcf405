// The headless studio: the renderer and the contract over HTTP + WebSocket on
// 127.0.0.1 only. A random token per launch is printed in the URL; the first
// visit trades it for a same-site cookie, and nothing is served without one.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { WebSocketServer } from 'ws';
import { insideFolder } from './files';
import type { Studio } from './studio';

const COOKIE = 'atelier_token';
const MAX_BODY = 1 << 20;
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface WebServerOptions {
  studio: Studio;
  rendererDir: string;
  port?: number;
  token?: string;
  log?: (line: string) => void;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { studio, rendererDir } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const log = options.log ?? (() => {});

  const authorized = (req: IncomingMessage): boolean => {
    const given = (req.headers['x-atelier-token'] as string | undefined) ?? readCookie(req, COOKIE);
    if (!given) return false;
    const bytes = Buffer.from(given);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`web: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'The studio failed to answer.' } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostAllowed(req, port)) return sendJson(res, 421, { ok: false, error: { code: 'bad-host', message: 'The studio only answers on 127.0.0.1.' } });

    const offered = url.searchParams.get('token');
    if (req.method === 'GET' && offered !== null) {
      const bytes = Buffer.from(offered);
      if (bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes)) {
        url.searchParams.delete('token');
        res.writeHead(303, {
          'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          Location: url.pathname + url.search,
        });
        return void res.end();
      }
    }
    if (!authorized(req)) {
      if (url.pathname.startsWith('/api/')) {
        return sendJson(res, 401, { ok: false, error: { code: 'unauthorized', message: 'This request has no valid studio token.' } });
      }
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Atelier studio: open the link with the token that was printed when the studio started.\n');
    }

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'method', message: 'Use POST for API calls.' } });
      const name = decodeURIComponent(url.pathname.slice('/api/'.length));
      let input: unknown;
      try {
        const body = await readBody(req);
        input = body.length === 0 ? {} : JSON.parse(body);
      } catch (error) {
        return sendJson(res, 400, { ok: false, error: { code: 'invalid-input', message: `${name}: the request body is not JSON (${(error as Error).message}).` } });
      }
      const result = await studio.router.call(name, input);
      return sendJson(res, result.ok ? 200 : statusFor(result.error.code), result);
    }

    if (url.pathname.startsWith('/files/')) {
      const project = studio.project;
      if (!project) return sendText(res, 404, 'No project is open.');
      const file = insideFolder(project.dir, decodeURIComponent(url.pathname.slice('/files/'.length)));
      if (!file) return sendText(res, 404, 'Not found.');
      await studio.filesWritten(); // a Generate answers before its PNGs are on disk
      return sendFile(res, file, 'private, max-age=31536000, immutable');
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed.');
    const asset = url.pathname === '/' ? null : insideFolder(rendererDir, url.pathname.slice(1));
    const index = join(rendererDir, 'index.html');
    if (!asset && !existsSync(index)) {
      return sendText(res, 500, `The renderer is not built (${index} is missing). Run \`npm run build\` first.`);
    }
    res.setHeader('Content-Security-Policy', CSP);
    return sendFile(res, asset ?? index, asset ? 'no-cache' : 'no-store');
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/events' || !authorized(req) || !hostAllowed(req, port)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const unsubscribe = studio.router.subscribe((event, payload) => ws.send(JSON.stringify({ event, payload })));
      ws.on('close', unsubscribe);
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        for (const ws of sockets.clients) ws.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error(`larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendFile(res: ServerResponse, file: string, cache: string): void {
  res.writeHead(200, {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    'cache-control': cache,
  });
  createReadStream(file).pipe(res);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function statusFor(code: string): number {
  if (code === 'invalid-input' || code === 'unknown-operation') return 400;
  if (code === 'not-found') return 404;
  if (code === 'internal') return 500;
  return 409;
}
