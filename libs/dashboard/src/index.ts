import { fileURLToPath } from 'node:url';

/** Folder of the dashboard's built web assets (index.html, the bundle, styles), which the gateway serves. */
export const dashboardAssetsDir: string = fileURLToPath(new URL('../dist/web/', import.meta.url));

// The gateway answers the dashboard's page paths with index.html: the same table the app routes by.
export { parseDashboardRoute } from './routes.js';
