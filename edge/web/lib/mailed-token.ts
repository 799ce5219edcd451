/**
 * The token of a mailed link (`?token=`), read once and then removed from the address bar,
 * so it is not left in the history or shown to someone looking over a shoulder.
 */
export function takeMailedToken(): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token !== null) {
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return token && token.length <= 200 ? token : null;
}
