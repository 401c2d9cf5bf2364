import { Route } from '@angular/router';
import { signedInGuard, signedOutGuard } from './core/auth/auth.guards';

export const appRoutes: Route[] = [
  {
    path: 'login',
    title: 'Sign in · Chat',
    canActivate: [signedOutGuard],
    loadComponent: () => import('./features/auth/login').then((m) => m.LoginPage),
  },
  {
    path: 'register',
    title: 'Create an account · Chat',
    canActivate: [signedOutGuard],
    loadComponent: () => import('./features/auth/register').then((m) => m.RegisterPage),
  },
  {
    path: '',
    canActivate: [signedInGuard],
    loadComponent: () => import('./features/chat/chat-shell').then((m) => m.ChatShell),
    children: [
      { path: '', title: 'Chat', loadComponent: () => import('./features/chat/empty-pane').then((m) => m.EmptyPane) },
      {
        path: 'profile',
        title: 'Profile and safety · Chat',
        loadComponent: () => import('./features/profile/profile-page').then((m) => m.ProfilePage),
      },
      {
        path: 'c/:id',
        title: 'Chat',
        loadComponent: () => import('./features/chat/conversation-pane').then((m) => m.ConversationPane),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
