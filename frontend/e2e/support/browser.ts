import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type WebSocketRoute } from 'playwright-core';

/** Where the tests put the screenshots the README shows. */
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', '..', 'docs', 'screenshots');

export function chatUrl(): string | null {
  const url = process.env['CHAT_URL'];
  return url ? url.replace(/\/+$/, '') : null;
}

/**
 * Declares a suite of browser tests against CHAT_URL with one Chromium for it
 * (launched before the body's own beforeAll, closed after), and a run id for
 * unique usernames. Without CHAT_URL, one failing test says how to run them.
 */
export function describeInBrowser(name: string, body: (suite: { base: string; browser: () => Browser; run: string }) => void): void {
  const base = chatUrl();
  if (!base) {
    describe(name, () => {
      it('cannot run: CHAT_URL is not set', () => {
        throw new Error(
          'CHAT_URL is not set. These browser tests need the running platform, with the gateway serving the built web client. ' +
            'Run them with `npm test` (it starts the platform), or start it with `npm start` and run ' +
            '`CHAT_URL=http://localhost:8080 npx jest -c frontend/e2e/jest.config.cjs`.',
        );
      });
    });
    return;
  }
  describe(name, () => {
    const run = `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`;
    let browser: Browser | undefined;
    beforeAll(async () => {
      browser = await launch();
    });
    afterAll(async () => {
      await browser?.close();
    });
    body({
      base,
      run,
      browser: () => {
        if (!browser) throw new Error('the browser is launched in beforeAll');
        return browser;
      },
    });
  });
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Polls until `check` holds (truthy), or fails with `what` and the last value seen. */
export async function until<T>(what: string, check: () => Promise<T> | T, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return last as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Stands between a page's Socket.IO connection and the gateway (Playwright's
 * WebSocket routing): it can drop the connection and refuse new ones (the
 * network goes away), and hold back chosen pushes (a UI that is behind).
 */
export class SocketControl {
  private offline = false;
  private readonly held = new Set<string>();
  private readonly live = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();

  async install(context: BrowserContext): Promise<void> {
    await context.routeWebSocket(/\/socket\.io\//, (ws) => {
      if (this.offline) {
        void ws.close({ code: 4000, reason: 'offline' });
        return;
      }
      const server = ws.connectToServer();
      const pair = { page: ws, server };
      this.live.add(pair);
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (typeof m === 'string' && this.isHeld(m)) return;
        ws.send(m);
      });
      ws.onClose((code, reason) => {
        this.live.delete(pair);
        void server.close({ code, reason }).catch(() => undefined);
      });
      server.onClose((code, reason) => {
        this.live.delete(pair);
        void ws.close({ code, reason }).catch(() => undefined);
      });
    });
  }

  /** Cuts every open connection and refuses new ones until `online()`. */
  async goOffline(): Promise<void> {
    this.offline = true;
    const open = [...this.live];
    this.live.clear();
    await Promise.all(
      open.flatMap(({ page, server }) => [
        page.close({ code: 4000, reason: 'network gone' }).catch(() => undefined),
        server.close({ code: 4000, reason: 'network gone' }).catch(() => undefined),
      ]),
    );
  }

  online(): void {
    this.offline = false;
  }

  /** Stops delivering pushes of this event to the page (they are dropped, as if the page missed them). */
  hold(event: string): void {
    this.held.add(event);
  }

  release(event: string): void {
    this.held.delete(event);
  }

  private isHeld(frame: string): boolean {
    // Socket.IO event frames look like 42["event",{...}].
    if (!frame.startsWith('42[')) return false;
    for (const event of this.held) if (frame.startsWith(`42["${event}"`)) return true;
    return false;
  }
}

export interface Person {
  name: string;
  username: string;
  password: string;
  context: BrowserContext;
  page: Page;
  sockets: SocketControl;
  /** Set if the page ever opened an alert, confirm or prompt dialog. */
  alerts: string[];
}

export async function newPerson(browser: Browser, base: string, name: string, run: string, viewport = { width: 1280, height: 800 }): Promise<Person> {
  const context = await browser.newContext({ baseURL: base, viewport });
  // Generous: the suite runs beside builds and other suites on small shared machines.
  context.setDefaultTimeout(45_000);
  context.setDefaultNavigationTimeout(90_000);
  const sockets = new SocketControl();
  await sockets.install(context);
  const page = await context.newPage();
  const alerts: string[] = [];
  page.on('dialog', (d) => {
    alerts.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (err) => console.warn(`[${name}] page error: ${err.message}`));
  return { name, username: `${name.toLowerCase()}_${run}`, password: `pw-${run}-secret`, context, page, sockets, alerts };
}

// ---- the app, as a person uses it ---------------------------------------------

export const byTest = (page: Page | Locator, id: string): Locator => page.locator(`[data-testid="${id}"]`);

/**
 * Closes the group panel and waits until it has left the page: a panel still
 * animating out when the next one opens would put two of each control on it.
 */
export async function closeAdminPanel(page: Page): Promise<void> {
  await byTest(page, 'close-admin-panel').click();
  await byTest(page, 'member-list').waitFor({ state: 'detached' });
}

export async function register(p: Person): Promise<void> {
  await p.page.goto('/register');
  await byTest(p.page, 'register-username').fill(p.username);
  await byTest(p.page, 'register-display-name').fill(p.name);
  await byTest(p.page, 'register-password').fill(p.password);
  await byTest(p.page, 'register-submit').click();
  await byTest(p.page, 'conversation-list').waitFor();
  await connected(p);
}

/** The socket is up (no connection banner) and the list has loaded. */
export async function connected(p: Person): Promise<void> {
  await byTest(p.page, 'conversation-list').waitFor();
  await until(`${p.name}'s connection`, async () => (await byTest(p.page, 'connection-banner').count()) === 0);
  await until(`${p.name}'s conversation list`, async () => !(await byTest(p.page, 'conversation-list').innerText()).includes('Loading conversations'));
}

export function conversationItem(p: Person, title: string): Locator {
  return byTest(p.page, 'conversation-item').filter({ has: p.page.locator('[data-testid="conversation-title"]', { hasText: title }) });
}

export async function openConversation(p: Person, title: string): Promise<void> {
  await conversationItem(p, title).first().click();
  await until(`${p.name} to open ${title}`, async () => (await byTest(p.page, 'conversation-header-title').innerText()).includes(title));
}

/** Search people by (unique) username and pick the one. */
export async function pickUser(p: Person, searchTestId: string, username: string, scope: Page | Locator = p.page): Promise<void> {
  const box = byTest(scope, searchTestId);
  await box.fill(username);
  const option = p.page.locator(`[data-testid="${searchTestId}-result"][data-username="${username}"]`);
  await option.waitFor();
  await option.click();
}

export async function startDirect(p: Person, other: Person): Promise<void> {
  await pickUser(p, 'user-search', other.username);
  await p.page.waitForURL(/\/c\//);
  await until(`${p.name}'s DM header`, async () => (await byTest(p.page, 'conversation-header-title').innerText()).includes(other.name));
}

export function messages(p: Person): Locator {
  return byTest(byTest(p.page, 'message-list'), 'message');
}

export function messageWithText(p: Person, text: string): Locator {
  return messages(p).filter({ has: p.page.locator('[data-testid="message-text"]', { hasText: text }) });
}

/** Types and presses Enter, then waits for the server's copy (no longer pending). */
export async function send(p: Person, text: string): Promise<void> {
  const box = byTest(p.page, 'composer-input');
  await box.fill(text);
  await box.press('Enter');
  await messageWithText(p, text).first().waitFor();
  await until(`${p.name}'s message to leave pending`, async () => (await byTest(p.page, 'pending-message').count()) === 0);
}

export async function texts(p: Person): Promise<string[]> {
  return byTest(byTest(p.page, 'message-list'), 'message-text').allInnerTexts();
}

export async function unreadBadge(p: Person, title: string): Promise<string | null> {
  const badge = byTest(conversationItem(p, title), 'unread-badge');
  return (await badge.count()) ? badge.innerText() : null;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Creates a group from the sidebar with these members and waits until its owner has it open. */
export async function createGroup(owner: Person, name: string, members: Person[]): Promise<void> {
  await byTest(owner.page, 'new-group').click();
  await byTest(owner.page, 'group-name').fill(name);
  for (const m of members) await pickUser(owner, 'group-member-search', m.username);
  // The chip renders on the change detection after the pick, not within the click.
  await until('every member picked', async () => (await byTest(owner.page, 'group-member-chip').count()) === members.length, 5000);
  await byTest(owner.page, 'create-group').click();
  await until(`${owner.name} in the new group`, async () => (await byTest(owner.page, 'conversation-header-title').innerText()).includes(name));
}
