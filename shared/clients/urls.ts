// URL formats accepted by Auth0 for client settings. Auth0 names each format in its validation
// messages ("Object didn't pass validation for format callback-url: …"), so the names are kept.

export type UrlFormat =
  | 'callback-url'
  | 'url-with-placeholders'
  | 'absolute-https-uri-with-placeholders-or-empty'
  | 'absolute-uri-or-empty'
  | 'absolute-uri'
  | 'absolute-https-uri';

// Auth0 placeholders: {organization_name}, {organization.metadata.KEY}, {custom_domain.metadata.KEY}.
const PLACEHOLDER = /\{(?:organization_name|organization\.metadata\.[^{}\s]+|custom_domain\.metadata\.[^{}\s]+)\}/g;
// Only the left-most label of the host may be a wildcard: https://*.example.com
const SUBDOMAIN_WILDCARD = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)\*\./;

interface UrlRules {
  placeholders: boolean;
  wildcard: boolean;
  httpsOnly: boolean;
  allowEmpty: boolean;
}

const RULES: Record<UrlFormat, UrlRules> = {
  'callback-url': { placeholders: true, wildcard: true, httpsOnly: false, allowEmpty: false },
  'url-with-placeholders': { placeholders: true, wildcard: true, httpsOnly: false, allowEmpty: false },
  'absolute-https-uri-with-placeholders-or-empty': { placeholders: true, wildcard: false, httpsOnly: true, allowEmpty: true },
  'absolute-uri-or-empty': { placeholders: false, wildcard: false, httpsOnly: false, allowEmpty: true },
  'absolute-uri': { placeholders: false, wildcard: false, httpsOnly: false, allowEmpty: false },
  'absolute-https-uri': { placeholders: false, wildcard: false, httpsOnly: true, allowEmpty: false },
};

/**
 * True when `value` is valid for the Auth0 URL `format`. Placeholders and the subdomain wildcard are
 * replaced by plain labels first, so the WHATWG URL parser judges the rest of the URL as it is.
 */
export function isValidUrl(value: string, format: UrlFormat): boolean {
  const rules = RULES[format];
  if (value === '') return rules.allowEmpty;
  if (/\s/.test(value)) return false;

  let candidate = value;
  if (rules.placeholders) candidate = candidate.replace(PLACEHOLDER, 'placeholder');
  if (rules.wildcard) candidate = candidate.replace(SUBDOMAIN_WILDCARD, '$1wildcard.');
  // Leftover braces are unknown placeholders; a leftover * is a wildcard outside the first label.
  if (/[{}]/.test(candidate)) return false;

  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.hostname.includes('*')) return false;
  if (rules.httpsOnly) return url.protocol === 'https:' && url.hostname !== '';
  // http(s) URLs need a host; custom schemes (com.example.app://callback) are native app callbacks.
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname === '') return false;
  return true;
}
