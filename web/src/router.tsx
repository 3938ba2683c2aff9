// Navigation over wouter (a ~2 KB router on the History API): the server answers every non-API path with
// index.html, so reloads and shared links land on the right page. The pages ask for `{ path, navigate }`
// (path = pathname + query string, as a bookmark holds it) and render `Link`s; App.tsx declares the routes.
import { useLocation, useSearch, Link as WouterLink } from 'wouter';
import type { AnchorHTMLAttributes } from 'react';

/** The current path with its query string, and a way to go elsewhere (a new history entry, scrolled to the top). */
export function useRouter(): { path: string; navigate(to: string): void } {
  const [pathname, go] = useLocation();
  const search = useSearch();
  const path = search ? `${pathname}?${search}` : pathname;
  const navigate = (to: string) => {
    if (to === window.location.pathname + window.location.search) return;
    go(to);
    window.scrollTo(0, 0);
  };
  return { path, navigate };
}

/** A link that changes page without reloading (a modified or middle click still opens a new tab). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { navigate } = useRouter();
  return (
    <WouterLink
      href={href}
      onClick={(event) => {
        // wouter calls this only for a plain left click; the page already shown stays put (no new history
        // entry), a new page starts at its top.
        onClick?.(event);
        if (event.defaultPrevented) return;
        event.preventDefault();
        navigate(href);
      }}
      {...rest}
    />
  );
}
