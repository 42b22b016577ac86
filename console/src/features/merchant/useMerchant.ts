import { computed } from 'vue';
import { session } from '@/session/session';

/** The signed-in merchant user's merchant code (the API limits every call to it anyway). */
export const merchantId = computed(() => session.user?.source_id ?? 0);

/** Copies a text to the clipboard; false when the browser refuses (no secure context). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** A GET download (CSV) through the browser, with the session cookie: the server names the file. */
export function download(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.rel = 'noopener';
  link.download = '';
  document.body.appendChild(link);
  link.click();
  link.remove();
}
