// A transport for specs: each operation answers from a handler (or fails with the error it
// throws), every call is recorded, and events can be pushed as the engine would.
import { ApiError, buildApi, type Api, type Transport } from '../../../src-preload/api';
import type { EventName, GenerationDetailT, GenerationT, OpInput, OpName, OpOutput } from '../../../src-preload/contract';

export type Handlers = { [N in OpName]?: (input: OpInput<N>) => OpOutput<N> | Promise<OpOutput<N>> };

export interface FakeTransport {
  api: Api;
  /** Every call, in order. */
  calls: { name: OpName; input: unknown }[];
  /** Replace or add handlers. */
  answer(more: Handlers): void;
  emit(event: EventName, payload: unknown): void;
}

export function fakeTransport(handlers: Handlers = {}): FakeTransport {
  const table: Handlers = { ...handlers };
  const calls: FakeTransport['calls'] = [];
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  const transport: Transport = {
    kind: 'web',
    async invoke(name, input) {
      calls.push({ name, input });
      const handler = table[name] as ((input: unknown) => unknown) | undefined;
      if (!handler) throw new ApiError('internal', `No fake answer for ${name}`);
      return handler(input);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    fileUrl: (file) => `/files/${file}`,
  };
  return {
    api: buildApi(transport),
    calls,
    answer: (more) => Object.assign(table, more),
    emit: (event, payload) => {
      for (const l of listeners) l(event, payload);
    },
  };
}

/** Let pending promise callbacks run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A generated image as the engine lists it. */
export function image(id: number, extra: Partial<GenerationT> = {}): GenerationT {
  return {
    id,
    file: `generated/${id}.png`,
    seed: 42,
    index: 0,
    checkpointId: 7,
    runId: 2,
    size: 32,
    width: 32,
    height: 32,
    createdAt: '2025-01-01',
    prompt: 'heart',
    truncation: null,
    origin: 'prompt',
    parentId: null,
    batchId: 1,
    rating: 0,
    ratings: 0,
    disagreement: false,
    favourites: 0,
    rejects: 0,
    mine: null,
    predicted: null,
    post: [],
    ...extra,
  };
}

/** A generated image's detail as generations:get answers it (a cGAN's, drawn on the cpu backend). */
export function imageDetail(id: number, extra: Partial<GenerationDetailT> = {}): GenerationDetailT {
  return {
    ...image(id),
    runName: 'hearts',
    model: 'cgan',
    checkpointStep: 40,
    backend: 'cpu',
    conditioning: [],
    latentNorm: 1,
    latentDim: 8,
    params: {},
    children: 0,
    copies: null,
    ...extra,
  };
}
