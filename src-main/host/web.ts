// The headless studio: the renderer and the contract over HTTP + WebSocket on
// 127.0.0.1 only. Two secrets per launch:
//  - the token, printed in the launch URL (`/?token=…`). It authorises the API
//    (header `x-atelier-token`) and the event socket (subprotocol
//    `atelier-token.<token>`), and lives only in the page's memory (and the tab's
//    sessionStorage, so a reload keeps working).
//  - a session key in an HttpOnly, SameSite=Strict cookie named per port. It
//    authorises GETs only: the page, its scripts and /files/ images, which cannot
//    carry a header. Browsers send cookies to every port of 127.0.0.1, so the cookie
//    is never the token and never enough for the API.
// The first visit with `?token=` is answered by a 303 that sets the cookie and
// sends the page to `/#token=…`: the fragment never reaches a server, the page reads
// it and strips it from the address bar at once.
// Every POST and the socket must come from the studio's own origin; API bodies must
// be JSON. Project files come only from the folders the page shows (see files.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream';
import { WebSocketServer } from 'ws';
import { toErrorPayload } from '../errors';
import { insideFolder, openProjectFile, projectFileHeaders, type OpenedFile } from './files';
import type { Studio } from './studio';

const MAX_BODY = 1 << 20;
/** How much of an oversized body is read (and dropped) so the client gets its 413 before the connection closes. */
const MAX_DRAIN = 32 << 20;
/** The subprotocol the event socket speaks, and the prefix of the one that carries the token. */
const WS_PROTOCOL = 'atelier';
const WS_TOKEN_PREFIX = 'atelier-token.';
/** Every response that is not the page or a project file: nothing may run or load in it, nobody may frame it. */
const LOCKED_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";
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

/** The page's policy: its own scripts and styles, images from itself, and connections only back to this studio. */
export function pageCsp(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Replaces the launch token (as `token=…` and as itself) in a log line. */
export function redactToken(line: string, token?: string): string {
  let out = line.replace(/(token=)[^&#\s"'<>]+/gi, '$1[redacted]');
  if (token) out = out.split(token).join('[redacted]');
  return out;
}

export interface WebServerOptions {
  studio: Studio;
  rendererDir: string;
  port?: number;
  token?: string;
  log?: (line: string) => void;
}

export interface WebServer {
  /** The launch URL (with the token): open it once in a browser. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { studio, rendererDir } = options;
  const token = options.token ?? tokenFromEnvironment() ?? randomBytes(24).toString('base64url');
  // Derived one-way from the token: a studio restarted with the same token (ATELIER_STUDIO_TOKEN)
  // still honours the cookie of a page left open, and the cookie never reveals the token.
  const sessionKey = createHmac('sha256', token).update('atelier-session-cookie').digest('base64url');
  const rawLog = options.log ?? (() => {});
  const log = (line: string) => rawLog(redactToken(line, token));
  let port = 0;
  const cookieName = () => `atelier_session_${port}`;

  const isToken = (given: string | undefined | null) => given != null && safeEqual(given, token);
  const hasTokenHeader = (req: IncomingMessage) => isToken(header(req, 'x-atelier-token'));
  const hasSessionCookie = (req: IncomingMessage) => {
    const given = readCookie(req, cookieName());
    return given !== undefined && safeEqual(given, sessionKey);
  };

  const server = createServer((req, res) => serve(req, res));
  // A client that asks before sending a large body (Expect: 100-continue) hears 413 without sending it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > MAX_BODY && !req.url?.startsWith('/upload/')) {
      res.shouldKeepAlive = false;
      return tooLarge(res);
    }
    res.writeContinue();
    serve(req, res);
  });

  function serve(req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((error: unknown) => {
      log(`web: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'The studio failed to answer.' } });
      else res.destroy();
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', LOCKED_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!hostAllowed(req, port)) return sendError(res, 421, 'bad-host', 'The studio only answers on 127.0.0.1.');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendError(res, 400, 'bad-url', 'The request URL cannot be read.');
    }
    const path = decodePath(url.pathname);
    if (path === null) return sendError(res, 400, 'bad-url', 'The request URL has a malformed % escape.');

    // The launch URL: trade the token for the session cookie and hand it to the page in the
    // fragment. Always to `/` of this origin, whatever the path (`/.//host` must not become `//host`).
    const offered = url.searchParams.get('token');
    if ((req.method === 'GET' || req.method === 'HEAD') && offered !== null && isToken(offered)) {
      res.writeHead(303, {
        'Set-Cookie': `${cookieName()}=${sessionKey}; HttpOnly; SameSite=Strict; Path=/`,
        Location: `/#token=${token}`,
        'cache-control': 'no-store',
      });
      return void res.end();
    }

    if (url.pathname.startsWith('/api/')) return handleApi(req, res, path.slice('/api/'.length));
    if (url.pathname.startsWith('/upload/')) return handleUpload(req, res, path.slice('/upload/'.length));

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed.');
    if (!hasSessionCookie(req) && !hasTokenHeader(req)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end('Atelier studio: open the address `atelier studio` printed when it started (a restarted studio prints a new one).\n');
    }

    if (url.pathname.startsWith('/files/')) {
      const project = studio.project;
      if (!project) return sendText(res, 404, 'No project is open.');
      await studio.filesWritten(); // a Generate answers before its PNGs are on disk
      const file = await openProjectFile(project.dir, path.slice('/files/'.length));
      if (!file) return sendText(res, 404, 'Not found.');
      return sendOpened(req, res, file, { ...projectFileHeaders(file.type, file.size), 'cache-control': 'private, max-age=31536000, immutable' });
    }

    // The renderer's files; any other path is the page (it routes by the fragment).
    const asset = url.pathname === '/' || url.pathname === '/index.html' ? null : insideFolder(rendererDir, path.slice(1));
    const opened = asset ? await openRegular(asset) : null;
    if (!opened) return sendPage(req, res);
    return sendOpened(req, res, opened, {
      'content-type': TYPES[extname(asset!).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(opened.size),
      'cache-control': 'no-cache',
    });
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!hasTokenHeader(req))
      return sendError(
        res,
        401,
        'unauthorized',
        'This request has no valid studio token (x-atelier-token): the studio may have been restarted with a new one. Open the address `atelier studio` printed when it started.',
      );
    if (req.method !== 'POST') return sendError(res, 405, 'method', 'Use POST for API calls.');
    if (!originAllowed(req, port)) return sendError(res, 403, 'bad-origin', 'API calls are only taken from the studio page itself.');
    if (mediaType(req) !== 'application/json') return sendError(res, 415, 'unsupported-media-type', 'API calls must send content-type: application/json.');
    const body = await readBody(req);
    if (body.tooLarge) {
      if (body.incomplete) res.shouldKeepAlive = false;
      return tooLarge(res, body.incomplete ? req : undefined);
    }
    let input: unknown;
    try {
      input = body.text.length === 0 ? {} : JSON.parse(body.text);
    } catch (error) {
      return sendError(res, 400, 'invalid-input', `${name}: the request body is not JSON (${(error as Error).message}).`);
    }
    const result = await studio.router.call(name, input);
    return sendJson(res, result.ok ? 200 : statusFor(result.error.code), result);
  }

  /**
   * One file of a browser's upload (uploads:begin declared it): the same doors as the API
   * (token header, the studio's own origin, POST), the file's path in `x-atelier-file`
   * (percent-encoded), its bytes as application/octet-stream, streamed to the staging folder.
   */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, uploadId: string): Promise<void> {
    const refuse = (status: number, code: string, message: string) => {
      // What the page still sends is read and dropped (up to MAX_DRAIN) so it hears the answer.
      if (req.readableEnded) return sendError(res, status, code, message);
      res.shouldKeepAlive = false;
      let drained = 0;
      const answer = () => sendError(res, status, code, message);
      req.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > MAX_DRAIN) {
          req.pause();
          answer();
          res.once('finish', () => req.socket.destroy());
        }
      });
      req.on('end', () => {
        if (!res.headersSent) answer();
      });
      req.resume();
    };
    if (!hasTokenHeader(req))
      return refuse(401, 'unauthorized', 'This upload has no valid studio token (x-atelier-token). Open the address `atelier studio` printed when it started.');
    if (req.method !== 'POST') return refuse(405, 'method', 'Use POST to upload a file.');
    if (!originAllowed(req, port)) return refuse(403, 'bad-origin', 'Uploads are only taken from the studio page itself.');
    if (mediaType(req) !== 'application/octet-stream')
      return refuse(415, 'unsupported-media-type', 'Uploads must send content-type: application/octet-stream.');
    if (!/^[0-9a-f]{24}$/.test(uploadId)) return refuse(404, 'not-found', 'There is no such upload.');
    let name: string;
    try {
      name = decodeURIComponent(header(req, 'x-atelier-file') ?? '');
    } catch {
      return refuse(400, 'invalid-input', 'The x-atelier-file header is not a percent-encoded path.');
    }
    try {
      const { bytes } = await studio.uploads.receive(uploadId, name, req);
      return sendJson(res, 200, { ok: true, result: { name, bytes } });
    } catch (error) {
      const { code, message } = toErrorPayload(error);
      return refuse(code === 'too-large' ? 413 : statusFor(code), code, message);
    }
  }

  async function sendPage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const index = join(rendererDir, 'index.html');
    let html: string;
    try {
      html = await readFile(index, 'utf8');
    } catch {
      return sendText(res, 500, `The renderer is not built (${index} is missing). Run \`npm run build\` first.`);
    }
    // The page's <meta> policy is the desktop app's (file://); here the header below is the policy.
    html = html.replace(/<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>\s*/i, '');
    const bytes = Buffer.from(html);
    res.writeHead(200, {
      'content-type': TYPES['.html']!,
      'content-length': bytes.length,
      'cache-control': 'no-store',
      'content-security-policy': pageCsp(port),
      'cross-origin-opener-policy': 'same-origin',
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: string) => {
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('error', () => socket.destroy());
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    } catch {
      return refuse('400 Bad Request');
    }
    if (!hostAllowed(req, port)) return refuse('421 Misdirected Request');
    if (pathname !== '/events') return refuse('404 Not Found');
    if (!originAllowed(req, port)) return refuse('403 Forbidden');
    const offered = (header(req, 'sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
    const given = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length);
    if (!offered.includes(WS_PROTOCOL) || !isToken(given)) return refuse('401 Unauthorized');
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const unsubscribe = studio.router.subscribe((event, payload) => ws.send(JSON.stringify({ event, payload })));
      ws.on('close', unsubscribe);
      ws.on('error', () => ws.terminate());
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
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

/**
 * A launch token fixed by ATELIER_STUDIO_TOKEN, so a studio restarted with it is the
 * same studio to the pages still open (they reconnect by themselves). It must be as hard
 * to guess as a generated one: at least 32 URL-safe characters.
 */
export function tokenFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env.ATELIER_STUDIO_TOKEN;
  if (given === undefined || given === '') return null;
  if (!/^[A-Za-z0-9_-]{32,}$/.test(given))
    throw new Error('ATELIER_STUDIO_TOKEN must be at least 32 characters of A–Z, a–z, 0–9, "-" and "_" (or unset, for a new token each start).');
  return given;
}

function safeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** The request comes from a page of this studio (browsers always send Origin on POST and on a WebSocket). */
function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = header(req, 'origin');
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

function mediaType(req: IncomingMessage): string {
  return (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function decodePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

type Body = { tooLarge: false; text: string } | { tooLarge: true; incomplete: boolean };

/**
 * The request body as text, at most MAX_BODY bytes. A larger one is read to its end
 * and dropped (up to MAX_DRAIN), so the 413 reaches a client that is still sending
 * instead of a reset connection.
 */
function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = Number(req.headers['content-length']) > MAX_BODY ? MAX_BODY + 1 : 0;
    let settled = false;
    const settle = (body: Body) => {
      if (settled) return;
      settled = true;
      resolveBody(body);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
      else if (size > MAX_DRAIN) {
        req.pause();
        settle({ tooLarge: true, incomplete: true });
      }
    });
    req.on('end', () => settle(size > MAX_BODY ? { tooLarge: true, incomplete: false } : { tooLarge: false, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', (error) => (settled ? undefined : reject(error)));
  });
}

function tooLarge(res: ServerResponse, unread?: IncomingMessage): void {
  sendError(res, 413, 'too-large', `The request body is larger than ${MAX_BODY} bytes.`);
  // The rest of a body too large even to drain: close once the answer is written.
  if (unread) res.once('finish', () => unread.socket.destroy());
}

/** A regular file opened for reading (its size from the descriptor), or null. */
async function openRegular(file: string): Promise<OpenedFile | null> {
  try {
    const handle = await open(file, 'r');
    const stats = await handle.stat().catch(() => null);
    if (!stats?.isFile()) {
      await handle.close();
      return null;
    }
    return { handle, size: stats.size, type: '' };
  } catch {
    return null;
  }
}

/**
 * Streams an opened file. The stream owns the descriptor: it is closed when the file
 * has been sent, when reading fails, and when the client goes away mid-way.
 */
function sendOpened(req: IncomingMessage, res: ServerResponse, file: OpenedFile, headers: Record<string, string>): void {
  res.writeHead(200, headers);
  if (req.method === 'HEAD' || file.size === 0) {
    void file.handle.close().catch(() => {});
    return void res.end();
  }
  const stream = createReadStream('', { fd: file.handle, start: 0, end: file.size - 1 });
  pipeline(stream, res, (error) => {
    if (error && error.code !== 'ERR_STREAM_PREMATURE_CLOSE') res.destroy();
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function statusFor(code: string): number {
  if (code === 'invalid-input' || code === 'unknown-operation') return 400;
  if (code === 'not-found') return 404;
  if (code === 'internal') return 500;
  return 409;
}
