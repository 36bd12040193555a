import { fileURLToPath } from 'node:url';

/** Folder of the dashboard's built web assets (index.html, the bundle, styles), which the gateway serves. */
export const dashboardAssetsDir: string = fileURLToPath(new URL('../dist/web/', import.meta.url));

export { parseDashboardRoute, dashboardPath } from './routes.js';
export type { DashboardRoute } from './routes.js';
