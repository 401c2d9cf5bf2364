import { TestBed } from '@angular/core/testing';
import { message } from '../../testing/fake-chat-socket';
import { MessageItem } from './message-item';

describe('MessageItem', () => {
  it('shows HTML in a message as text and never creates its elements', async () => {
    const fixture = TestBed.createComponent(MessageItem);
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>';
    fixture.componentRef.setInput('message', message('c1', 1, 'bob', { text: evil }));
    fixture.componentRef.setInput('senderName', 'Bob');
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="message-text"]')?.textContent).toBe(evil);
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('script')).toBeNull();
    expect(el.querySelector('b')).toBeNull();
  });

  it('marks edited and deleted messages', async () => {
    const fixture = TestBed.createComponent(MessageItem);
    fixture.componentRef.setInput('message', message('c1', 1, 'bob', { editedAt: '2026-01-01T11:00:00.000Z' }));
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="message-edited"]')).not.toBeNull();
    fixture.componentRef.setInput('message', message('c1', 1, 'bob', { text: '', deletedAt: '2026-01-01T12:00:00.000Z' }));
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="message-deleted"]')?.textContent).toContain('Message deleted');
    expect(el.querySelector('[data-testid="message-edited"]')).toBeNull();
  });

  it('offers reply and reactions on every message, edit and delete only when allowed, each labelled', async () => {
    const menuItems = async (canEdit: boolean) => {
      const fixture = TestBed.createComponent(MessageItem);
      fixture.componentRef.setInput('message', message('c1', 1, 'me'));
      fixture.componentRef.setInput('mine', true);
      fixture.componentRef.setInput('canEdit', canEdit);
      await fixture.whenStable();
      const actions = (fixture.nativeElement as HTMLElement).querySelector<HTMLButtonElement>('[data-testid="message-actions"]');
      expect(actions?.getAttribute('aria-label')).toContain('Actions for message');
      actions!.click();
      await fixture.whenStable();
      const items = [...document.querySelectorAll('.mat-mdc-menu-panel [data-testid]')].map((e) => e.getAttribute('data-testid'));
      fixture.destroy();
      return items;
    };
    const plain = await menuItems(false);
    expect(plain).toEqual(expect.arrayContaining(['quick-reaction', 'more-reactions', 'message-reply']));
    expect(plain).not.toContain('message-edit');
    expect(await menuItems(true)).toContain('message-edit');
    const gone = TestBed.createComponent(MessageItem);
    gone.componentRef.setInput('message', message('c1', 2, 'me', { text: '', deletedAt: '2026-01-01T12:00:00.000Z' }));
    await gone.whenStable();
    expect((gone.nativeElement as HTMLElement).querySelector('[data-testid="message-actions"]')).toBeNull();
  });

  it('renders the Markdown subset with safe links, and a reply\'s quote and reactions', async () => {
    const fixture = TestBed.createComponent(MessageItem);
    const text = '**bold** _it_ `code` https://example.com/a [x](javascript:alert(1)) snake_case_name';
    fixture.componentRef.setInput('message', message('c1', 3, 'bob', {
      text,
      replyTo: { messageId: 'c1-1', seq: 1, senderId: 'me', excerpt: 'the question', deleted: false },
      reactions: [{ emoji: '👍', userIds: ['bob', 'me'] }],
    }));
    fixture.componentRef.setInput('meId', 'me');
    fixture.componentRef.setInput('nameOf', (id: string) => (id === 'bob' ? 'Bob' : id));
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('strong')?.textContent).toBe('bold');
    expect(el.querySelector('em')?.textContent).toBe('it');
    expect(el.querySelector('code')?.textContent).toBe('code');
    const links = el.querySelectorAll('a');
    expect(links).toHaveLength(1);
    expect(links[0]!.getAttribute('href')).toBe('https://example.com/a');
    expect(links[0]!.getAttribute('rel')).toBe('noopener noreferrer');
    expect(el.querySelector('[data-testid="message-text"]')?.textContent).toContain('[x](javascript:alert(1)) snake_case_name');
    expect(el.querySelector('[data-testid="reply-quote"]')?.textContent).toContain('the question');
    const chip = el.querySelector('[data-testid="reaction"]');
    expect(chip?.getAttribute('data-mine')).toBe('true');
    expect(chip?.getAttribute('aria-label')).toContain('Bob, You');
  });

  it('shows sent, then seen, on one\'s own message', async () => {
    const fixture = TestBed.createComponent(MessageItem);
    fixture.componentRef.setInput('message', message('c1', 1, 'me'));
    fixture.componentRef.setInput('mine', true);
    fixture.componentRef.setInput('direct', true);
    fixture.componentRef.setInput('readBy', []);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="read-receipt"]')?.getAttribute('aria-label')).toBe('Sent');
    fixture.componentRef.setInput('readBy', ['Bob']);
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="read-receipt"]')?.getAttribute('aria-label')).toBe('Seen');
  });

  it("folds a blocked user's message behind \"Blocked user · Show\" until asked", async () => {
    const fixture = TestBed.createComponent(MessageItem);
    fixture.componentRef.setInput('message', message('g1', 1, 'bob', { text: 'hidden words' }));
    fixture.componentRef.setInput('blocked', true);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="message-blocked"]')?.textContent).toContain('Blocked user');
    expect(el.textContent).not.toContain('hidden words');
    (el.querySelector('[data-testid="show-blocked"]') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="message-text"]')?.textContent).toBe('hidden words');
  });

  it('answers a message with the r key on its menu button, or a swipe to the right on a touch screen', async () => {
    const fixture = TestBed.createComponent(MessageItem);
    fixture.componentRef.setInput('message', message('c1', 4, 'bob'));
    let replies = 0;
    fixture.componentInstance.replied.subscribe(() => replies++);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    el.querySelector('[data-testid="message-actions"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'r', bubbles: true, cancelable: true }));
    expect(replies).toBe(1);
    const touch = (type: string, x: number, y: number) => {
      const e = new MouseEvent(type, { clientX: x, clientY: y, bubbles: true });
      Object.defineProperty(e, 'pointerType', { value: 'touch' });
      el.dispatchEvent(e);
    };
    touch('pointerdown', 10, 100);
    touch('pointerup', 90, 105);
    expect(replies).toBe(2);
    touch('pointerdown', 10, 100);
    touch('pointerup', 30, 160);
    expect(replies).toBe(2);
  });
});
