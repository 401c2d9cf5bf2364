import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import {
  byTest,
  closeAdminPanel,
  describeInBrowser,
  conversationItem,
  messageWithText,
  newPerson,
  openConversation,
  register,
  send,
  startDirect,
  unreadBadge,
  until,
  type Person,
} from './support/browser';

/** axe-core's serious and critical findings on what the page shows now, as "rule: target" lines. */
async function axeProblems(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']);
  if (include) {
    builder = builder.include(include);
    // A dialog fades in: contrast measured mid-animation would be a false finding.
    await new Promise((r) => setTimeout(r, 600));
  }
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

/** How far the message list is from its bottom, in pixels. */
function distanceFromBottom(p: Person): Promise<number> {
  return byTest(p.page, 'message-list').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
}

function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return !el || el === document.body ? 'body' : `${el.tagName.toLowerCase()}[${el.getAttribute('data-testid') ?? ''}]`;
  });
}

async function receipt(p: Person, text: string): Promise<string | null> {
  return byTest(messageWithText(p, text), 'read-receipt').getAttribute('data-state');
}

describeInBrowser('reading flow, focus and accessibility in Chromium (issue #21)', (suite) => {
  const { base: BASE, run } = suite;
  let browser: Browser;
  let dave: Person;
  let erin: Person;

  beforeAll(async () => {
    browser = suite.browser();
    dave = await newPerson(browser, BASE, 'Dave', run);
    erin = await newPerson(browser, BASE, 'Erin', run);
  });

  it('loads the sign-in page signed out without a 401 in the console, with no serious axe finding', async () => {
    const errors: string[] = [];
    const refused: string[] = [];
    dave.page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    dave.page.on('response', (r) => {
      if (r.status() === 401) refused.push(r.url());
    });
    await dave.page.goto('/');
    await byTest(dave.page, 'login-form').waitFor();
    await new Promise((r) => setTimeout(r, 500));
    expect({ errors, refused }).toEqual({ errors: [], refused: [] });
    expect(await axeProblems(dave.page)).toEqual([]);
    await dave.page.goto('/register');
    await byTest(dave.page, 'register-form').waitFor();
    expect(await axeProblems(dave.page)).toEqual([]);
  });

  it('says a taken username is taken once', async () => {
    await register(dave);
    await register(erin);
    const other = await browser.newContext({ baseURL: BASE });
    try {
      const page = await other.newPage();
      await page.goto('/register');
      await byTest(page, 'register-username').fill(dave.username);
      await byTest(page, 'register-password').fill('another password');
      await byTest(page, 'register-submit').click();
      await page.getByText('username is taken').first().waitFor();
      await new Promise((r) => setTimeout(r, 300));
      expect(await page.getByText('username is taken').count()).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('opens a long conversation by reload at its very bottom, with receipts that survive the reload', async () => {
    await startDirect(dave, erin);
    const box = byTest(dave.page, 'composer-input');
    for (let i = 1; i <= 60; i++) {
      await box.fill(`Long line ${i}`);
      await box.press('Enter');
    }
    await until('the burst to be sent', async () => (await byTest(dave.page, 'pending-message').count()) === 0, 180_000);
    await until('the DM in Erin\'s list', async () => (await conversationItem(erin, 'Dave').count()) === 1);
    await openConversation(erin, 'Dave');
    await messageWithText(erin, 'Long line 60').waitFor();
    // 60 unread open at the "New messages" divider: Erin reads down to the newest. She scrolls
    // until she is at the bottom, as a person would: the list may still grow while history loads.
    await until('Dave to see Erin read it', async () => {
      await byTest(erin.page, 'message-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
      return (await receipt(dave, 'Long line 60')) === 'seen';
    });

    // Bug 1: after a reload the receipt must still say seen.
    await dave.page.reload();
    await messageWithText(dave, 'Long line 60').waitFor();
    await until('the receipt to be seen after a reload', async () => (await receipt(dave, 'Long line 60')) === 'seen', 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await distanceFromBottom(dave)).toBeLessThanOrEqual(2);

    // Bug 2: opened by reload, the view stops at the very bottom.
    await erin.page.reload();
    await messageWithText(erin, 'Long line 60').waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await distanceFromBottom(erin)).toBeLessThanOrEqual(2);
    expect(await axeProblems(erin.page)).toEqual([]);
  });

  it('does not mark read a message that arrives while the reader is scrolled up, until it has been on screen', async () => {
    await byTest(erin.page, 'message-list').evaluate((el) => (el.scrollTop = 0));
    await new Promise((r) => setTimeout(r, 500));
    await send(dave, 'Arrives while Erin reads history');
    await messageWithText(erin, 'Arrives while Erin reads history').waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await receipt(dave, 'Arrives while Erin reads history')).toBe('sent');
    await byTest(erin.page, 'message-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await until('Dave to see it read once it was on screen', async () => (await receipt(dave, 'Arrives while Erin reads history')) === 'seen');
  });

  it('keeps keyboard focus after editing with Enter and after cancelling a delete with Escape', async () => {
    await send(dave, 'Edit me soon');
    await byTest(messageWithText(dave, 'Edit me soon'), 'message-actions').click();
    await byTest(dave.page, 'message-edit').click();
    const edit = byTest(dave.page, 'edit-input');
    await edit.fill('Edited by keyboard');
    await edit.press('Enter');
    await messageWithText(dave, 'Edited by keyboard').waitFor();
    expect(await focused(dave.page)).not.toBe('body');

    await byTest(messageWithText(dave, 'Edited by keyboard'), 'message-actions').click();
    await byTest(dave.page, 'message-delete').click();
    await byTest(dave.page, 'confirm-ok').waitFor();
    expect(await axeProblems(dave.page, '.cdk-overlay-container')).toEqual([]);
    await dave.page.keyboard.press('Escape');
    await until('the dialog to close', async () => (await byTest(dave.page, 'confirm-ok').count()) === 0);
    expect(await focused(dave.page)).toBe('button[message-actions]');
  });

  it('has no serious axe finding in the new-group and group settings dialogs', async () => {
    await byTest(dave.page, 'new-group').click();
    await byTest(dave.page, 'group-name').waitFor();
    expect(await axeProblems(dave.page, '.cdk-overlay-container')).toEqual([]);
    await byTest(dave.page, 'group-name').fill('Axe check');
    await byTest(dave.page, 'group-member-search').fill(erin.username);
    await dave.page.locator(`[data-testid="group-member-search-result"][data-username="${erin.username}"]`).click();
    await byTest(dave.page, 'create-group').click();
    await until('Dave in the group', async () => (await byTest(dave.page, 'conversation-header-title').innerText()).includes('Axe check'));
    await byTest(dave.page, 'open-admin-panel').click();
    await byTest(dave.page, 'member-list').waitFor();
    expect(await axeProblems(dave.page, '.cdk-overlay-container')).toEqual([]);
    await closeAdminPanel(dave.page);
    expect(await axeProblems(dave.page)).toEqual([]);
  });

  it('opens many unread at a "New messages" divider, counts what is below, reads only what was shown, and focuses the composer', async () => {
    // Erin looks at the group while Dave writes more than a screen in their direct conversation.
    await openConversation(erin, 'Axe check');
    const box = byTest(dave.page, 'composer-input');
    await openConversation(dave, 'Erin');
    for (let i = 1; i <= 40; i++) {
      await box.fill(`Unread ${i}`);
      await box.press('Enter');
    }
    await until('the burst to be sent', async () => (await byTest(dave.page, 'pending-message').count()) === 0, 180_000);
    await until('40 unread for Erin', async () => (await unreadBadge(erin, 'Dave')) === '40');

    await openConversation(erin, 'Dave');
    const divider = byTest(erin.page, 'new-messages-divider');
    await divider.waitFor();
    await until('the composer to have focus', async () => (await focused(erin.page)) === 'textarea[composer-input]');
    // The divider sits at the top of the view, above "Unread 1", and the newest is out of sight.
    const { dividerTop, listTop } = await erin.page.evaluate(() => ({
      dividerTop: document.querySelector('[data-testid="new-messages-divider"]')?.getBoundingClientRect().top ?? -1,
      listTop: document.querySelector('[data-testid="message-list"]')?.getBoundingClientRect().top ?? 0,
    }));
    expect(dividerTop - listTop).toBeGreaterThanOrEqual(0);
    expect(dividerTop - listTop).toBeLessThan(60);
    expect(await distanceFromBottom(erin)).toBeGreaterThan(100);
    await until('the jump button with what is below', async () => Number(await byTest(erin.page, 'jump-count').innerText()) > 0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await receipt(dave, 'Unread 40')).toBe('sent');
    await until('Erin to have read what she saw (fewer unread, not none)', async () => {
      const badge = await unreadBadge(erin, 'Dave');
      return badge !== null && Number(badge) < 40;
    });

    await byTest(erin.page, 'jump-to-newest').click();
    await until('the jump button to go', async () => (await byTest(erin.page, 'jump-to-newest').count()) === 0);
    await until('Dave to see the newest read', async () => (await receipt(dave, 'Unread 40')) === 'seen');
    await until('Erin\'s badge to clear', async () => (await unreadBadge(erin, 'Dave')) === null);
    expect(await axeProblems(erin.page)).toEqual([]);
  });
});
