// The typed API both the Electron preload and the browser build from the
// contract: `api.assets.list({...})` for `assets:list`, `api.on('job:progress', cb)`
// for events. Components never see a channel name.
import { opNames, type EventName, type EventPayload, type OpInput, type OpName, type OpOutput } from './contract';

type DomainOf<N> = N extends `${infer D}:${string}` ? D : never;
type Domain = DomainOf<OpName>;

export type Api = {
  [D in Domain]: {
    [N in OpName as N extends `${D}:${infer A}` ? A : never]: (input?: OpInput<N>) => Promise<OpOutput<N>>;
  };
} & {
  /** Subscribe to an engine event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** A URL the page can load for a file inside the open project (thumbnails, samples). */
  fileUrl(projectFile: string): string;
  /** The path of a file dropped on the window (desktop app only; null in a browser, which does not reveal paths). */
  pathForFile(file: File): string | null;
  /** Which adapter serves this API. */
  readonly transport: 'electron' | 'web';
};

/** What an adapter must provide: one way to call, one way to listen. */
export interface Transport {
  kind: 'electron' | 'web';
  invoke(name: OpName, input: unknown): Promise<unknown>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  fileUrl(projectFile: string): string;
  pathForFile?(file: File): string | null;
}

/** An error that crossed from the engine: a code a program can branch on, a message a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function buildApi(transport: Transport): Api {
  const api: Record<string, unknown> = {};
  for (const name of opNames) {
    const [domain, action] = name.split(':') as [string, string];
    const group = (api[domain] ??= {}) as Record<string, unknown>;
    group[action] = (input?: unknown) => transport.invoke(name, input ?? {});
  }
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let unsubscribeTransport: (() => void) | null = null;
  api.on = (event: EventName, listener: (payload: never) => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    unsubscribeTransport ??= transport.subscribe((name, payload) => {
      for (const l of listeners.get(name) ?? []) l(payload as never);
    });
    return () => {
      set.delete(listener);
    };
  };
  api.fileUrl = (file: string) => transport.fileUrl(file);
  api.pathForFile = (file: File) => transport.pathForFile?.(file) ?? null;
  Object.defineProperty(api, 'transport', { value: transport.kind, enumerable: true });
  return api as unknown as Api;
}
