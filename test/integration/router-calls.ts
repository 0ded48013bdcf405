// Calling the studio's router the way the page does, for tests: an answer, or the error it refused with.
import type { Studio } from '../../src-main/host/studio';

export function routerCalls(studio: () => Studio) {
  return {
    /** The answer; a refusal throws with its code and message. */
    async call<T>(name: string, input: unknown): Promise<T> {
      const r = await studio().router.call(name, input);
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.result as T;
    },
    /** The refusal (code and message); an answer throws. */
    async failure(name: string, input: unknown): Promise<{ code: string; message: string }> {
      const r = await studio().router.call(name, input);
      if (r.ok) throw new Error(`${name} should have failed`);
      return r.error;
    },
  };
}
