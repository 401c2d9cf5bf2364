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

  it('offers actions only when allowed, each labelled', async () => {
    const fixture = TestBed.createComponent(MessageItem);
    fixture.componentRef.setInput('message', message('c1', 1, 'me'));
    fixture.componentRef.setInput('mine', true);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid="message-actions"]')).toBeNull();
    fixture.componentRef.setInput('canEdit', true);
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="message-actions"]')?.getAttribute('aria-label')).toContain('Actions for message');
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
});
