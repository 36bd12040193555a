// The bearer token lives in the browser's localStorage, so it survives reloads; it is only ever
// sent to this page's own origin (the gateway), in the authorization header.
const key = 'weft.dashboard.token';

/** The saved token, '' when none (or when storage is unavailable). */
export function loadToken(): string {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

/** Saves `token`; a blank one removes it. */
export function saveToken(token: string): void {
  try {
    if (token.trim() === '') localStorage.removeItem(key);
    else localStorage.setItem(key, token.trim());
  } catch {
    // Storage disabled (private mode, policy): the token still applies until the page reloads.
  }
}
