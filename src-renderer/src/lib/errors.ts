// What the page says about a thrown error: a sentence a person can act on, and whether the
// engine sent it (so a safety net does not report it twice), and an API whose failures are
// reported. No window, no transport.
import { ApiError, type Api } from '../../../src-preload/api';

/** A sentence a person can act on, from whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error.message; // An ApiError that crossed the Electron context bridge arrives as a plain object.
  }
  return String(error);
}

/** True when an error has already been reported by `api` (so a safety net does not toast it twice). */
export function isApiError(error: unknown): boolean {
  return error instanceof ApiError || (typeof error === 'object' && error !== null && 'code' in error && 'message' in error);
}

/** The same API, each rejected call also handed to `report` (lib/api.ts wires it to the toasts). */
export function reportingApi(raw: Api, report: (error: unknown) => void): Api {
  const wrapped: Record<string, unknown> = {};
  for (const [domain, group] of Object.entries(raw)) {
    if (typeof group !== 'object' || group === null) continue;
    const calls: Record<string, unknown> = {};
    for (const [action, fn] of Object.entries(group as Record<string, unknown>)) {
      if (typeof fn !== 'function') continue;
      calls[action] = (input?: unknown) =>
        (fn as (input?: unknown) => Promise<unknown>)(input).catch((error: unknown) => {
          report(error);
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
