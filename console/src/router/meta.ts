import type { Component } from 'vue';
import type { Permission } from '@/session/session';

/** What a console route declares; the menu and the guard read only this. */
declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session (login). */
    public?: boolean;
    /** Which side's users may open it. */
    scope?: 'operator' | 'merchant';
    /** The permission the page needs (the role table's, src/auth/permissions.ts). */
    permission?: Permission;
    /** Shown in the side menu under this message key, in `order`. */
    menu?: { title: string; icon: Component; order: number };
    /** The page title's message key (the menu title when absent). */
    title?: string;
  }
}

export {};
