// A designer's first import in the headless studio, from the browser: PNGs made here are picked
// with the file picker and with the folder picker (its subfolders become tags), and dropped on the
// import dialog and on the Data view; each is uploaded with a progress bar and imported with the
// same report as a typed path, a bad file named as it was picked. The staging folder is gone after.
// Screenshots land in test-results/import-*.png to be looked at.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, test, type Page } from '@playwright/test';
import { studioWithProject, type RunningStudio } from './studio';

let studio: RunningStudio;
let page: Page;
let scratch: string;

test.describe.configure({ mode: 'serial' });

/** A 32 px PNG: a coloured square with a white dot, different for each `i`. */
function png(colour: string, i: number): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 32, channels: 3, background: colour } })
    .composite([{ input: Buffer.from(`<svg width="32" height="32"><circle cx="${6 + (i % 5) * 5}" cy="${8 + (i % 3) * 8}" r="5" fill="#fff"/></svg>`) }])
    .png()
    .toBuffer();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(60_000);
  studio = await studioWithProject({ starter: false });
  scratch = mkdtempSync(join(tmpdir(), 'atelier-e2e-import-'));
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(studio.url);
  await expect(page.getByTestId('asset-total')).toHaveText(/^0\s+images/);
});
test.afterAll(async () => {
  await page?.close();
  studio?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: `test-results/import-${name}.png`, animations: 'disabled' });
const dialog = () => page.getByTestId('import-dialog');

test('files from the file picker upload with a progress bar and import with the report', async () => {
  await page.getByRole('button', { name: 'Import images' }).last().click();
  await expect(dialog().getByTestId('import-drop')).toBeVisible();
  await shot('01-dialog');

  // Hold the first file at the door long enough to see the upload's progress bar.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let first = true;
  await page.route('**/upload/**', async (route) => {
    if (first) {
      first = false;
      await held;
    }
    await route.continue();
  });
  const files = [
    { name: 'fox.png', mimeType: 'image/png', buffer: await png('#e0632b', 0) },
    { name: 'owl.png', mimeType: 'image/png', buffer: await png('#6b4fd8', 1) },
    { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') },
  ];
  await dialog().getByTestId('import-files').setInputFiles(files);
  await expect(dialog().getByTestId('upload-progress-bar')).toBeVisible();
  await expect(dialog().getByTestId('import-message')).toContainText(/Uploading \d of 3 files/);
  await shot('02-uploading');
  release();

  const report = dialog().getByTestId('import-report');
  await expect(report).toContainText('Import finished');
  await expect(dialog().getByTestId('import-imported')).toHaveText('2');
  await expect(dialog().getByTestId('import-failed')).toHaveText('1');
  await page.unroute('**/upload/**');
  // The bad file is named as it was picked, not by where the studio staged it.
  await expect(dialog().getByTestId('import-failures')).toContainText('notes.png');
  await expect(dialog().getByTestId('import-failures')).not.toContainText('.uploads');
  await shot('03-report');
  expect(existsSync(join(studio.dir, '.uploads'))).toBe(false);
});

test('a folder from the folder picker keeps its subfolders as tags', async () => {
  const art = join(scratch, 'art');
  for (const [folder, colour] of [
    ['knight', '#3a7bd5'],
    ['dragon', '#2bb673'],
  ] as const) {
    mkdirSync(join(art, folder), { recursive: true });
    for (let i = 0; i < 2; i++) writeFileSync(join(art, folder, `${i}.png`), await png(colour, i + 2));
  }
  writeFileSync(join(art, '.DS_Store'), 'hidden');
  await dialog().getByTestId('import-folder').setInputFiles(art);
  await expect(dialog().getByTestId('import-report')).toContainText('Import finished');
  await expect(dialog().getByTestId('import-imported')).toHaveText('4');
  await expect(dialog().getByTestId('import-failed')).toHaveText('0');
  await dialog().getByTestId('import-close').click();
  await expect(page.getByTestId('asset-total')).toHaveText(/^6\s+images/);
  await expect(page.getByRole('button', { name: /^knight/ }).first()).toBeVisible();
  await expect(page.getByRole('button', { name: /^dragon/ }).first()).toBeVisible();
});

/** Drops PNGs made in the page on `selector`, as a browser drop of files (a script's drop has files, no folder entries). */
async function dropPngs(selector: string, names: string[], hue: number): Promise<void> {
  await page.evaluate(
    async ({ selector, names, hue }) => {
      const data = new DataTransfer();
      for (const [i, name] of names.entries()) {
        const canvas = new OffscreenCanvas(24, 24);
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = `hsl(${hue + i * 40} 70% 50%)`;
        ctx.fillRect(0, 0, 24, 24);
        ctx.fillStyle = '#fff';
        ctx.fillRect(4 + i * 4, 6, 6, 6);
        data.items.add(new File([await canvas.convertToBlob({ type: 'image/png' })], name, { type: 'image/png' }));
      }
      const target = document.querySelector(selector)!;
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
    },
    { selector, names, hue },
  );
}

test('files dropped on the import dialog and on the Data view are uploaded and imported', async () => {
  await page.getByTestId('import-open').click();
  await expect(dialog().getByTestId('import-drop')).toBeVisible();
  await dropPngs('[data-testid="import-drop"]', ['drop-a.png', 'drop-b.png'], 0);
  await expect(dialog().getByTestId('import-report')).toContainText('Import finished');
  await expect(dialog().getByTestId('import-imported')).toHaveText('2');
  await dialog().getByTestId('import-close').click();
  await expect(page.getByTestId('asset-total')).toHaveText(/^8\s+images/);

  // Dropped on the grid: the dialog opens with the upload under way and ends with its report.
  await dropPngs('main.view .page', ['grid-a.png', 'grid-b.png', 'grid-c.png'], 200);
  await expect(dialog()).toBeVisible();
  await expect(dialog().getByTestId('import-report')).toContainText('Import finished');
  await expect(dialog().getByTestId('import-imported')).toHaveText('3');
  await shot('04-dropped-on-grid');
  await dialog().getByTestId('import-close').click();
  await expect(page.getByTestId('asset-total')).toHaveText(/^11\s+images/);
  await shot('05-grid');
  expect(existsSync(join(studio.dir, '.uploads'))).toBe(false);
});

test('a file the studio refuses is named in the dialog, and nothing is imported', async () => {
  await page.getByTestId('import-open').click();
  // A name with a control character (a file made by a script) is refused before anything is sent.
  await dropPngs('[data-testid="import-drop"]', ['fine.png', 'tab\there.png'], 90);
  const error = dialog().getByTestId('import-error');
  await expect(error).toHaveText('"tab\\there.png" cannot be uploaded: its name holds a NUL or another control character.');
  await expect(dialog().getByTestId('import-start')).toBeVisible();
  await shot('06-refused');
  await dialog().getByTestId('import-close').click();
  await expect(page.getByTestId('asset-total')).toHaveText(/^11\s+images/);
  expect(existsSync(join(studio.dir, '.uploads'))).toBe(false);
});
