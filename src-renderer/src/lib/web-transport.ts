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

export function webTransport(base: URL = new URL(location.href), token: string | null = takeLaunchToken()): Transport {
  const noToken = () => new ApiError('unauthorized', 'This page has no studio token. Open the link `atelier studio` printed when it started.');
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
      const body = (await response.json().catch(() => null)) as { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } } | null;
      if (!body) throw new ApiError('bad-response', `The studio answered ${response.status} without a readable body.`);
      if (!body.ok) throw new ApiError(body.error.code, body.error.message);
      return body.result;
    },
    subscribe(listener: (event: EventName, payload: unknown) => void) {
      let socket: WebSocket | null = null;
      let closed = false;
      let retry = 250;
      const connect = () => {
        if (!token) return;
        const url = new URL('/events', base);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        // Browsers cannot set headers on a WebSocket: the token rides as a second subprotocol.
        socket = new WebSocket(url, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${token}`]);
        socket.onopen = () => (retry = 250);
        socket.onmessage = (message) => {
          const data = JSON.parse(String(message.data)) as { event: unknown; payload: unknown };
          if (isEventName(data.event)) listener(data.event, data.payload);
        };
        socket.onclose = () => {
          if (closed) return;
          setTimeout(connect, retry);
          retry = Math.min(retry * 2, 5000);
        };
      };
      connect();
      return () => {
        closed = true;
        socket?.close();
      };
    },
    fileUrl(projectFile: string) {
      return new URL(`/files/${projectFile.split('/').map(encodeURIComponent).join('/')}`, base).pathname;
    },
  };
}
