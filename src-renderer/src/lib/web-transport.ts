// The browser side of the headless studio: the same contract over HTTP and a
// WebSocket on 127.0.0.1. The launch link (`/?token=…`) is answered with a session
// cookie (for the page and its images only) and a redirect to `/#token=…`; the
// token is read from the fragment, which never reaches a server, and removed from
// the address bar at once. It then lives in memory (and in this tab's
// sessionStorage, which only this origin — this studio's port — can read, so a
// reload keeps working) and goes out only to this studio: as the x-atelier-token
// header of every API call and as a subprotocol of the event socket.
import { ApiError, type Transport } from '../../../src-preload/api';
import { isEventName, type EventName, type OpName } from '../../../src-preload/contract';

const STORAGE_KEY = 'atelier-token';
/** What a person does when this page's token is not (or no longer) the studio's. */
export const GET_BACK_IN = 'Open the address `atelier studio` printed when it started (a restarted studio prints a new one).';

/**
 * The event socket's state, which the connection banner shows:
 *  - `connecting`: the first connection is being made;
 *  - `live`: the socket is open, events arrive;
 *  - `down`: the studio is not reachable (stopped, or the machine is busy); retrying;
 *  - `stale`: the studio answers but refuses this page's token (it was restarted with a new one, or there is none).
 */
export type ConnectionState = 'connecting' | 'live' | 'down' | 'stale';
type ConnectionListener = (state: ConnectionState, retryInMs: number | null) => void;
const connectionListeners = new Set<ConnectionListener>();
let connectionState: ConnectionState = 'connecting';
let connectionRetry: number | null = null;
function setConnection(state: ConnectionState, retryInMs: number | null = null): void {
  connectionState = state;
  connectionRetry = retryInMs;
  for (const listener of connectionListeners) listener(state, retryInMs);
}
/** Calls `listener` with the current state at once and on every change; returns the unsubscribe. */
export function onConnection(listener: ConnectionListener): () => void {
  connectionListeners.add(listener);
  listener(connectionState, connectionRetry);
  return () => connectionListeners.delete(listener);
}
/** Checks again now instead of at the next retry (the banner's "Retry now"). */
let retryNow: (() => void) | null = null;
export function reconnectNow(): void {
  retryNow?.();
}
const WS_PROTOCOL = 'atelier';
const WS_TOKEN_PREFIX = 'atelier-token.';

/** The launch token: from the fragment of the launch redirect (then stripped), else what this tab kept. */
export function takeLaunchToken(): string | null {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromLink = fragment.get('token');
  if (fromLink) {
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    try {
      sessionStorage.setItem(STORAGE_KEY, fromLink);
    } catch {
      /* storage off: the token still lives in memory until the tab reloads */
    }
    return fromLink;
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Where this page's uploads go, set by webTransport (null in the desktop app, which imports by path). */
let uploadDoor: { base: URL; token: string | null } | null = null;

/** True when files picked or dropped in this page can be uploaded to the studio (a browser; never the desktop app). */
export const canUpload = (): boolean => uploadDoor !== null;

export interface UploadFileOptions {
  /** Bytes of this file sent so far. */
  onProgress?(sent: number): void;
  signal?: AbortSignal;
}

/**
 * Sends one file of an upload (uploads:begin declared it) to POST /upload/<id>, with the same
 * token as every API call; XMLHttpRequest, because fetch does not report upload progress.
 * Rejects with the studio's own message, which names the file.
 */
export function uploadFile(uploadId: string, name: string, file: Blob, options: UploadFileOptions = {}): Promise<void> {
  const door = uploadDoor;
  if (!door) return Promise.reject(new ApiError('unsupported', 'Uploads go to the headless studio only; the desktop app imports files by their path.'));
  if (!door.token) return Promise.reject(new ApiError('unauthorized', `This page has no studio token. ${GET_BACK_IN}`));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', new URL(`/upload/${encodeURIComponent(uploadId)}`, door.base).href);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('x-atelier-token', door.token!);
    xhr.setRequestHeader('x-atelier-file', encodeURIComponent(name));
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded);
    xhr.onload = () => {
      if (xhr.status === 401) setConnection('stale');
      const body = readAnswer(xhr.responseText);
      if (xhr.status === 200 && body?.ok) return resolve();
      reject(
        body?.error
          ? new ApiError(body.error.code, body.error.message)
          : new ApiError('bad-response', `${name} could not be uploaded: the studio answered ${xhr.status}.`),
      );
    };
    xhr.onerror = () => reject(new ApiError('offline', `${name} could not be uploaded: the studio is not reachable. Is \`atelier studio\` still running?`));
    xhr.onabort = () => reject(new ApiError('cancelled', 'The upload was cancelled.'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    if (options.signal?.aborted) return xhr.abort();
    xhr.send(file);
  });
}

/** A studio answer's body, or null when it is not one. */
function readAnswer(text: string): { ok: boolean; error?: { code: string; message: string } } | null {
  try {
    return JSON.parse(text) as { ok: boolean; error?: { code: string; message: string } };
  } catch {
    return null;
  }
}

export function webTransport(base: URL = new URL(location.href), token: string | null = takeLaunchToken()): Transport {
  const noToken = () => new ApiError('unauthorized', `This page has no studio token. ${GET_BACK_IN}`);
  if (!token) setConnection('stale');
  uploadDoor = { base, token };
  return {
    kind: 'web',
    async invoke(name: OpName, input: unknown) {
      if (!token) throw noToken();
      let response: Response;
      try {
        response = await fetch(new URL(`/api/${name}`, base), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-atelier-token': token },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
      } catch {
        throw new ApiError('offline', 'The studio is not reachable. Is `atelier studio` still running?');
      }
      if (response.status === 401) setConnection('stale');
      const body = (await response.json().catch(() => null)) as { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } } | null;
      if (!body) throw new ApiError('bad-response', `The studio answered ${response.status} without a readable body.`);
      if (!body.ok) throw new ApiError(body.error.code, body.error.message);
      return body.result;
    },
    subscribe(listener: (event: EventName, payload: unknown) => void) {
      let socket: WebSocket | null = null;
      let closed = false;
      let retry = 500;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const schedule = (state: ConnectionState) => {
        if (closed) return;
        setConnection(state, retry);
        timer = setTimeout(attempt, retry);
        retry = Math.min(retry * 2, 5000);
      };
      // A browser hides why a WebSocket handshake failed: one plain API call tells a stopped
      // studio (no answer) from one that refuses this token (401) before the socket is tried again.
      const probe = async (): Promise<'up' | 'down' | 'stale'> => {
        try {
          const response = await fetch(new URL('/api/app:info', base), {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-atelier-token': token ?? '' },
            body: '{}',
            credentials: 'same-origin',
            cache: 'no-store',
          });
          return response.status === 401 ? 'stale' : 'up';
        } catch {
          return 'down';
        }
      };
      const attempt = async () => {
        timer = null;
        if (closed) return;
        const state = await probe();
        if (closed) return;
        if (state === 'up') connect();
        else schedule(state);
      };
      retryNow = () => {
        if (timer === null || closed) return;
        clearTimeout(timer);
        retry = 500;
        void attempt();
      };
      const connect = () => {
        if (!token) return setConnection('stale');
        const url = new URL('/events', base);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        // Browsers cannot set headers on a WebSocket: the token rides as a second subprotocol.
        const current = new WebSocket(url, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${token}`]);
        socket = current;
        current.onopen = () => {
          retry = 500;
          setConnection('live');
        };
        current.onmessage = (message) => {
          const data = JSON.parse(String(message.data)) as { event: unknown; payload: unknown };
          if (isEventName(data.event)) listener(data.event, data.payload);
        };
        // Shown at once: whatever the page showed as running is no longer known to be true.
        current.onclose = () => {
          if (closed || socket !== current) return;
          socket = null;
          schedule('down');
        };
      };
      connect();
      return () => {
        closed = true;
        if (timer !== null) clearTimeout(timer);
        socket?.close();
      };
    },
    fileUrl(projectFile: string) {
      return new URL(`/files/${projectFile.split('/').map(encodeURIComponent).join('/')}`, base).pathname;
    },
  };
}
