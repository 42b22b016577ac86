import { computed, reactive } from 'vue';
import { api, unwrap, type Schemas } from '@/api/client';

export type Permission = Schemas['ConsoleSessionDto']['permissions'][number];
export type SessionUser = Schemas['SessionUserDto'];

interface SessionState {
  user: SessionUser | null;
  permissions: Permission[];
  /** Whether the first GET /v1/console/session has answered. */
  loaded: boolean;
}

/** Who is logged in, as GET /v1/console/session answers; one object for the whole console. */
export const session = reactive<SessionState>({ user: null, permissions: [], loaded: false });

export const isOperator = computed(() => session.user?.scope === 'operator');

/** What the UI shows and hides: the session's row of the role table (the server still decides). */
export function can(permission: Permission): boolean {
  return session.permissions.includes(permission);
}

export async function loadSession(): Promise<void> {
  try {
    const data = await unwrap(api.GET('/v1/console/session'));
    session.user = data.user;
    session.permissions = data.permissions;
  } catch {
    session.user = null;
    session.permissions = [];
  }
  session.loaded = true;
}

export function forgetSession(): void {
  session.user = null;
  session.permissions = [];
}
