import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src-preload/api';
import type { GeneratedBatchT, GeneratorChoiceT } from '../../../src-preload/contract';
import { fakeTransport, image, settle } from '../testing/fake-transport';
import { Prompt } from './prompt.svelte';

const generator: GeneratorChoiceT = {
  checkpointId: 7,
  runId: 2,
  runName: 'hearts',
  step: 300,
  model: 'cgan',
  size: 32,
  classes: ['heart', 'star'],
  createdAt: '2025-01-01',
  published: false,
};

function parsed(text: string, problems: { term: string; start: number; end: number; message: string; suggestions: string[] }[] = []) {
  return {
    ok: problems.length === 0,
    prompt: { tags: [], negative: [], seed: null, count: /n:(\d+)/.exec(text) ? Number(/n:(\d+)/.exec(text)![1]) : null, truncation: null, checkpoint: null },
    canonical: text,
    problems,
    note: null,
  };
}

function setup() {
  const batches: GeneratedBatchT[] = [];
  const fake = fakeTransport({
    'generations:options': () => ({ generators: [generator], current: generator, vocabulary: ['heart', 'star'], note: null }),
    'prompts:parse': ({ text }) =>
      parsed(text, text.includes('hart') ? [{ term: 'hart', start: 0, end: 4, message: 'Unknown tag “hart”', suggestions: ['heart'] }] : []),
    'prompts:history': () => [],
    'prompts:templates': () => [],
  });
  const prompt = new Prompt({ api: fake.api, quietApi: fake.api, onBatch: (b) => batches.push(b), libraryDelay: 0 });
  return { fake, prompt, batches };
}

afterEach(() => vi.useRealTimers());

describe('Prompt', () => {
  it('loads what can draw and picks the current checkpoint', async () => {
    const { prompt } = setup();
    await prompt.loadOptions();
    expect(prompt.loaded).toBe(true);
    expect(prompt.checkpointId).toBe(7);
    expect(prompt.current?.runName).toBe('hearts');
    expect(prompt.vocabulary).toEqual(['heart', 'star']);
  });

  it('a parse of the box updates its problems, and fixing the text clears them', async () => {
    const { prompt } = setup();
    await prompt.loadOptions();
    prompt.setText('hart');
    expect(prompt.problems).toEqual([]); // Not parsed yet: nothing is marked.
    await prompt.parse();
    expect(prompt.problems.map((p) => p.message)).toEqual(['Unknown tag “hart”']);
    prompt.setText('heart');
    expect(prompt.problems).toEqual([]); // The parse is of other text.
    await prompt.parse();
    expect(prompt.problems).toEqual([]);
    expect(prompt.parsedText).toBe('heart');
  });

  it('the prompt’s n: overrides the count field', async () => {
    const { prompt } = setup();
    prompt.setText('heart, n:32');
    await prompt.parse();
    expect(prompt.promptSets.count).toBe(32);
  });

  it('checks its fields with the contract’s schemas', () => {
    const { prompt } = setup();
    expect(prompt.fieldsValid).toBe(true);
    prompt.count = 0;
    expect(prompt.countValid).toBe(false);
    prompt.count = 1024;
    expect(prompt.countValid).toBe(true);
    prompt.count = 1025;
    expect(prompt.fieldsValid).toBe(false);
    prompt.count = 16;
    prompt.seed = 2 ** 31;
    expect(prompt.seedValid).toBe(false);
    prompt.seed = 1;
    prompt.truncation = 0;
    expect(prompt.truncationValid).toBe(false);
    prompt.truncation = null;
    expect(prompt.fieldsValid).toBe(true);
  });

  it('Generate sends the fields and hands the batch on', async () => {
    const { prompt, fake, batches } = setup();
    await prompt.loadOptions();
    fake.answer({ 'generations:create': (input) => ({ batchId: 1, items: [image(1, { seed: input.seed ?? 0 })], ms: 12, notes: [], previews: null }) });
    prompt.setText('heart');
    prompt.seed = 5;
    prompt.seedLocked = true;
    await prompt.generate();
    const call = fake.calls.find((c) => c.name === 'generations:create');
    expect(call?.input).toEqual({ prompt: 'heart', count: 16, seed: 5, checkpointId: 7 });
    expect(batches).toHaveLength(1);
    expect(prompt.generating).toBe(false);
    expect(prompt.msPerImage).toBe(12);
  });

  it('an engine error surfaces in place', async () => {
    const { prompt, fake } = setup();
    await prompt.loadOptions();
    fake.answer({
      'generations:create': () => {
        throw new ApiError('invalid-input', 'The model is gone');
      },
    });
    await prompt.generate();
    expect(prompt.error).toBe('The model is gone');
    prompt.setText('star');
    expect(prompt.error).toBeNull(); // Typing again clears it.
  });

  it('options that fail say why', async () => {
    const { prompt, fake } = setup();
    fake.answer({
      'generations:options': () => {
        throw new ApiError('no-project', 'No project is open');
      },
    });
    await prompt.loadOptions();
    expect(prompt.loaded).toBe(true);
    expect(prompt.loadError).toBe('No project is open');
  });

  it('completions arrive for the text still in the box, and close', async () => {
    const { prompt, fake } = setup();
    fake.answer({ 'prompts:complete': () => ({ from: 0, to: 2, options: [{ tag: 'heart', score: 1 }] }) });
    prompt.setText('he');
    await prompt.complete('he', 2);
    expect(prompt.completionsOpen).toBe(true);
    prompt.closeCompletions();
    expect(prompt.completionsOpen).toBe(false);
    await prompt.complete('old text', 2); // The box has moved on: nothing is shown.
    expect(prompt.completions).toBeNull();
  });

  it('“Use this prompt” switches to the image’s checkpoint when it can draw', async () => {
    const { prompt } = setup();
    await prompt.loadOptions();
    prompt.usePrompt('star, seed:3', 7);
    expect(prompt.text).toBe('star, seed:3');
    expect(prompt.focusPrompt).toBe(1);
    await settle();
  });
});
