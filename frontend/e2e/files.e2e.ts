import type { Browser } from 'playwright-core';
import { byTest, describeInBrowser, messages, newPerson, openConversation, register, screenshot, startDirect, until, type Person } from './support/browser';

/** Pastes an image into the composer as a screenshot tool would put it on the clipboard (a PNG drawn in the page). */
async function pasteImage(p: Person, name: string): Promise<void> {
  await byTest(p.page, 'composer-input').evaluate(async (box, fileName) => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#1e88e5';
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = '#ffeb3b';
    g.fillRect(40, 40, 200, 120);
    const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], fileName, { type: 'image/png' }));
    (box as HTMLTextAreaElement).focus();
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, name);
}

/** True when the image has loaded real pixels (its bytes came through the signed URL). */
const loaded = (img: ReturnType<typeof byTest>) => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0);

describeInBrowser('files and images (issue #16)', (suite) => {
  const { base: BASE, run } = suite;
  let browser: Browser;
  let ivy: Person;
  let jon: Person;

  beforeAll(async () => {
    browser = suite.browser();
    ivy = await newPerson(browser, BASE, 'Ivy', run);
    jon = await newPerson(browser, BASE, 'Jon', run);
    await register(ivy);
    await register(jon);
  });

  it('a pasted image uploads with progress and sends; the other user sees its thumbnail live and opens it in the viewer', async () => {
    await startDirect(ivy, jon);
    await until("the DM in Jon's list", async () => (await byTest(jon.page, 'conversation-item').count()) === 1);
    await openConversation(jon, 'Ivy');

    await pasteImage(ivy, 'screenshot.png');
    const pending = byTest(ivy.page, 'pending-upload');
    await pending.waitFor();
    await until('the upload to arrive', async () => (await pending.getAttribute('data-state')) === 'ready', 60_000);
    const box = byTest(ivy.page, 'composer-input');
    await box.fill('the layout bug');
    await box.press('Enter');
    await until('the composer to let the file go', async () => (await pending.count()) === 0);

    const thumb = byTest(messages(jon).last(), 'attachment-thumbnail');
    await thumb.waitFor({ timeout: 60_000 });
    await until("Jon's thumbnail to load", () => loaded(thumb));
    expect(await thumb.getAttribute('src')).toMatch(/^\/api\/v1\/files\/[A-Za-z0-9_-]+\/thumbnail\?e=\d+&s=/);
    expect(await thumb.getAttribute('alt')).toBe('screenshot.png');

    await byTest(messages(jon).last(), 'attachment-image').click();
    const full = byTest(jon.page, 'viewer-image');
    await full.waitFor();
    await until('the full image to load', () => loaded(full));
    expect(await full.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(640);
    expect(await full.getAttribute('src')).toMatch(/^\/api\/v1\/files\/[A-Za-z0-9_-]+\/original\?e=\d+&s=/);
    await screenshot(jon.page, 'image-viewer');
    await byTest(jon.page, 'viewer-close').click();
  });

  it('other files show as a card with name, size and a download', async () => {
    await byTest(ivy.page, 'file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('line one\nline two\n') });
    const pending = byTest(ivy.page, 'pending-upload');
    await until('the upload to arrive', async () => (await pending.getAttribute('data-state')) === 'ready', 60_000);
    await byTest(ivy.page, 'send-button').click();
    const card = byTest(messages(jon).last(), 'attachment-file');
    await card.waitFor({ timeout: 60_000 });
    expect(await card.getAttribute('data-name')).toBe('notes.txt');
    expect(await card.innerText()).toContain('18 B');
    await screenshot(jon.page, 'files-in-conversation');
  });
});
