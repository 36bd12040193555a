import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { dashboardPath, parseDashboardRoute, type DashboardRoute } from '../routes.js';

const changeEvent = 'weft:navigate';

/** Goes to `route` without reloading the page (history API); the gateway serves index.html for it on reload. */
export function navigate(route: DashboardRoute): void {
  history.pushState(null, '', dashboardPath(route));
  window.dispatchEvent(new Event(changeEvent));
}

/** The current route (undefined for a path the dashboard does not know), updated on navigation and back/forward. */
export function useRoute(): DashboardRoute | undefined {
  const [route, setRoute] = useState(() => parseDashboardRoute(location.pathname));
  useEffect(() => {
    const update = (): void => setRoute(parseDashboardRoute(location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(changeEvent, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(changeEvent, update);
    };
  }, []);
  return route;
}

/** A real link to `to` that navigates in place on a plain left click (new tabs still work). */
export function Link(props: { to: DashboardRoute; children: ComponentChildren; class?: string; 'data-testid'?: string; 'aria-current'?: 'page' }): JSX.Element {
  const { to, children, ...rest } = props;
  const onClick = (event: MouseEvent): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={dashboardPath(to)} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
