// Every visible string comes from i18n/{de,en,fr}.json (German is the default). The
// language follows the switcher (kept on the phone), else the browser's languages.

export const LANGUAGES = ['de', 'en', 'fr'];
const STORE_KEY = 'gisapp-field.lang';
let catalog = {};
let lang = 'de';

export function language() {
  return lang;
}

function wanted() {
  const kept = localStorage.getItem(STORE_KEY);
  if (LANGUAGES.includes(kept)) return kept;
  for (const tag of navigator.languages || [navigator.language || '']) {
    const primary = tag.toLowerCase().split('-')[0];
    if (LANGUAGES.includes(primary)) return primary;
  }
  return 'de';
}

async function fetchCatalog(code) {
  const response = await fetch(new URL(`./i18n/${code}.json`, import.meta.url));
  if (!response.ok) throw new Error(`catalog ${code}: ${response.status}`);
  return response.json();
}

/** Load the catalog of the chosen (or given) language. The catalogs have the same keys
 * (tests/test_field_app.py checks), so no fallback catalog is loaded. */
export async function load(code) {
  if (code) {
    localStorage.setItem(STORE_KEY, code);
    // the server's pages and messages follow the same choice (as their own switcher does)
    document.cookie = `gisapp_lang=${code}; path=/; max-age=31536000; SameSite=Lax`;
  }
  lang = code || wanted();
  catalog = await fetchCatalog(lang);
  document.documentElement.lang = lang;
  translateStatic();
}

/** t('card.next_due', {date}) → the text with {date} filled in (the key if unknown). */
export function t(key, params) {
  let text = catalog[key] ?? key;
  for (const [name, value] of Object.entries(params || {})) {
    text = text.replaceAll(`{${name}}`, value);
  }
  return text;
}

/** The texts of the shell itself (data-i18n, data-i18n-label for aria-label). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  }
}

export function formatDate(value, withTime = false) {
  if (!value) return '';
  const date = new Date(value.length === 10 ? `${value}T12:00:00` : value);
  const options = withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(lang, options).format(date);
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value);
}

/** A type's label in the current language, from the type (capture list) or the catalog. */
export function typeLabel(code, type) {
  if (type) return type[`label_${lang}`] || type.label_de || code;
  const key = `type.${code}`;
  return t(key) === key ? code : t(key);
}
