import { TestBed } from '@angular/core/testing';
import { ChatStore } from './chat.store';
import { Composer } from './composer';

describe('Composer', () => {
  function setup() {
    const drafts = new Map<string, string>();
    const sent: string[] = [];
    const store = {
      draft: (id: string) => drafts.get(id) ?? '',
      setDraft: (id: string, text: string) => drafts.set(id, text),
      typed: vi.fn(),
      stopTyping: vi.fn(),
      replyTarget: () => undefined,
      cancelReply: vi.fn(),
      userName: () => '',
      mentionable: () => [],
      send: (_id: string, text: string) => {
        if (!text.trim()) return 'Type a message first.';
        sent.push(text);
        return null;
      },
    };
    TestBed.configureTestingModule({ providers: [{ provide: ChatStore, useValue: store }] });
    const fixture = TestBed.createComponent(Composer);
    fixture.componentRef.setInput('conversationId', 'c1');
    return { fixture, sent, store };
  }

  it('sends on Enter and keeps Shift+Enter for a new line', async () => {
    const { fixture, sent } = setup();
    await fixture.whenStable();
    const box = (fixture.nativeElement as HTMLElement).querySelector('textarea') as HTMLTextAreaElement;
    box.value = 'line one';
    box.dispatchEvent(new Event('input'));
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, cancelable: true }));
    expect(sent).toEqual([]);
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', cancelable: true }));
    expect(sent).toEqual(['line one']);
    expect(box.value).toBe('');
  });

  it('has a labelled message box and send button', async () => {
    const { fixture } = setup();
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('textarea')?.getAttribute('aria-label')).toBe('Message');
    expect(el.querySelector('[data-testid="send-button"]')?.getAttribute('aria-label')).toBe('Send message');
  });

  it('announces typing to the store as the user types', async () => {
    const { fixture, store } = setup();
    await fixture.whenStable();
    const box = (fixture.nativeElement as HTMLElement).querySelector('textarea') as HTMLTextAreaElement;
    box.value = 'h';
    box.dispatchEvent(new Event('input'));
    expect(store.typed).toHaveBeenCalledWith('c1', 'h');
  });
});
