// Where the renderer gets its typed API. In Electron the preload has already built
// it and exposed it as `window.atelier`; in a browser (the headless studio) it is
// built here over HTTP + WebSocket. Every rejected call is also reported to the
// toast stack, unless the caller shows the error itself (`quietApi`).
import { buildApi, type Api } from '../../../src-preload/api';
import { webTransport } from './web-transport';

declare global {
  interface Window {
    atelier?: Api;
  }
}

/** The API as the transport gives it: errors reach only the caller. */
export const quietApi: Api = window.atelier ?? buildApi(webTransport());

type ErrorReporter = (error: unknown) => void;
let reporter: ErrorReporter = () => {};

/** Called once by the toast stack: every rejected call through `api` goes there. */
export function reportErrorsTo(report: ErrorReporter): void {
  reporter = report;
}

function reporting(raw: Api): Api {
  const wrapped: Record<string, unknown> = {};
  for (const [domain, group] of Object.entries(raw)) {
    if (typeof group !== 'object' || group === null) continue;
    const calls: Record<string, unknown> = {};
    for (const [action, fn] of Object.entries(group as Record<string, unknown>)) {
      if (typeof fn !== 'function') continue;
      calls[action] = (input?: unknown) =>
        (fn as (input?: unknown) => Promise<unknown>)(input).catch((error: unknown) => {
          reporter(error);
          throw error;
        });
    }
    wrapped[domain] = calls;
  }
  wrapped.on = raw.on.bind(raw);
  wrapped.fileUrl = raw.fileUrl.bind(raw);
  wrapped.pathForFile = raw.pathForFile.bind(raw);
  wrapped.transport = raw.transport;
  return wrapped as unknown as Api;
}

/** The API components use: a rejected call also raises a toast. */
export const api: Api = reporting(quietApi);

// Reading a thrown error lives beside, free of the window, so state managers and their specs use it too.
export { errorMessage, isApiError } from './errors';
