import type { Browser } from 'playwright-core';
import {
  byTest,
  conversationItem,
  describeInBrowser,
  connected,
  messageWithText,
  newPerson,
  register,
  startDirect,
  until,
  type Person,
} from './support/browser';

/** Protocol v1.1, People, as people use it: the profile page, sessions and blocking. */
describeInBrowser('web client in Chromium: profile, sessions and blocking', (suite) => {
  const { base: BASE, run } = suite;
  let browser: Browser;

  beforeAll(() => {
    browser = suite.browser();
  });

  async function openProfile(p: Person): Promise<void> {
    await byTest(p.page, 'account-menu').click();
    await byTest(p.page, 'open-profile').click();
    await p.page.waitForURL(/\/profile$/);
  }

  /** The same person signed in again, in a browser context of its own (another device). */
  async function secondDevice(p: Person): Promise<Person> {
    const other = await newPerson(browser, BASE, p.name, run);
    const again = { ...other, username: p.username, password: p.password };
    await again.page.goto('/login');
    await byTest(again.page, 'login-username').fill(again.username);
    await byTest(again.page, 'login-password').fill(again.password);
    await byTest(again.page, 'login-submit').click();
    await connected(again);
    return again;
  }

  /** Two new people; the second has opened a direct conversation with the first. */
  async function pair(first: string, second: string): Promise<[Person, Person]> {
    const a = await newPerson(browser, BASE, first, run);
    const b = await newPerson(browser, BASE, second, run);
    await register(a);
    await register(b);
    await startDirect(b, a);
    await conversationItem(b, first).first().waitFor();
    return [a, b];
  }

  it("a new display name shows live in another user's conversation list", async () => {
    const [alice, bob] = await pair('Alice', 'Bob');

    await openProfile(alice);
    const name = `Alicia ${run}`;
    await byTest(alice.page, 'profile-display-name').fill(name);
    await byTest(alice.page, 'profile-save-name').click();
    await until('the name to be saved', async () => (await byTest(alice.page, 'profile-name-status').innerText()).includes('saved'));
    expect(await byTest(alice.page, 'me-name').innerText()).toBe(name);

    // No reload on Bob's side: the user:updated push renames the conversation.
    await conversationItem(bob, name).first().waitFor();
    expect(await byTest(bob.page, 'conversation-header-title').innerText()).toContain(name);
    await alice.context.close();
    await bob.context.close();
  });

  it('"sign out everywhere" in one browser sends the other back to the sign-in page', async () => {
    const carol = await newPerson(browser, BASE, 'Carol', run);
    await register(carol);
    const elsewhere = await secondDevice(carol);

    await openProfile(carol);
    await until('both sessions to be listed', async () => (await byTest(carol.page, 'session-item').count()) === 2);
    await byTest(carol.page, 'sign-out-everywhere').click();
    await byTest(carol.page, 'confirm-ok').click();
    await carol.page.waitForURL(/\/login/);
    // The other browser's socket is closed by the server; its refresh is refused; it signs out.
    await elsewhere.page.waitForURL(/\/login/, { timeout: 30_000 });
    await byTest(elsewhere.page, 'login-form').waitFor();
    await carol.context.close();
    await elsewhere.context.close();
  });

  it("a blocked user's next direct message is refused", async () => {
    const [dana, eric] = await pair('Dana', 'Eric');
    await startDirect(dana, eric);

    await byTest(dana.page, 'user-menu').click();
    await byTest(dana.page, 'block-user').click();
    await byTest(dana.page, 'confirm-ok').click();
    await dana.page.getByText('You blocked Eric.').waitFor();

    // The block reaches messaging beside the ack: Eric's next message is refused and shown as not sent.
    const box = byTest(eric.page, 'composer-input');
    let answer = 'sent';
    for (let i = 0; i < 10 && answer === 'sent'; i++) {
      const text = `hello? ${i}`;
      await box.fill(text);
      await box.press('Enter');
      answer = (await until<string | null>(`an answer to "${text}"`, async () => {
        if ((await eric.page.locator('[data-testid="pending-message"][data-state="failed"]', { hasText: text }).count()) > 0) return 'refused';
        const pending = await eric.page.locator('[data-testid="pending-message"]', { hasText: text }).count();
        return pending === 0 && (await messageWithText(eric, text).count()) > 0 ? 'sent' : null;
      })) ?? 'sent';
    }
    expect(answer).toBe('refused');
    expect(await eric.page.locator('[data-testid="pending-message"][data-state="failed"]').first().innerText()).toContain('Not sent');

    // Dana's profile lists Eric as blocked, and unblocking works from there.
    await openProfile(dana);
    await byTest(dana.page, 'blocked-item').filter({ hasText: 'Eric' }).waitFor();
    await byTest(dana.page, 'unblock').click();
    await until('the list to empty', async () => (await byTest(dana.page, 'blocked-item').count()) === 0);
    await dana.context.close();
    await eric.context.close();
  });

  it('deleting the account (password and warning) signs out, and the other user sees "Deleted user" live', async () => {
    const [fay, gus] = await pair('Fay', 'Gus');

    await openProfile(fay);
    expect(await byTest(fay.page, 'delete-warning').innerText()).toContain('cannot be undone');
    await byTest(fay.page, 'delete-password').fill('not my password');
    await byTest(fay.page, 'delete-account').click();
    await byTest(fay.page, 'confirm-ok').click();
    await until('the refusal', async () => (await byTest(fay.page, 'delete-status').innerText()).includes('wrong'));

    await byTest(fay.page, 'delete-password').fill(fay.password);
    await byTest(fay.page, 'delete-account').click();
    await byTest(fay.page, 'confirm-ok').click();
    await fay.page.waitForURL(/\/login/);
    await fay.page.getByText('Your account has been deleted.').waitFor();
    await conversationItem(gus, 'Deleted user').first().waitFor();
    await fay.context.close();
    await gus.context.close();
  });
});

