import type { Browser, Page } from 'playwright-core';
import {
  byTest,
  conversationItem,
  createGroup,
  describeInBrowser,
  messageWithText,
  newPerson,
  openConversation,
  register,
  screenshot,
  send,
  startDirect,
  until,
  type Person,
} from './support/browser';

/** Records every system notification the page makes (Chromium's own are not visible to the test). */
async function recordNotifications(p: Person, base: string): Promise<void> {
  await p.context.grantPermissions(['notifications'], { origin: new URL(base).origin });
  await p.context.addInitScript(() => {
    const Real = window.Notification;
    const made: { title: string; body: string; click: () => void }[] = [];
    (window as unknown as { __notes: typeof made }).__notes = made;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        made.push({ title, body: options?.body ?? '', click: () => this.onclick?.(new Event('click')) });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true });
  });
}

const notes = (page: Page) => page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes.map((n) => ({ title: n.title, body: n.body })));

/** Opens a message's menu (the ⋮ button shows on hover). */
async function menuOf(p: Person, text: string): Promise<void> {
  const m = messageWithText(p, text).first();
  await m.hover();
  await byTest(m, 'message-actions').click();
}

/** Scrolls the list to its top until a message is loaded and shown (older pages load on scroll). */
async function scrollUpTo(p: Person, text: string): Promise<void> {
  await until(`${p.name} to reach "${text}"`, async () => {
    await byTest(p.page, 'message-list').evaluate((el) => (el.scrollTop = 0));
    return (await messageWithText(p, text).count()) > 0;
  }, 60_000);
}

describeInBrowser('replies, reactions, mentions and notifications, search, formatting, outbox (issue #15)', (suite) => {
  const { base: BASE, run } = suite;
  let browser: Browser;
  let fay: Person;
  let gus: Person;
  let hal: Person;

  beforeAll(async () => {
    browser = suite.browser();
    fay = await newPerson(browser, BASE, 'Fay', run);
    gus = await newPerson(browser, BASE, 'Gus', run);
    hal = await newPerson(browser, BASE, 'Hal', run);
    await recordNotifications(gus, BASE);
    await register(fay);
    await register(gus);
    await register(hal);
  });

  it('replies from the message menu; the quote jumps to the original, loading history, and highlights it', async () => {
    await startDirect(fay, gus);
    await send(fay, 'Original question about the plan');
    const box = byTest(fay.page, 'composer-input');
    for (let i = 1; i <= 55; i++) {
      await box.fill(`Filler ${i}`);
      await box.press('Enter');
    }
    await until('the fillers to be sent', async () => (await byTest(fay.page, 'pending-message').count()) === 0, 180_000);
    await until("the DM in Gus's list", async () => (await conversationItem(gus, 'Fay').count()) === 1);
    await openConversation(gus, 'Fay');
    await scrollUpTo(gus, 'Original question about the plan');
    await menuOf(gus, 'Original question about the plan');
    await byTest(gus.page, 'message-reply').click();
    expect(await byTest(gus.page, 'replying-to').innerText()).toContain('Original question about the plan');
    await byTest(gus.page, 'composer-input').fill('Here is my answer');
    await byTest(gus.page, 'composer-input').press('Enter');
    const reply = messageWithText(fay, 'Here is my answer').first();
    await reply.waitFor();
    expect(await byTest(reply, 'reply-quote').innerText()).toContain('Original question about the plan');

    // Fay reloads: her window holds the newest page only, without the original.
    await fay.page.reload();
    await messageWithText(fay, 'Here is my answer').first().waitFor();
    expect(await messageWithText(fay, 'Original question about the plan').count()).toBe(0);
    await byTest(messageWithText(fay, 'Here is my answer').first(), 'reply-quote').click();
    const original = fay.page.locator('chat-message-item[data-highlighted="true"]').filter({ hasText: 'Original question about the plan' });
    await original.waitFor({ timeout: 30_000 });
    expect(await original.isVisible()).toBe(true);
  });

  it('a reaction shows live to the other person, with its count, who reacted, and the own one marked; the full picker adds any emoji', async () => {
    await menuOf(gus, 'Here is my answer');
    await gus.page.locator('[data-testid="quick-reaction"][data-emoji="👍"]').click();
    const onFay = byTest(messageWithText(fay, 'Here is my answer').first(), 'reaction');
    await until('Fay to see the reaction', async () => (await onFay.count()) === 1);
    expect(await onFay.getAttribute('data-emoji')).toBe('👍');
    expect(await byTest(onFay, 'reaction-count').innerText()).toBe('1');
    expect(await onFay.getAttribute('data-mine')).toBe('false');
    expect(await onFay.getAttribute('aria-label')).toContain('Gus');
    const onGus = byTest(messageWithText(gus, 'Here is my answer').first(), 'reaction');
    expect(await onGus.getAttribute('data-mine')).toBe('true');

    // Fay adds hers by clicking the chip: two, and hers marked.
    await onFay.click();
    await until('the count to reach 2 for Gus', async () => (await byTest(onGus, 'reaction-count').innerText()) === '2');
    expect(await onFay.getAttribute('data-mine')).toBe('true');

    await menuOf(fay, 'Here is my answer');
    await byTest(fay.page, 'more-reactions').click();
    await byTest(fay.page, 'emoji-search').fill('rocket');
    await fay.page.locator('[data-testid="emoji-option"][data-emoji="🚀"]').click();
    await until('Gus to see the rocket', async () => (await gus.page.locator('[data-testid="reaction"][data-emoji="🚀"]').count()) === 1);
    await screenshot(fay.page, 'replies-reactions');
  });

  it('notifies a background tab of every message of a chosen group, and when muted only of a mention; clicking it opens the conversation', async () => {
    await createGroup(fay, 'Launch', [gus, hal]);
    await until("the group in Gus's list", async () => (await conversationItem(gus, 'Launch').count()) === 1);

    // Gus asks for every message of the group, opens another conversation, and his tab goes to the background.
    const notifyLevel = async (level: 'notify-every' | 'mute-toggle') => {
      await openConversation(gus, 'Launch');
      await byTest(gus.page, 'notify-menu').click();
      await byTest(gus.page, level).click();
      const want = level === 'notify-every' ? 'every' : 'muted';
      await until(`the group to be set to ${want}`, async () => (await byTest(gus.page, 'notify-menu').getAttribute('data-level')) === want);
      await openConversation(gus, 'Fay');
    };
    await notifyLevel('notify-every');
    // Headless Chromium keeps every tab visible, so the page is told it went to the background
    // the way the browser tells it: visibilityState 'hidden' and a visibilitychange event.
    await gus.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await send(fay, 'First news for everyone');
    await until('Gus to be notified of every message', async () => (await notes(gus.page)).some((n) => n.body.includes('First news for everyone')), 20_000);

    // Muted: silent, unless he is mentioned.
    await notifyLevel('mute-toggle');
    await send(fay, 'Nothing for anyone in particular');
    // Fay mentions Gus with the keyboard-driven picker.
    const box = byTest(fay.page, 'composer-input');
    await box.fill('Ready? ');
    await box.pressSequentially('@gu');
    await byTest(fay.page, 'mention-picker').waitFor();
    expect(await fay.page.locator('[data-testid="mention-option"]').first().getAttribute('data-username')).toBe(gus.username);
    await box.press('Enter');
    expect(await box.inputValue()).toBe(`Ready? @${gus.username} `);
    await box.pressSequentially('we ship today');
    await box.press('Enter');
    const mention = byTest(messageWithText(fay, 'we ship today').first(), 'mention');
    await mention.waitFor();
    expect(await mention.getAttribute('data-user-id')).not.toBeNull();

    await until('Gus to be notified of the mention', async () => (await notes(gus.page)).some((n) => n.body.includes('we ship today')), 20_000);
    expect((await notes(gus.page)).filter((n) => n.body.includes('Nothing for anyone'))).toEqual([]);
    expect(await byTest(conversationItem(gus, 'Launch'), 'mention-badge').innerText()).toContain('1');
    expect(await byTest(conversationItem(gus, 'Launch'), 'muted-icon').count()).toBe(1);
    expect(await gus.page.title()).toMatch(/^\(\d+\) /);

    await gus.page.evaluate(() => {
      delete (document as unknown as Record<string, unknown>)['visibilityState'];
      delete (document as unknown as Record<string, unknown>)['hidden'];
      document.dispatchEvent(new Event('visibilitychange'));
      const n = (window as unknown as { __notes: { body: string; click: () => void }[] }).__notes.find((x) => x.body.includes('we ship today'));
      n?.click();
    });
    await until('the notification to open the group', async () => (await byTest(gus.page, 'conversation-header-title').innerText()).includes('Launch'));
    const onGus = byTest(messageWithText(gus, 'we ship today').first(), 'mention');
    expect(await onGus.getAttribute('class')).toContain('me');
  });

  it('search finds an old message and opens it in its history', async () => {
    await gus.page.reload();
    await byTest(gus.page, 'conversation-list').waitFor();
    await byTest(gus.page, 'search-messages').click();
    await byTest(gus.page, 'message-search-input').fill('origin PLAN');
    await byTest(gus.page, 'message-search-submit').click();
    const result = byTest(gus.page, 'search-result');
    await until('one result', async () => (await result.count()) === 1);
    expect(await result.innerText()).toContain('Original question about the plan');
    await screenshot(gus.page, 'search');
    await result.click();
    await until('the DM to open', async () => (await byTest(gus.page, 'conversation-header-title').innerText()).includes('Fay'));
    const original = gus.page.locator('chat-message-item[data-highlighted="true"]').filter({ hasText: 'Original question about the plan' });
    await original.waitFor({ timeout: 30_000 });
    expect(await original.isVisible()).toBe(true);
  });

  it('renders links as links and HTML as text', async () => {
    await openConversation(fay, 'Gus');
    const text = 'See https://example.com/docs?a=1. **bold** <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> [bad](javascript:alert(1))';
    await byTest(fay.page, 'composer-input').fill(text);
    await byTest(fay.page, 'composer-input').press('Enter');
    await until('the message to be sent', async () => (await byTest(fay.page, 'pending-message').count()) === 0);
    const onGus = messageWithText(gus, 'See').last();
    await onGus.waitFor();
    const link = byTest(onGus, 'message-link');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://example.com/docs?a=1');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await onGus.locator('strong').innerText()).toBe('bold');
    const shown = await byTest(onGus, 'message-text').innerText();
    expect(shown).toContain('<script>window.__pwned = 1</script>');
    expect(shown).toContain('[bad](javascript:alert(1))');
    expect(await onGus.locator('script, img, a[href^="javascript"]').count()).toBe(0);
    expect(await gus.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('a message typed offline survives a reload and is delivered once; a draft survives too', async () => {
    await openConversation(hal, 'Launch');
    await fay.sockets.goOffline();
    await until('Fay to see she is offline', async () => (await byTest(fay.page, 'connection-banner').count()) === 1);
    await openConversation(fay, 'Launch');
    const box = byTest(fay.page, 'composer-input');
    await box.fill('Typed while offline');
    await box.press('Enter');
    await byTest(fay.page, 'pending-message').waitFor();
    await box.fill('a draft to keep');
    await fay.page.reload();
    // Still offline after the reload: what was unsent and typed is in the browser's storage.
    const stored = () => fay.page.evaluate(() => Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`).join('\n'));
    await until('the outbox and the draft in storage', async () => {
      const all = await stored();
      return all.includes('Typed while offline') && all.includes('a draft to keep');
    });
    fay.sockets.online();
    await until('the message to be sent after the reload', async () => (await messageWithText(hal, 'Typed while offline').count()) > 0, 60_000);
    await until('the outbox to empty', async () => !(await stored()).includes('Typed while offline'));
    await until('the draft back in the composer', async () => (await byTest(fay.page, 'composer-input').inputValue()) === 'a draft to keep');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await messageWithText(hal, 'Typed while offline').count()).toBe(1);
    expect(await messageWithText(fay, 'Typed while offline').count()).toBe(1);
    await hal.page.reload();
    await byTest(hal.page, 'conversation-list').waitFor();
    await openConversation(hal, 'Launch');
    await messageWithText(hal, 'Typed while offline').first().waitFor();
    expect(await messageWithText(hal, 'Typed while offline').count()).toBe(1);
  });
});
