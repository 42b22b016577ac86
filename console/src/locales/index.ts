import commonEn from './common/en';
import commonZh from './common/zh-CN';
import merchantEn from './merchant/en';
import merchantZh from './merchant/zh-CN';
import operatorEn from './operator/en';
import operatorZh from './operator/zh-CN';

/**
 * Every message of the console, per language: the shared ones at the top level, each side's
 * under its own key (`operator.…`, `merchant.…`), so the two sides' files never collide.
 */
export const messages = {
  'zh-CN': { ...commonZh, operator: operatorZh, merchant: merchantZh },
  en: { ...commonEn, operator: operatorEn, merchant: merchantEn },
};

export type Locale = keyof typeof messages;
export const LOCALES: { value: Locale; label: string }[] = [
  { value: 'zh-CN', label: '简体中文' },
  { value: 'en', label: 'English' },
];
