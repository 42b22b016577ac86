import { createI18n } from 'vue-i18n';
import { setApiLanguage } from '@/api/client';
import { LOCALES, messages, type Locale } from '@/locales';

const STORAGE_KEY = 'paygate.console.locale';

function stored(key: string): Locale | undefined {
  try {
    const value = localStorage.getItem(key);
    return LOCALES.some((l) => l.value === value) ? (value as Locale) : undefined;
  } catch {
    return undefined;
  }
}

/** zh-CN unless this browser last chose English (before anyone logged in). */
const initial: Locale = stored(STORAGE_KEY) ?? 'zh-CN';
setApiLanguage(initial);

export const i18n = createI18n({
  legacy: false,
  locale: initial,
  fallbackLocale: 'zh-CN',
  messages,
  missingWarn: false,
  fallbackWarn: false,
});

function apply(locale: Locale): void {
  i18n.global.locale.value = locale;
  setApiLanguage(locale);
  document.documentElement.lang = locale;
}

/**
 * The language is remembered per user (the API's console users have no language field, so it
 * is kept in this browser under the user's id), and as this browser's last choice for the login page.
 */
export function chooseLocale(locale: Locale, userId?: string): void {
  apply(locale);
  try {
    localStorage.setItem(STORAGE_KEY, locale);
    if (userId) localStorage.setItem(`${STORAGE_KEY}:${userId}`, locale);
  } catch {
    // storage refused (private mode): the choice lasts until the page is reloaded
  }
}

/** After login: the language this user chose last time, if any. */
export function restoreUserLocale(userId: string): void {
  const locale = stored(`${STORAGE_KEY}:${userId}`);
  if (locale) apply(locale);
}

document.documentElement.lang = initial;
