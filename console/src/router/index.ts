import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { onUnauthenticated } from '@/api/client';
import { can, forgetSession, loadSession, session } from '@/session/session';
import { merchantRoutes } from './merchant';
import { operatorRoutes } from './operator';
import './meta';

/** The pages of the shell, both sides: the menu lists those of the user's side it may open. */
export const shellRoutes: RouteRecordRaw[] = [...operatorRoutes, ...merchantRoutes];

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/features/login/LoginView.vue'),
    meta: { public: true, title: 'login.title' },
  },
  {
    path: '/',
    component: () => import('@/layout/AppShell.vue'),
    children: [
      { path: '', name: 'home', redirect: () => homePath() },
      {
        path: 'password',
        name: 'password',
        component: () => import('@/features/account/PasswordView.vue'),
        meta: { title: 'password.title' },
      },
      ...shellRoutes,
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('@/features/account/ForbiddenView.vue'),
      },
      {
        path: ':unknown(.*)*',
        name: 'not-found',
        component: () => import('@/features/account/NotFoundView.vue'),
      },
    ],
  },
];

/** The first page of the user's side that its role may open. */
export function homePath(): string {
  const scope = session.user?.scope;
  const first = shellRoutes
    .filter(
      (r) =>
        r.meta?.menu && r.meta.scope === scope && (!r.meta.permission || can(r.meta.permission)),
    )
    .sort((a, b) => (a.meta?.menu?.order ?? 0) - (b.meta?.menu?.order ?? 0))[0];
  return first ? `/${first.path}` : '/forbidden';
}

export const router = createRouter({ history: createWebHistory('/console/'), routes });

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession();
  if (to.meta.public) return session.user && to.name === 'login' ? homePath() : true;
  if (!session.user)
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  if (session.user.must_change_password && to.name !== 'password') return { name: 'password' };
  if (to.meta.scope && to.meta.scope !== session.user.scope) return homePath();
  if (to.meta.permission && !can(to.meta.permission)) return { name: 'forbidden' };
  return true;
});

onUnauthenticated(() => {
  if (!session.user) return;
  forgetSession();
  void router.push({ name: 'login', query: { expired: '1' } });
});
