// The router binds every contract operation to a service. Input from any adapter
// (Electron IPC, HTTP, CLI) is validated against the contract before a service
// sees it; every failure leaves as `{ code, message }`.
import type { z } from 'zod';
import { events, isOpName, operations, type EventName, type EventPayload, type OpName, type OpOutput, type OpParsedInput } from '../../src-preload/contract';
import { AtelierError, toErrorPayload } from '../errors';

export type Handlers = {
  [N in OpName]: (input: OpParsedInput<N>) => Promise<OpOutput<N>> | OpOutput<N>;
};

export type CallResult = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface Router {
  call(name: unknown, input: unknown): Promise<CallResult>;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  subscribe(listener: EventListener): () => void;
}

export function createRouter(handlers: Handlers, log: (line: string) => void = () => {}): Router {
  const listeners = new Set<EventListener>();
  return {
    async call(name, input) {
      if (!isOpName(name)) {
        return { ok: false, error: { code: 'unknown-operation', message: `There is no operation called ${JSON.stringify(name)}.` } };
      }
      const spec = operations[name];
      const parsed = spec.input.safeParse(input === undefined ? {} : input);
      if (!parsed.success) return { ok: false, error: { code: 'invalid-input', message: describeIssues(name, parsed.error) } };
      try {
        const handler = handlers[name] as (input: unknown) => unknown;
        const output = await handler(parsed.data);
        const checked = spec.output.safeParse(output);
        if (!checked.success) {
          log(`${name} returned output that breaks the contract: ${describeIssues(name, checked.error)}`);
          throw new AtelierError('internal', `${name} produced an unexpected answer; this is a bug in Atelier.`);
        }
        return { ok: true, result: checked.data };
      } catch (error) {
        // A bug (no code, or 'internal') reaches the log with its stack; a person's mistake does not.
        if (!(error instanceof AtelierError) || error.code === 'internal') log(`${name} failed: ${(error as Error)?.stack ?? String(error)}`);
        return { ok: false, error: toErrorPayload(error) };
      }
    },
    emit(event, payload) {
      const checked = events[event].safeParse(payload);
      if (!checked.success) {
        log(`event ${event} breaks the contract: ${describeIssues(event, checked.error)}`);
        return;
      }
      for (const listener of listeners) listener(event, checked.data as EventPayload<typeof event>);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** "runs:start: steps must be at least 1 (got 0); seed: expected a number" */
export function describeIssues(name: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length > 0 ? clip(issue.path.map(String).join('.'), 80) : 'input';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.slice(0, 5).map((k) => JSON.stringify(clip(k, 40)));
      const more = issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : '';
      return `${where}: unknown key${issue.keys.length === 1 ? '' : 's'} ${keys.join(', ')}${more}`;
    }
    return `${where}: ${clip(issue.message, 200)}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more problems)` : '';
  return `${clip(name, 80)} was given invalid input — ${parts.join('; ')}${more}`;
}

/** A message part never grows with what a caller sent: long text is cut with an ellipsis. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
