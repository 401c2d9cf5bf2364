import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { ApiError } from '../../core/api-error';
import { AuthStore } from '../../core/auth/auth.store';
import { LoginPage } from './login';

describe('LoginPage', () => {
  function setup(login: () => Promise<void>) {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), { provide: AuthStore, useValue: { login, endedReason: () => null } }],
    });
    return TestBed.createComponent(LoginPage);
  }

  function fill(el: HTMLElement, testId: string, value: string) {
    const input = el.querySelector(`[data-testid="${testId}"]`) as HTMLInputElement;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  it('shows inline errors for empty fields without calling the server', async () => {
    const login = vi.fn(() => Promise.resolve());
    const fixture = setup(login);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    (el.querySelector('[data-testid="login-submit"]') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(login).not.toHaveBeenCalled();
    expect(el.textContent).toContain('Enter your username.');
    expect(el.textContent).toContain('Enter your password.');
  });

  it('says in words that the username or password is wrong', async () => {
    const fixture = setup(() => Promise.reject(new ApiError('UNAUTHENTICATED', 'invalid credentials')));
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    fill(el, 'login-username', 'alice');
    fill(el, 'login-password', 'wrong password');
    (el.querySelector('[data-testid="login-submit"]') as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r));
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="auth-error"]')?.textContent).toContain('Wrong username or password.');
  });

  it('explains rate limiting', async () => {
    const fixture = setup(() => Promise.reject(new ApiError('RATE_LIMITED', 'slow down')));
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    fill(el, 'login-username', 'alice');
    fill(el, 'login-password', 'whatever1');
    (el.querySelector('[data-testid="login-submit"]') as HTMLButtonElement).click();
    await new Promise((r) => setTimeout(r));
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="auth-error"]')?.textContent).toContain('Too many attempts');
  });
});
