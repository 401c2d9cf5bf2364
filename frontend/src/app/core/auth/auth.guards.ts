import { inject } from '@angular/core';
import { Router, type CanActivateFn } from '@angular/router';
import { AuthStore } from './auth.store';

/** Pages of a signed-in user: wait for the session to be restored, else go to the login page. */
export const signedInGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  await auth.ready();
  if (auth.signedIn()) return true;
  return router.createUrlTree(['/login'], state.url && state.url !== '/' ? { queryParams: { returnUrl: state.url } } : {});
};

/** Login and register: a signed-in user goes straight to the chat. */
export const signedOutGuard: CanActivateFn = async () => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  await auth.ready();
  return auth.signedIn() ? router.createUrlTree(['/']) : true;
};
