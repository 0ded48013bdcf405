// The page every web export carries (index.html): a tag picker for conditional models, seed,
// truncation and count, a grid of results each with "Save PNG". It loads tf.min.js and generate.js
// beside it and needs only a static server. A string here rather than a file beside it, so it
// ships inside the engine bundle.

export interface IndexHtmlOptions {
  title: string;
  /** A model-card.html is written beside the page. */
  modelCard: boolean;
  /** Credit and licence lines for the footer, as given (plain text). */
  credits: readonly string[];
}

/** Text made safe inside HTML elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function indexHtml(opts: IndexHtmlOptions): string {
  const title = escapeHtml(opts.title);
  const card = opts.modelCard ? '<p><a href="model-card.html">Model card</a>: what this model was trained on and how it was measured.</p>' : '';
  const credits = opts.credits.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n      ');
  // Functions as replacements: a '$' in a title or credit stays a '$'.
  return PAGE.replace(/__TITLE__/g, () => title)
    .replace('__MODEL_CARD__', () => card)
    .replace('__CREDITS__', () => credits);
}

const PAGE = String.raw`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>__TITLE__</title>
    <style>
      :root {
        color-scheme: light dark;
        --bg: #f5f3ef;
        --panel: #fffdf9;
        --ink: #26241f;
        --muted: #6b665c;
        --line: #dcd6cb;
        --accent: #2f6f6a;
        --accent-ink: #ffffff;
        --away: #9a4a3c;
        --tile: #e9e5dd;
      }
      @media (prefers-color-scheme: dark) {
        :root {
          --bg: #1c1b19;
          --panel: #252421;
          --ink: #ece8e0;
          --muted: #a39d92;
          --line: #3a3833;
          --accent: #6fb3ab;
          --accent-ink: #10201e;
          --away: #d98b7c;
          --tile: #2e2d29;
        }
      }
      * {
        box-sizing: border-box;
      }
      body {
        margin: 0;
        background: var(--bg);
        color: var(--ink);
        font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
      }
      header,
      main,
      footer {
        max-width: 1180px;
        margin: 0 auto;
        padding: 0 24px;
      }
      header {
        padding-top: 28px;
        padding-bottom: 8px;
      }
      h1 {
        margin: 0;
        font-size: 1.6rem;
        font-weight: 600;
        letter-spacing: -0.01em;
      }
      .about {
        margin: 4px 0 0;
        color: var(--muted);
      }
      a {
        color: var(--accent);
      }
      main {
        display: grid;
        grid-template-columns: 290px 1fr;
        gap: 28px;
        align-items: start;
        padding-top: 16px;
        padding-bottom: 32px;
      }
      @media (max-width: 760px) {
        main {
          grid-template-columns: 1fr;
        }
      }
      form {
        background: var(--panel);
        border: 1px solid var(--line);
        border-radius: 10px;
        padding: 18px;
        display: grid;
        gap: 16px;
        position: sticky;
        top: 16px;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        min-width: 0;
      }
      legend,
      label.name {
        display: block;
        padding: 0;
        font-weight: 600;
        font-size: 0.85rem;
        margin-bottom: 6px;
      }
      .hint {
        color: var(--muted);
        font-size: 0.8rem;
        margin: 6px 0 0;
      }
      .tags {
        display: flex;
        flex-wrap: wrap;
        align-content: flex-start;
        gap: 6px;
        /* A model with a hundred tags keeps the controls above in view. */
        max-height: 40vh;
        overflow-y: auto;
      }
      #tag-filter {
        width: 100%;
        margin-bottom: 8px;
      }
      .tag {
        font: inherit;
        font-size: 0.85rem;
        border: 1px solid var(--line);
        background: transparent;
        color: var(--ink);
        border-radius: 999px;
        padding: 2px 11px;
        cursor: pointer;
      }
      .tag[data-state='want'] {
        background: var(--accent);
        border-color: var(--accent);
        color: var(--accent-ink);
      }
      .tag[data-state='want']::before {
        content: '+ ';
      }
      .tag[data-state='away'] {
        border-color: var(--away);
        color: var(--away);
        text-decoration: line-through;
      }
      .tag[data-state='away']::before {
        content: '− ';
      }
      .row {
        display: flex;
        gap: 8px;
        align-items: center;
      }
      input[type='number'],
      input[type='search'] {
        font: inherit;
        width: 100%;
        padding: 6px 8px;
        border: 1px solid var(--line);
        border-radius: 6px;
        background: var(--bg);
        color: var(--ink);
      }
      input[type='range'] {
        flex: 1;
      }
      input[type='range'],
      input[type='checkbox'] {
        accent-color: var(--accent);
      }
      output {
        font-variant-numeric: tabular-nums;
        min-width: 2.5em;
        text-align: right;
      }
      button.plain {
        font: inherit;
        font-size: 0.85rem;
        border: 1px solid var(--line);
        background: var(--bg);
        color: var(--ink);
        border-radius: 6px;
        padding: 5px 10px;
        cursor: pointer;
        white-space: nowrap;
      }
      button.primary {
        font: inherit;
        font-weight: 600;
        border: 0;
        border-radius: 8px;
        padding: 9px 14px;
        background: var(--accent);
        color: var(--accent-ink);
        cursor: pointer;
      }
      button:disabled {
        opacity: 0.55;
        cursor: default;
      }
      button:focus-visible,
      input:focus-visible {
        outline: 2px solid var(--accent);
        outline-offset: 2px;
      }
      .status {
        min-height: 1.5em;
        color: var(--muted);
        font-size: 0.85rem;
        margin: 0;
      }
      .status.error {
        color: var(--away);
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
        gap: 16px;
        margin: 0;
        padding: 0;
        list-style: none;
      }
      figure {
        margin: 0;
        background: var(--panel);
        border: 1px solid var(--line);
        border-radius: 10px;
        padding: 8px;
      }
      canvas {
        display: block;
        width: 100%;
        aspect-ratio: 1;
        image-rendering: pixelated;
        background: var(--tile);
        border-radius: 6px;
      }
      figcaption {
        white-space: nowrap;
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 6px;
        margin-top: 8px;
        font-size: 0.8rem;
        color: var(--muted);
      }
      .empty {
        color: var(--muted);
        border: 1px dashed var(--line);
        border-radius: 10px;
        padding: 40px;
        text-align: center;
      }
      footer {
        color: var(--muted);
        font-size: 0.8rem;
        padding-bottom: 32px;
      }
      footer p {
        margin: 2px 0;
      }
    </style>
  </head>
  <body>
    <header>
      <h1>__TITLE__</h1>
      <p class="about" id="about">Loading the model…</p>
    </header>
    <main>
      <form id="controls" autocomplete="off">
        <div>
          <label class="name" for="seed">Seed</label>
          <div class="row">
            <input type="number" id="seed" min="0" max="2147483647" step="1" value="1" />
            <button type="button" class="plain" id="new-seed">New seed</button>
          </div>
        </div>
        <div>
          <label class="name" for="count">Images</label>
          <input type="number" id="count" min="1" max="64" step="1" value="10" />
        </div>
        <fieldset>
          <legend>Truncation</legend>
          <div class="row">
            <input type="checkbox" id="truncate" aria-label="Truncate the latent vector" />
            <input type="range" id="truncation" min="0.1" max="3" step="0.05" value="1" aria-label="Truncation" disabled />
            <output id="truncation-value" for="truncation">off</output>
          </div>
          <p class="hint">Lower values give safer, less varied pictures.</p>
        </fieldset>
        <button type="submit" class="primary" id="generate" data-testid="generate" disabled>Generate</button>
        <p class="status" id="status" role="status" aria-live="polite" data-testid="status"></p>
        <fieldset id="tag-picker" hidden>
          <legend>Tags</legend>
          <input type="search" id="tag-filter" placeholder="Find a tag" aria-label="Find a tag" hidden />
          <div class="tags" id="tags" data-testid="tags"></div>
          <p class="hint">Click a tag once to ask for it, twice to steer away from it, a third time to clear it.</p>
        </fieldset>
      </form>
      <section aria-label="Results">
        <ul class="grid" id="grid" data-testid="grid"></ul>
        <p class="empty" id="empty" hidden>Nothing drawn yet.</p>
      </section>
    </main>
    <footer>
      __MODEL_CARD__
      __CREDITS__
      <p>Drawn in your browser with <a href="https://www.tensorflow.org/js">TensorFlow.js</a> (Apache License 2.0, see tf.LICENSE.txt)<span id="backend"></span>.</p>
    </footer>
    <script src="tf.min.js"></script>
    <script type="module">
      import { loadGenerator } from './generate.js';

      const $ = (id) => document.getElementById(id);
      const FAMILY = { dcgan: 'GAN', cgan: 'conditional GAN', vae: 'variational autoencoder' };
      const state = new Map(); // tag → 'want' | 'away'
      let generator = null;
      let busy = false;

      function setStatus(text, error = false) {
        $('status').textContent = text;
        $('status').classList.toggle('error', error);
      }

      function slug(text) {
        return (
          String(text)
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/^-|-$/g, '') || 'image'
        );
      }

      function setTag(button, next) {
        const tag = button.dataset.tag;
        button.dataset.state = next;
        button.setAttribute('aria-label', tag + (next === 'want' ? ': asked for' : next === 'away' ? ': steered away from' : ''));
        if (next === 'off') state.delete(tag);
        else state.set(tag, next);
      }

      function cycleTag(button) {
        setTag(button, { off: 'want', want: 'away', away: 'off' }[button.dataset.state]);
      }

      // The request lives in the address too (?seed=42&n=8&trunc=0.7&tag=fox&not=text), so a link
      // to the page brings back the same pictures.
      function fromAddress() {
        const q = new URLSearchParams(location.search);
        if (q.has('seed')) $('seed').value = q.get('seed');
        if (q.has('n')) $('count').value = q.get('n');
        if (q.has('trunc')) {
          $('truncate').checked = true;
          $('truncation').disabled = false;
          $('truncation').value = q.get('trunc');
          $('truncation-value').textContent = $('truncation').value;
        }
        const buttons = [...$('tags').children];
        const unknown = [];
        for (const [key, next] of [['tag', 'want'], ['not', 'away']]) {
          for (const name of q.getAll(key)) {
            const button = buttons.find((b) => b.dataset.tag.toLowerCase() === name.trim().toLowerCase());
            if (button) setTag(button, next);
            else unknown.push(name);
          }
        }
        return unknown;
      }

      function toAddress(r) {
        const q = new URLSearchParams();
        q.set('seed', String(r.seed));
        q.set('n', String(r.count));
        if (r.truncation !== undefined) q.set('trunc', String(r.truncation));
        for (const t of r.tags) q.append('tag', t);
        for (const t of r.negative) q.append('not', t);
        history.replaceState(null, '', '?' + q);
      }

      function showTags(classes) {
        if (!classes.length) return;
        $('tag-picker').hidden = false;
        for (const tag of classes) {
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'tag';
          button.textContent = tag;
          button.dataset.tag = tag;
          button.dataset.state = 'off';
          button.addEventListener('click', () => cycleTag(button));
          $('tags').append(button);
        }
        if (classes.length > 12) {
          const filter = $('tag-filter');
          filter.hidden = false;
          filter.addEventListener('input', () => {
            const wanted = filter.value.trim().toLowerCase();
            // Tags already asked for or steered away from stay in view.
            for (const b of $('tags').children) b.hidden = wanted !== '' && b.dataset.state === 'off' && !b.dataset.tag.toLowerCase().includes(wanted);
          });
        }
      }

      function savePng(canvas, name) {
        canvas.toBlob((blob) => {
          if (!blob) return setStatus('This browser could not encode the PNG.', true);
          const a = document.createElement('a');
          a.href = URL.createObjectURL(blob);
          a.download = name;
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(a.href), 10000);
        }, 'image/png');
      }

      function request() {
        const seed = Number($('seed').value);
        const count = Number($('count').value);
        if (!Number.isInteger(seed) || seed < 0 || seed > 2147483647) throw new Error('The seed must be a whole number from 0 to 2147483647.');
        if (!Number.isInteger(count) || count < 1 || count > 64) throw new Error('The number of images must be a whole number from 1 to 64.');
        const tags = [...state].filter(([, s]) => s === 'want').map(([t]) => t);
        const negative = [...state].filter(([, s]) => s === 'away').map(([t]) => t);
        const truncation = $('truncate').checked ? Number($('truncation').value) : undefined;
        return { seed, count, tags, negative, truncation };
      }

      function describe(r) {
        const parts = [...r.tags, ...r.negative.map((t) => '−' + t)];
        parts.push('seed ' + r.seed);
        if (r.truncation !== undefined) parts.push('truncation ' + r.truncation);
        return parts.join(', ');
      }

      async function draw() {
        if (!generator || busy) return;
        let r;
        try {
          r = request();
        } catch (err) {
          return setStatus(err.message, true);
        }
        busy = true;
        $('generate').disabled = true;
        setStatus('Drawing ' + r.count + (r.count === 1 ? ' image…' : ' images…'));
        const started = performance.now();
        try {
          const images = await generator.generate(r);
          const items = images.map((image, i) => {
            const li = document.createElement('li');
            const figure = document.createElement('figure');
            const canvas = document.createElement('canvas');
            canvas.width = image.width;
            canvas.height = image.height;
            canvas.getContext('2d').putImageData(image, 0, 0);
            canvas.setAttribute('role', 'img');
            canvas.setAttribute('aria-label', 'Image ' + (i + 1) + ': ' + describe(r));
            const caption = document.createElement('figcaption');
            const label = document.createElement('span');
            label.textContent = '#' + (i + 1);
            label.title = 'Image ' + (i + 1) + ' of seed ' + r.seed;
            const save = document.createElement('button');
            save.type = 'button';
            save.className = 'plain';
            save.textContent = 'Save PNG';
            const name = slug(document.title) + '-seed' + r.seed + '-' + (i + 1) + '.png';
            save.addEventListener('click', () => savePng(canvas, name));
            caption.append(label, save);
            figure.append(canvas, caption);
            li.append(figure);
            return li;
          });
          $('grid').replaceChildren(...items);
          $('empty').hidden = items.length > 0;
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          setStatus(describe(r) + ' — ' + images.length + (images.length === 1 ? ' image' : ' images') + ' in ' + seconds + ' s.');
          $('grid').dataset.drawn = String(images.length);
          toAddress(r);
        } catch (err) {
          setStatus(err.message, true);
        } finally {
          busy = false;
          $('generate').disabled = false;
        }
      }

      $('controls').addEventListener('submit', (event) => {
        event.preventDefault();
        draw();
      });
      $('new-seed').addEventListener('click', () => {
        $('seed').value = String(Math.floor(Math.random() * 2147483647));
      });
      $('truncate').addEventListener('change', () => {
        $('truncation').disabled = !$('truncate').checked;
        $('truncation-value').textContent = $('truncate').checked ? $('truncation').value : 'off';
      });
      $('truncation').addEventListener('input', () => {
        $('truncation-value').textContent = $('truncation').value;
      });

      try {
        generator = await loadGenerator('model.json');
        const size = generator.size + '×' + generator.size;
        const tags = generator.classes.length ? ', steered by ' + generator.classes.length + (generator.classes.length === 1 ? ' tag' : ' tags') : '';
        $('about').textContent = 'A ' + size + ' ' + (FAMILY[generator.family] || generator.family) + tags + '. Every picture is drawn here, in your browser.';
        $('backend').textContent = ' on its ' + tf.getBackend() + ' backend';
        showTags(generator.classes);
        const unknown = fromAddress();
        $('generate').disabled = false;
        await draw();
        if (unknown.length) setStatus('Left out, not tags of this model: ' + unknown.join(', ') + '. ' + $('status').textContent);
      } catch (err) {
        $('about').textContent = 'The model could not be loaded.';
        setStatus(err.message + (location.protocol === 'file:' ? ' Open this page from a web server (e.g. npx serve), not as a file.' : ''), true);
      }
    </script>
  </body>
</html>
`;
