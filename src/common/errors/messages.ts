import Negotiator from 'negotiator';
import { ERROR_CATALOGUE, ErrorReason } from './error-catalogue';
import { ErrorParams } from './app-error';

export type Language = 'en' | 'zh-CN';

const AVAILABLE: Language[] = ['en', 'zh-CN'];

/** The response language from `Accept-Language`: zh-CN or en, English by default. */
export function pickLanguage(acceptLanguage: string | string[] | undefined): Language {
  if (!acceptLanguage) return 'en';
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage;
  const best = new Negotiator({ headers: { 'accept-language': header } }).language(AVAILABLE);
  return best === 'zh-CN' ? 'zh-CN' : 'en';
}

export function renderMessage(
  reason: ErrorReason,
  params: ErrorParams,
  language: Language,
): string {
  const spec = ERROR_CATALOGUE[reason];
  const template = language === 'zh-CN' ? spec.zh : spec.en;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}
