import type { Browser, Page } from 'playwright-core';
import {
  byTest,
  closeAdminPanel,
  describeInBrowser,
  connected,
  conversationItem,
  createGroup,
  messageWithText,
  messages,
  newPerson,
  openConversation,
  register,
  screenshot,
  send,
  startDirect,
  texts,
  unreadBadge,
  until,
  type Person,
} from './support/browser';

/** Every visible control has an accessible name (aria-label, a label, or its own text). */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('button, a[href], input, textarea, select, [role="button"]'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const labelled =
        el.getAttribute('aria-label')?.trim() ||
        el.getAttribute('aria-labelledby') ||
        ((el as HTMLInputElement).labels?.length ?? 0) > 0 ||
        el.textContent?.trim();
      if (!labelled) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
}

describeInBrowser('web client in Chromium: two and three people in separate browser contexts', (suite) => {
  const { base: BASE, run } = suite;
  let browser: Browser;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  beforeAll(async () => {
    browser = suite.browser();
    alice = await newPerson(browser, BASE, 'Alice', run);
    bob = await newPerson(browser, BASE, 'Bob', run);
    carol = await newPerson(browser, BASE, 'Carol', run);
  });

  it('shows the login page, validates inline, and says a wrong password is wrong', async () => {
    const { page } = alice;
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await byTest(page, 'login-form').waitFor();
    await screenshot(page, 'login');
    await byTest(page, 'login-submit').click();
    await page.getByText('Enter your username.').waitFor();
    await page.getByText('Enter your password.').waitFor();
    await byTest(page, 'login-username').fill(`nobody_${run}`);
    await byTest(page, 'login-password').fill('not the password');
    await byTest(page, 'login-submit').click();
    expect(await byTest(page, 'auth-error').innerText()).toContain('Wrong username or password');
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('registers three people, each in a browser context of their own, and refuses a taken username', async () => {
    await alice.page.goto('/register');
    await byTest(alice.page, 'register-username').fill('a!');
    await byTest(alice.page, 'register-submit').click();
    await alice.page.getByText('At least 3 characters.').waitFor();
    await register(alice);
    await register(bob);
    await register(carol);
    expect(await byTest(alice.page, 'me-name').innerText()).toBe('Alice');
    expect(await byTest(bob.page, 'me-name').innerText()).toBe('Bob');

    const other = await browser.newContext({ baseURL: BASE });
    try {
      const page = await other.newPage();
      await page.goto('/register');
      await byTest(page, 'register-username').fill(alice.username.toUpperCase());
      await byTest(page, 'register-password').fill('another password');
      await byTest(page, 'register-submit').click();
      expect(await byTest(page, 'username-taken').innerText()).toContain('username is taken');
    } finally {
      await other.close();
    }
  });

  it('starts a direct conversation and exchanges messages live, with unread, presence and read receipts', async () => {
    await startDirect(alice, bob);
    await send(alice, 'Hi Bob!');
    await until('the DM in Bob\'s list', async () => (await conversationItem(bob, 'Alice').count()) === 1);
    await until('an unread badge of 1 for Bob', async () => (await unreadBadge(bob, 'Alice')) === '1');

    await openConversation(bob, 'Alice');
    await messageWithText(bob, 'Hi Bob!').waitFor();
    await until('Bob\'s badge to clear', async () => (await unreadBadge(bob, 'Alice')) === null);
    await until('Alice to see that Bob read it', async () =>
      (await byTest(messageWithText(alice, 'Hi Bob!'), 'read-receipt').getAttribute('data-state')) === 'seen',
    );

    await send(bob, 'Hello Alice, how are you?');
    await messageWithText(alice, 'Hello Alice, how are you?').waitFor();
    expect(await messageWithText(alice, 'Hi Bob!').getAttribute('data-mine')).toBe('true');
    expect(await messageWithText(alice, 'Hello Alice').getAttribute('data-mine')).toBe('false');

    await until('Bob online in Alice\'s list', async () =>
      (await byTest(conversationItem(alice, 'Bob'), 'presence-dot').getAttribute('data-online')) === 'true',
    );
    expect(await unnamedControls(alice.page)).toEqual([]);
  });

  it('shows the other member typing, and stops showing it when they stop', async () => {
    await byTest(bob.page, 'composer-input').pressSequentially('I am typ', { delay: 40 });
    await until('"Bob is typing" for Alice', async () => (await byTest(alice.page, 'typing-indicator').innerText()).includes('Bob is typing'));
    await byTest(bob.page, 'composer-input').fill('');
    await until('the typing indicator to go', async () => (await byTest(alice.page, 'typing-indicator').innerText()).trim() === '');
  });

  it('edits and deletes one\'s own messages, and the other side sees both', async () => {
    await send(alice, 'This message has a tpyo');
    await send(alice, 'This one will be deleted');
    await messageWithText(bob, 'This one will be deleted').waitFor();

    await byTest(messageWithText(alice, 'tpyo'), 'message-actions').click();
    await byTest(alice.page, 'message-edit').click();
    const box = byTest(alice.page, 'edit-input');
    await box.fill('This message had a typo');
    await box.press('Enter');
    await messageWithText(bob, 'This message had a typo').waitFor();
    await byTest(messageWithText(bob, 'had a typo'), 'message-edited').waitFor();

    await byTest(messageWithText(alice, 'will be deleted'), 'message-actions').click();
    await byTest(alice.page, 'message-delete').click();
    await byTest(alice.page, 'confirm-ok').click();
    await until('Bob to see the delete', async () => (await messageWithText(bob, 'will be deleted').count()) === 0);
    expect(await byTest(byTest(bob.page, 'message-list'), 'message-deleted').count()).toBe(1);

    // Bob may neither edit nor delete Alice's messages in a direct conversation: his menu
    // of her message offers only what every member may do (reply, react; protocol v1.1).
    const theirs = messageWithText(bob, 'had a typo');
    await theirs.hover();
    await byTest(theirs, 'message-actions').click();
    await byTest(bob.page, 'message-reply').waitFor();
    expect(await byTest(bob.page, 'message-edit').count()).toBe(0);
    expect(await byTest(bob.page, 'message-delete').count()).toBe(0);
    await bob.page.keyboard.press('Escape');
    await until('the menu to close', async () => (await byTest(bob.page, 'message-reply').count()) === 0, 5000);
  });

  it('shows a message containing HTML as text, never as markup', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    await send(alice, evil);
    const received = messageWithText(bob, evil);
    await received.waitFor();
    expect(await byTest(received, 'message-text').innerText()).toBe(evil);
    expect(await bob.page.locator('[data-testid="message-list"] img').count()).toBe(0);
    expect(await alice.page.locator('[data-testid="message-list"] img').count()).toBe(0);
    expect(await byTest(conversationItem(bob, 'Alice'), 'conversation-preview').innerText()).toContain(evil);
    expect(alice.alerts).toEqual([]);
    expect(bob.alerts).toEqual([]);
  });

  it('creates a group that every member sees, and its members talk live with names on messages', async () => {
    await createGroup(alice, 'Weekend trip', [bob, carol]);
    await until('the group in Carol\'s list', async () => (await conversationItem(carol, 'Weekend trip').count()) === 1);
    await until('the group in Bob\'s list', async () => (await conversationItem(bob, 'Weekend trip').count()) === 1);
    await openConversation(bob, 'Weekend trip');
    await openConversation(carol, 'Weekend trip');

    const lines: [Person, string][] = [
      [alice, 'Who is up for the lake on Saturday?'],
      [bob, 'Me! I can bring the kayak'],
      [carol, 'Count me in. What time?'],
      [alice, 'Leaving at 8:00 from the station'],
      [carol, 'I will bring sandwiches for everyone'],
      [bob, 'Weather looks great: 24 °C and sunny ☀️'],
      [alice, 'Perfect. Do not forget sunscreen'],
      [carol, 'Can we stop for coffee on the way?'],
      [bob, 'Always ☕'],
      [alice, 'See you all there!'],
    ];
    for (const [who, text] of lines) await send(who, text);
    for (const p of [alice, bob, carol]) {
      await until(`${p.name} to see every group message once`, async () => {
        const seen = await texts(p);
        return lines.every(([, t]) => seen.filter((s) => s === t).length === 1);
      });
    }
    await until('sender names for Carol', async () => {
      const names = await byTest(carol.page, 'message-sender').allInnerTexts();
      return names.includes('Alice') && names.includes('Bob');
    });

    // The busy conversation, as Alice sees it, with Bob typing.
    await byTest(bob.page, 'composer-input').pressSequentially('On my w', { delay: 40 });
    await until('"Bob is typing" in the group', async () => (await byTest(alice.page, 'typing-indicator').innerText()).includes('Bob is typing'));
    await screenshot(alice.page, 'group-conversation');
    await byTest(bob.page, 'composer-input').fill('');
  });

  it('counts unread messages of a conversation that is not open, and clears them when it is opened', async () => {
    // Bob has the group open; Alice writes in their direct conversation.
    await openConversation(alice, 'Bob');
    await send(alice, 'Unread one');
    await send(alice, 'Unread two');
    await until('an unread badge of 2 for Bob', async () => (await unreadBadge(bob, 'Alice')) === '2');
    await openConversation(bob, 'Alice');
    await until('Bob\'s badge to clear', async () => (await unreadBadge(bob, 'Alice')) === null);
  });

  it('shows group admin controls only to those allowed, and applies admin actions live', async () => {
    // Carol is a member: she sees the members but none of the admin controls.
    await byTest(carol.page, 'open-admin-panel').click();
    await byTest(carol.page, 'member-list').waitFor();
    expect(await byTest(carol.page, 'member-row').count()).toBe(3);
    for (const id of ['rename-input', 'remove-member', 'promote-member', 'demote-member', 'delete-group', 'add-member-search']) {
      expect(await byTest(carol.page, id).count()).toBe(0);
    }
    await byTest(carol.page, 'leave-group').waitFor();
    await closeAdminPanel(carol.page);

    // Alice owns the group: she promotes Bob.
    await openConversation(alice, 'Weekend trip');
    await byTest(alice.page, 'open-admin-panel').click();
    const bobRow = byTest(alice.page, 'member-row').filter({ hasText: 'Bob' });
    await byTest(bobRow, 'promote-member').click();
    await until('Bob to be an admin', async () => (await bobRow.getAttribute('data-role')) === 'admin');
    await byTest(alice.page, 'admin-done').waitFor();
    expect(await unnamedControls(alice.page)).toEqual([]);
    await screenshot(alice.page, 'admin-panel');
    await closeAdminPanel(alice.page);

    // Bob, now an admin, may rename and remove members, but not remove the owner or change roles.
    await openConversation(bob, 'Weekend trip');
    await byTest(bob.page, 'open-admin-panel').click();
    await byTest(byTest(bob.page, 'member-row').filter({ hasText: 'Carol' }), 'remove-member').waitFor();
    expect(await byTest(byTest(bob.page, 'member-row').filter({ hasText: 'Alice' }), 'remove-member').count()).toBe(0);
    expect(await byTest(bob.page, 'promote-member').count()).toBe(0);
    expect(await byTest(bob.page, 'delete-group').count()).toBe(0);
    await byTest(bob.page, 'rename-input').fill('Lake weekend');
    await byTest(bob.page, 'rename-button').click();
    await byTest(bob.page, 'admin-done').waitFor();
    await closeAdminPanel(bob.page);
    for (const p of [alice, bob, carol]) {
      await until(`${p.name} to see the new name`, async () => (await conversationItem(p, 'Lake weekend').count()) === 1);
    }
  });

  it('shows the server\'s refusal when a panel that is behind offers what is no longer allowed', async () => {
    // Bob's page stops hearing about the group's changes, so his panel keeps its admin controls after he is demoted.
    bob.sockets.hold('conversation:updated');
    try {
      await byTest(bob.page, 'open-admin-panel').click();
      await byTest(bob.page, 'rename-input').waitFor();

      await byTest(alice.page, 'open-admin-panel').click();
      const bobRow = byTest(alice.page, 'member-row').filter({ hasText: 'Bob' });
      await byTest(bobRow, 'demote-member').click();
      await until('Bob to be a member again', async () => (await bobRow.getAttribute('data-role')) === 'member');
      await closeAdminPanel(alice.page);

      await byTest(bob.page, 'rename-input').fill('Not allowed any more');
      await byTest(bob.page, 'rename-button').click();
      expect(await byTest(bob.page, 'admin-error').innerText()).toContain('not allowed');
      await closeAdminPanel(bob.page);
    } finally {
      bob.sockets.release('conversation:updated');
    }
    expect(await conversationItem(alice, 'Lake weekend').count()).toBe(1);
  });

  it('removes a member, who loses the group at once', async () => {
    await byTest(alice.page, 'open-admin-panel').click();
    await byTest(byTest(alice.page, 'member-row').filter({ hasText: 'Carol' }), 'remove-member').click();
    await byTest(alice.page, 'confirm-ok').click();
    await until('Carol off the member list', async () => (await byTest(alice.page, 'member-row').count()) === 2);
    await closeAdminPanel(alice.page);

    await until('the group to leave Carol\'s list', async () => (await conversationItem(carol, 'Lake weekend').count()) === 0);
    await carol.page.getByText('You were removed from Lake weekend').waitFor();
    await until('Carol back on the empty pane', async () => (await byTest(carol.page, 'empty-pane').count()) === 1);
  });

  it('shows the full history after a reload, with the session restored silently', async () => {
    // More than one page of history, sent in a burst (the composer queues them in order).
    await openConversation(alice, 'Bob');
    await openConversation(bob, 'Alice');
    const box = byTest(alice.page, 'composer-input');
    for (let i = 1; i <= 55; i++) {
      await box.fill(`Line ${i}`);
      await box.press('Enter');
    }
    await until('the burst to be sent', async () => (await byTest(alice.page, 'pending-message').count()) === 0, 180_000);
    await until('Bob to have the burst', async () => (await messageWithText(bob, 'Line 55').count()) === 1);
    const before = await texts(bob);
    const order = before.filter((t) => t.startsWith('Line ')).map((t) => Number(t.slice(5)));
    expect(order).toEqual(Array.from({ length: 55 }, (_, i) => i + 1));

    await bob.page.reload();
    await byTest(bob.page, 'conversation-header-title').waitFor();
    expect(bob.page.url()).toContain('/c/');
    expect(await byTest(bob.page, 'login-form').count()).toBe(0);
    await until(
      'older pages to load as Bob scrolls up',
      async () => {
        await byTest(bob.page, 'message-list').evaluate((el) => (el.scrollTop = 0));
        return (await byTest(bob.page, 'history-start').count()) === 1;
      },
      90_000,
    );
    expect(await texts(bob)).toEqual(before);
    expect(await byTest(bob.page, 'day-separator').first().innerText()).toBe('Today');
  });

  it('shows a banner while disconnected and catches up on reconnect, with nothing missing or doubled', async () => {
    await connected(bob);
    await bob.sockets.goOffline();
    await byTest(bob.page, 'connection-banner').waitFor();

    // Bob writes while offline: it waits as pending.
    await byTest(bob.page, 'composer-input').fill('Written while offline');
    await byTest(bob.page, 'composer-input').press('Enter');
    await byTest(bob.page, 'pending-message').waitFor();

    const missed = ['While you were away 1', 'While you were away 2', 'While you were away 3'];
    for (const t of missed) await send(alice, t);
    await new Promise((r) => setTimeout(r, 500));
    expect(await messageWithText(bob, 'While you were away 1').count()).toBe(0);

    bob.sockets.online();
    await until('the banner to go', async () => (await byTest(bob.page, 'connection-banner').count()) === 0, 90_000);
    for (const t of missed) await until(`Bob to get "${t}"`, async () => (await messageWithText(bob, t).count()) === 1);
    await until('the offline message to reach Alice', async () => (await messageWithText(alice, 'Written while offline').count()) === 1);
    await until('nothing pending for Bob', async () => (await byTest(bob.page, 'pending-message').count()) === 0);

    await new Promise((r) => setTimeout(r, 1000));
    for (const t of [...missed, 'Written while offline']) {
      expect(await messageWithText(bob, t).count()).toBe(1);
      expect(await messageWithText(alice, t).count()).toBe(1);
    }
    const seqs = await messages(bob).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs.length).toBeGreaterThan(60);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1] + 1);
  });

  it('fits a phone-sized window: the list, then one conversation with a way back', async () => {
    const page = await alice.context.newPage();
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto('/');
      await byTest(page, 'conversation-list').waitFor();
      await byTest(page, 'conversation-item').filter({ hasText: 'Bob' }).first().click();
      await byTest(page, 'message-list').waitFor();
      expect(await byTest(page, 'conversation-list').isVisible()).toBe(false);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      await byTest(page, 'back-to-list').click();
      await byTest(page, 'conversation-list').waitFor({ state: 'visible' });
      expect(await byTest(page, 'message-list').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('signs out to the login page, stays out after a reload, and signs back in', async () => {
    await byTest(carol.page, 'account-menu').click();
    await byTest(carol.page, 'logout').click();
    await carol.page.waitForURL(/\/login/);
    await carol.page.reload();
    await byTest(carol.page, 'login-form').waitFor();
    await byTest(carol.page, 'login-username').fill(carol.username);
    await byTest(carol.page, 'login-password').fill(carol.password);
    await byTest(carol.page, 'login-submit').click();
    await connected(carol);
    await until('Carol\'s direct-less list', async () => (await conversationItem(carol, 'Lake weekend').count()) === 0);
  });
});
