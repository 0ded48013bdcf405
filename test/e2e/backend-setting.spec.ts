// The run view names the backend a run trained on and why. The compute backend switch in the
// Train view: forcing WebGPU (lavapipe here, a software GPU the
// automatic choice passes by) starts it at once and the status bar names it; a backend that
// cannot start here (native TensorFlow on CUDA) is named with its reason while WebAssembly runs;
// the choice is kept for this workstation across a reload; Automatic goes back. The studio has a
// config of its own, so no other spec sees the choice. Screenshots: test-results/e2e-backend-*.png.
import { expect, test, type Page } from '@playwright/test';
import { studioWithProject, trainTinyCgan, type RunningStudio } from './studio';

let studio: RunningStudio;

test.beforeAll(async () => {
  studio = await studioWithProject({ starter: true, prepare: trainTinyCgan(), ownConfig: true });
});
test.afterAll(() => studio?.stop());
test.use({ viewport: { width: 1440, height: 900 } });

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/e2e-backend-${name}.png`, animations: 'disabled' });

test('force a backend for this workstation, see it run, see one refused, go back to automatic', async ({ page }) => {
  test.setTimeout(45_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Train' }).click();
  const box = page.getByTestId('train-backend');
  const status = page.getByTestId('backend');
  const setting = page.getByLabel('Compute backend');
  await expect(box).toContainText('WebAssembly');
  await expect(setting).toHaveValue('auto');
  // The tiny run (trained from the command line) says what it trained on, and why.
  const trainedOn = page.getByTestId('run-backend');
  await expect(trainedOn).toContainText('WebAssembly');
  await expect(trainedOn).toContainText(/Training on the CPU with WebAssembly \(SIMD\) on \d+ cores?, one training thread each; no usable GPU/);
  await shot(page, '00-run');

  await setting.selectOption('webgpu');
  await expect(box).toContainText(/GPU \(WebGPU\)|cannot start here/);
  if ((await box.textContent())?.includes('cannot start here')) {
    // A machine without any Vulkan driver (CI installs lavapipe): the reason, and WebAssembly running.
    await expect(box).toContainText(/WebGPU, chosen for this workstation, cannot start here: .+\. WebAssembly runs instead\./);
    await expect(status).toContainText('GPU (WebGPU) could not start');
  } else {
    await expect(box).toContainText(
      /Training (with WebGPU on a software renderer, .*: chosen for this workstation|on the GPU with WebGPU: .*chosen for this workstation)/,
    );
    await expect(status).toContainText('GPU (WebGPU)');
    await expect(status).toContainText('chosen');
  }
  await shot(page, '01-webgpu');

  await setting.selectOption('tensorflow-gpu');
  await expect(box).toContainText(/Native TensorFlow on CUDA, chosen for this workstation, cannot start here: .+\. WebAssembly runs instead\./);
  await expect(box.locator('strong')).toContainText('WebAssembly');
  await expect(status).toContainText('GPU (CUDA) could not start');
  await shot(page, '02-refused');

  // Kept for this workstation: a reload (or a restart) shows the same setting and the same reason.
  await page.reload();
  await page.getByRole('navigation', { name: 'Pipeline' }).getByRole('button', { name: 'Train' }).click();
  await expect(setting).toHaveValue('tensorflow-gpu');
  await expect(box).toContainText('cannot start here');

  await setting.selectOption('auto');
  await expect(box).toContainText('WebAssembly');
  await expect(box).not.toContainText('cannot start');
  await expect(status).not.toContainText('chosen');
  expect(pageErrors).toEqual([]);
});
