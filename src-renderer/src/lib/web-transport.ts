// The browser side of the headless studio: the same contract over HTTP and a
// WebSocket on 127.0.0.1. The launch token arrives once in the URL; the server
// answers it with a same-site cookie that every later request carries.
import { ApiError, type Transport } from '../../../src-preload/api';
import { isEventName, type EventName, type OpName } from '../../../src-preload/contract';

export function webTransport(base: URL = new URL(location.href)): Transport {
  return {
    kind: 'web',
    async invoke(name: OpName, input: unknown) {
      let response: Response;
      try {
        response = await fetch(new URL(`/api/${name}`, base), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
      } catch {
        throw new ApiError('offline', 'The studio is not reachable. Is `atelier studio` still running?');
      }
      const body = (await response.json().catch(() => null)) as
        | { ok: true; result: unknown }
        | { ok: false; error: { code: string; message: string } }
        | null;
      if (!body) throw new ApiError('bad-response', `The studio answered ${response.status} without a readable body.`);
      if (!body.ok) throw new ApiError(body.error.code, body.error.message);
      return body.result;
    },
    subscribe(listener: (event: EventName, payload: unknown) => void) {
      let socket: WebSocket | null = null;
      let closed = false;
      let retry = 250;
      const connect = () => {
        const url = new URL('/events', base);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        socket = new WebSocket(url);
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
